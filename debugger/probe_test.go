package debugger

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestProbeScriptShellcheck holds the probe script, probe.sh with the
// lines Go appends, to shellcheck's POSIX sh rules. Without shellcheck the
// test is skipped, except under CI=true, where it fails.
func TestProbeScriptShellcheck(t *testing.T) {
	sc, err := exec.LookPath("shellcheck")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shellcheck is not installed (Debian's shellcheck package): %v", err)
		}
		t.Skipf("shellcheck is not installed: %v", err)
	}
	script := probeScript([]ProbeTarget{{Addr: "192.0.2.1", Port: 1}, {Addr: "evil;reboot", Port: 2}, {Host: "h:2222", Port: 3}}, 5*time.Second)
	cmd := exec.Command(sc, "--shell=sh", "--severity=style", "-")
	cmd.Stdin = strings.NewReader(script)
	out, err := cmd.CombinedOutput()
	assert.NoError(t, err, "shellcheck:\n%s\nscript:\n%s", out, script)
}

// TestProbeScriptTargetLines checks the lines Go writes after probe.sh.
func TestProbeScriptTargetLines(t *testing.T) {
	s := probeScript([]ProbeTarget{{Addr: "192.0.2.1", Port: 1}, {Addr: "192.0.2.1", Port: 1}, {Host: "h:2222", Port: 3}}, 2500*time.Millisecond)
	require.Greater(t, len(s), len(probeShell))
	assert.Equal(t, "probe_tcp 192.0.2.1 1 3 &\nprobe_tcp h 3 3\nwait\n", s[len(probeShell):])
}
