package facts

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/org/calyptos/internal/shelltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadsMatchThePrograms: the commands that read files with the shell
// print what cat, uname -m and readlink print, under every POSIX shell a
// host may have as /bin/sh.
func TestReadsMatchThePrograms(t *testing.T) {
	dir := t.TempDir()
	odd := filepath.Join(dir, "odd")
	require.NoError(t, os.WriteFile(odd, []byte("  lead\\ing \\n backslashes\n\ttab\n\nno newline at end"), 0o644))
	tests := []struct{ name, cmd, want string }{
		{"meminfo", MeminfoCommand, "cat /proc/meminfo"},
		{"os-release", OSReleaseCommand, "cat /etc/os-release"},
		{"arch", ArchCommand, "uname -m"},
		{"odd file", readLines + " <" + odd, "cat " + odd + "; echo"},
	}
	for _, name := range []string{"dash", "bash", "busybox"} {
		sh := shelltest.Path(t, name)
		for _, tt := range tests {
			got, err := exec.Command(sh, "-c", tt.cmd).Output()
			require.NoError(t, err, "%s: %s", name, tt.name)
			want, err := exec.Command("sh", "-c", tt.want).Output()
			require.NoError(t, err)
			if tt.name == "meminfo" { // the kernel's counters move between reads
				assert.Equal(t, fieldNames(string(want)), fieldNames(string(got)), "%s: %s", name, tt.name)
				continue
			}
			assert.Equal(t, string(want), string(got), "%s: %s", name, tt.name)
		}
	}
}

// TestNICDriverFromUevent: the driver the NIC command reads from uevent
// is the one the device's driver link names.
func TestNICDriverFromUevent(t *testing.T) {
	links, _ := filepath.Glob("/sys/class/net/*/device/driver")
	if len(links) == 0 {
		t.Skip("no network device with a driver here")
	}
	out, err := exec.Command("sh", "-c", NICsCommand).Output()
	require.NoError(t, err)
	for _, l := range links {
		target, err := os.Readlink(l)
		require.NoError(t, err)
		name := strings.Split(l, "/")[4]
		assert.Contains(t, string(out), "nic name="+name+" ", "%s", out)
		assert.Contains(t, string(out), " driver="+filepath.Base(target)+" ", "%s", out)
	}
}

// fieldNames returns the "Name:" of each line.
func fieldNames(s string) []string {
	var out []string
	for line := range strings.Lines(s) {
		k, _, _ := strings.Cut(line, ":")
		out = append(out, k)
	}
	return out
}
