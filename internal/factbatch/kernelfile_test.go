package factbatch

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/org/calyptos/internal/shelltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKernelFile(t *testing.T) {
	for _, tc := range []struct {
		command, path string
	}{
		{"cat /proc/cpuinfo", "/proc/cpuinfo"},
		{"cat /sys/class/net/lo/mtu", "/sys/class/net/lo/mtu"},
		{"cat /proc/sys/kernel/random/boot_id", "/proc/sys/kernel/random/boot_id"},
		{"cat /sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq", "/sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq"},
		{"cat /proc/cpuinfo /proc/meminfo", ""},
		{"cat /etc/os-release", ""},
		{"cat /proc/../etc/shadow", ""},
		{"cat /sys/..", ""},
		{"cat  /proc/cpuinfo", ""},
		{"cat -- /proc/cpuinfo", ""},
		{"cat /proc/$x", ""},
		{"cat /proc/cpuinfo; rm -rf /", ""},
		{"cat /proc/cpu info", ""},
		{"cat /proc/cpuinfo\n", ""},
		{"cat /procfs", ""},
		{"cat", ""},
		{"head /proc/cpuinfo", ""},
	} {
		p, ok := kernelFile(tc.command)
		assert.Equal(t, tc.path != "", ok, "%q", tc.command)
		assert.Equal(t, tc.path, p, "%q", tc.command)
	}
}

// kernelCmds mixes file facts (one missing, one cut at its cap) with
// others, so that the frames come in another order than the facts.
func kernelCmds() []Cmd {
	return []Cmd{
		{Command: "echo before", Seconds: 5, Cap: 100},
		{Command: "cat /proc/sys/kernel/ostype", Seconds: 5, Cap: 100},
		{Command: "cat /proc/calyptos-no-such-file", Seconds: 5, Cap: 1000},
		{Command: "cat /proc/version", Seconds: 5, Cap: 5},
		{Command: "echo after; echo err >&2", Seconds: 5, Cap: 100},
	}
}

// A fact that is cat of a kernel file gives what cat gives, read by the
// frames' cat: a missing file is cat's own error, a long one is cut at
// the cap, and the facts around keep their results.
func TestScriptServesKernelFiles(t *testing.T) {
	version, err := os.ReadFile("/proc/version")
	require.NoError(t, err)
	for _, name := range []string{"sh", "dash", "bash", "busybox"} {
		t.Run(name, func(t *testing.T) {
			cmds := kernelCmds()
			res := Parse(testBoundary, cmds, runScript(t, shelltest.Path(t, name), Script(testBoundary, cmds)))
			for i, r := range res {
				require.NoError(t, r.Err, "fact %d", i)
			}
			assert.Equal(t, Result{Stdout: "before\n"}, untimed(res[0]))
			assert.Equal(t, Result{Stdout: "Linux\n"}, untimed(res[1]))
			assert.Equal(t, 1, res[2].ExitCode)
			assert.Contains(t, res[2].Stderr, "calyptos-no-such-file")
			assert.Equal(t, Result{Stdout: string(version[:5]), Truncated: true}, untimed(res[3]))
			assert.Equal(t, Result{Stdout: "after\n", Stderr: "err\n"}, untimed(res[4]))
		})
	}
}

func TestScriptWritesKernelFileLines(t *testing.T) {
	s := Script(testBoundary, kernelCmds())
	assert.Contains(t, s, "\ngather_file 1 '/proc/sys/kernel/ostype'\n")
	assert.Contains(t, s, "\ngather_file 3 '/proc/version'\n")
	assert.Equal(t, 3, strings.Count(s, "\ngather_file "), "one line per file fact, none for the others")
	assert.Contains(t, s, "\ngather_begin 5 5 400 1\n", "file facts leave nothing in the private directory")
}

func TestEncodeParseKernelFilesOrder(t *testing.T) {
	_, cmds, ok := Decode(Script(testBoundary, kernelCmds()))
	require.True(t, ok)
	require.Equal(t, kernelCmds(), cmds)
	in := []Result{{Stdout: "0"}, {Stdout: "1"}, {Stdout: "2", ExitCode: 1}, {Stdout: "3"}, {Stdout: "4"}}
	enc := Encode(testBoundary, cmds, in)
	assert.Less(t, strings.Index(enc, "4"+fakeMarker), strings.Index(enc, "1"+fakeMarker), "file facts' frames come last")
	assert.Equal(t, in, Parse(testBoundary, cmds, enc))
}

// otherMount returns a new directory on /dev/shm, another file system
// than the tests' temporary directories (where TMPDIR puts the private
// directory), or skips the test.
func otherMount(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/dev/shm", "calyptos-test.")
	if err != nil {
		t.Skipf("no /dev/shm for a file on another mount: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	var a, b syscall.Stat_t
	require.NoError(t, syscall.Stat(os.TempDir(), &a))
	require.NoError(t, syscall.Stat(dir, &b))
	if a.Dev == b.Dev {
		t.Skip("the temporary directory and /dev/shm are one file system here")
	}
	return dir
}

// hungFIFO returns a FIFO without a writer on another mount: opening it
// to read hangs, as a file of a hung FUSE daemon does.
func hungFIFO(t *testing.T) string {
	t.Helper()
	fifo := filepath.Join(otherMount(t), "hung")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	return fifo
}

// servingInstead returns the script of cmds (kernelCmds changed or not)
// with path served for fact 1, whatever its type: the worker leaves only
// a regular file to the frames' cat, and a FIFO is none.
func servingInstead(t *testing.T, cmds []Cmd, path string) string {
	t.Helper()
	script := Script(testBoundary, cmds)
	old := "gather_file 1 '/proc/sys/kernel/ostype'"
	require.Contains(t, script, old)
	script = strings.Replace(script, old, "gather_file 1 '"+path+"'", 1)
	return strings.Replace(script, `[ -f "$gather_kfile" ]`, `[ -e "$gather_kfile" ]`, 1)
}

// A kernel file that hangs when the frames are printed (a FUSE file whose
// daemon hung; here a FIFO without a writer, on another mount than the
// private directory) costs the file facts after it, not the script's end:
// the watchdog stops the cat within a few ticks, the other frames are
// kept and the private directory is removed.
func TestScriptStopsFramesStuckOnAKernelFile(t *testing.T) {
	fifo := hungFIFO(t)
	for _, name := range reviewShells {
		t.Run(name, func(t *testing.T) {
			tmp := t.TempDir()
			cmds := kernelCmds()
			start := time.Now()
			res := runEnding(t, name, cmds, servingInstead(t, cmds, fifo), "TMPDIR="+tmp)
			assert.Less(t, time.Since(start), 8*time.Second)
			assert.Equal(t, "before\n", res[0].Stdout)
			assert.Equal(t, "after\n", res[4].Stdout)
			assert.ErrorIs(t, res[1].Err, ErrNoFrame, "the hung file's frame is lost")
			assert.ErrorIs(t, res[3].Err, ErrNoFrame, "and the file facts' after it")
			left, err := os.ReadDir(tmp)
			require.NoError(t, err)
			assert.Empty(t, left, "the private directory is removed")
		})
	}
}
