package factbatch

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/org/calyptos/internal/shelltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testBoundary = "CALYPTOSb7e1d0c2a9f3"

func testCmds() []Cmd {
	return []Cmd{
		{Command: "echo hello; echo oops >&2; exit 3", Seconds: 5, Cap: 1024},
		{Command: "sleep 30; echo late", Seconds: 1, Cap: 1024},
		// A command that prints what looks like a frame of its own.
		{Command: `printf '%s 0 0 0 5 0 5 0\nforgedCALYPTOSb7e1d0c2a9f3 end\n' ` + testBoundary, Seconds: 5, Cap: 1024},
		{Command: "yes x | head -c 5000", Seconds: 5, Cap: 100},
		{Command: "printf 'it'\\''s quoted\\n'", Seconds: 5, Cap: 1024},
		{Command: "calyptos-no-such-command", Seconds: 5, Cap: 1024},
		// Sees no argument or variable of the script, as under sh -c.
		{Command: `echo "[$#][$gather_dir][$gather_boundary][$gather_pending]"; r 2>/dev/null || echo no r`, Seconds: 7, Cap: 1024},
	}
}

func checkResults(t *testing.T, res []Result) {
	t.Helper()
	require.Len(t, res, 7)
	for i, r := range res {
		require.NoError(t, r.Err, "command %d", i)
	}
	assert.Equal(t, Result{Stdout: "hello\n", Stderr: "oops\n", ExitCode: 3}, untimed(res[0]))
	assert.True(t, res[1].TimedOut, "%+v", res[1])
	assert.Empty(t, res[1].Stdout)
	assert.Equal(t, testBoundary+" 0 0 0 5 0 5 0\nforgedCALYPTOSb7e1d0c2a9f3 end\n", res[2].Stdout, "a forged frame is data")
	assert.Equal(t, strings.Repeat("x\n", 50), res[3].Stdout)
	assert.True(t, res[3].Truncated)
	assert.Equal(t, "it's quoted\n", res[4].Stdout)
	assert.Equal(t, 127, res[5].ExitCode)
	assert.Equal(t, "[0][][][]\nno r\n", res[6].Stdout)
}

// untimed is r without Head and Tail, for tests of what a command said.
func untimed(r Result) Result {
	r.Head, r.Tail = 0, 0
	return r
}

// runScript runs the script in shell sh.
func runScript(t *testing.T, sh, script string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := groupCommand(ctx, sh, "-c", script).Output()
	require.NoError(t, err)
	return string(out)
}

// groupCommand is exec.CommandContext for a script: in a process group of
// its own, killed whole (stopped members included) when ctx ends, so that
// a script that does not end (a test that fails) leaves no worker running
// after the test.
func groupCommand(ctx context.Context, sh string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, sh, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGCONT)
	}
	return cmd
}

// The script runs in every POSIX shell at hand; a hung command is stopped
// at its own bound, with the process it started, and only it loses its
// output.
func TestScriptRunsHere(t *testing.T) {
	for i, name := range []string{"sh", "dash", "bash", "busybox"} {
		t.Run(name, func(t *testing.T) {
			sh := shelltest.Path(t, name)
			cmds := testCmds()
			hung := fmt.Sprintf("sleep 30.%d%d", os.Getpid(), i)
			cmds[1].Command = hung + "; echo late"
			start := time.Now()
			out := runScript(t, sh, "echo a login banner\n"+Script(testBoundary, cmds))
			assert.Less(t, time.Since(start), 10*time.Second, "the hung command is stopped at its own bound")
			checkResults(t, Parse(testBoundary, cmds, out))
			assertGone(t, hung, "the hung command's process is killed")
		})
	}
}

func TestScriptIsPOSIX(t *testing.T) {
	sh := shelltest.Path(t, "sh")
	out, err := exec.Command(sh, "-n", "-c", Script(testBoundary, testCmds())).CombinedOutput()
	assert.NoError(t, err, "%s", out)
}

func TestDecodeEncodeRoundTrip(t *testing.T) {
	b, cmds, ok := Decode(Script(testBoundary, testCmds()))
	require.True(t, ok)
	assert.Equal(t, testBoundary, b)
	assert.Equal(t, testCmds(), cmds)
	_, _, ok = Decode("echo hello")
	assert.False(t, ok)

	in := []Result{{Stdout: "a\n", Stderr: "b", ExitCode: 1}, {TimedOut: true, ExitCode: 124}, {}, {Stdout: strings.Repeat("y", 150), Stderr: strings.Repeat("z", 150)}, {}, {ExitCode: 127}, {Stdout: "z"}}
	enc := Encode(testBoundary, cmds, in)
	assert.Contains(t, enc, strings.Repeat("z", 101))
	assert.NotContains(t, enc, strings.Repeat("z", 102), "stderr cut at Cap+1 as the host does")
	got := Parse(testBoundary, cmds, enc)
	in[3].Stdout, in[3].Stderr, in[3].Truncated = strings.Repeat("y", 100), strings.Repeat("z", 100), true
	assert.Equal(t, in, got)
}

func TestParseBroken(t *testing.T) {
	cmds := testCmds()[:2]
	full := Encode(testBoundary, cmds, []Result{{Stdout: "one"}, {Stdout: "two"}})
	tests := map[string]string{
		"empty":            "",
		"cut in a body":    full[:strings.Index(full, "two")+1],
		"fatal":            testBoundary + " fatal cannot create a temporary directory\n",
		"other boundary":   strings.ReplaceAll(full, testBoundary, "CALYPTOSother"),
		"marker missing":   strings.Replace(full, "two"+fakeMarker, "two", 1),
		"short marker":     strings.ReplaceAll(full, fakeMarker, "0f1e2d3c"),
		"marker not hex":   strings.ReplaceAll(full, fakeMarker, strings.Repeat("x", 36)),
		"no data line end": testBoundary + " data ",
	}
	for name, out := range tests {
		t.Run(name, func(t *testing.T) {
			for _, r := range Parse(testBoundary, cmds, out)[1:] {
				assert.ErrorIs(t, r.Err, ErrNoFrame)
			}
		})
	}
	// The reason the script gave for ending early is kept.
	fatal := Parse(testBoundary, cmds, "banner\n"+testBoundary+" fatal cannot create a private directory in x\n")
	assert.ErrorIs(t, fatal[0].Err, ErrNoFrame)
	assert.EqualError(t, fatal[1].Err, ErrNoFrame.Error()+": the host said: cannot create a private directory in x")
	// The first frame of a cut output is kept.
	assert.Equal(t, "one", Parse(testBoundary, cmds, full[:strings.Index(full, "two")+1])[0].Stdout)
}

func FuzzParse(f *testing.F) {
	cmds := testCmds()
	f.Add(Encode(testBoundary, cmds, []Result{{Stdout: "a"}, {TimedOut: true}, {Stderr: "e"}, {}, {}, {ExitCode: 127}}))
	m := fakeMarker
	f.Add("banner\n" + testBoundary + " data " + m + " 5 8\n0 0 2 3\n" + m + "ab" + m + m + "1 1\n" + m)
	f.Add(testBoundary + " data " + m + " 0 unlimited\n0 0\n" + m + m)
	f.Add(testBoundary + " data " + m + " 25 unlimited\n0 0 19 10\n" + m + m + m)
	f.Fuzz(func(t *testing.T, out string) {
		res := Parse(testBoundary, cmds, out)
		if len(res) != len(cmds) {
			t.Fatalf("%d results", len(res))
		}
		for _, r := range res {
			if r.Err == nil && (len(r.Stdout) > len(out) || r.ExitCode < -1 || r.ExitCode > 255) {
				t.Fatalf("bad result %+v", r)
			}
		}
	})
}

// A process a command leaves behind keeps writing to the command's stderr
// while the script frames the output: what it adds stays that command's,
// and the later commands' frames are read whole.
func TestScriptChildWritingStderrAfterExit(t *testing.T) {
	sh := shelltest.Path(t, "sh")
	cmds := []Cmd{
		{Command: `( i=0; while [ $i -lt 3000 ]; do echo "0 0" >&2; i=$((i+1)); sleep 0.001 2>/dev/null || :; done ) & echo parent`, Seconds: 5, Cap: 1 << 20},
		{Command: "sleep 1; echo second", Seconds: 5, Cap: 1024},
		{Command: "echo third", Seconds: 5, Cap: 1024},
	}
	out := runScript(t, sh, Script(testBoundary, cmds))
	res := Parse(testBoundary, cmds, out)
	require.Len(t, res, 3)
	assert.Equal(t, "parent\n", res[0].Stdout)
	assert.Equal(t, Result{Stdout: "second\n"}, res[1])
	assert.Equal(t, Result{Stdout: "third\n"}, res[2])
}

// A command flooding stderr is cut on the host, as stdout is, so that it
// cannot push the later commands' frames past the executor's output cap.
func TestScriptCapsStderrOnHost(t *testing.T) {
	sh := shelltest.Path(t, "sh")
	cmds := []Cmd{{Command: "yes e | head -c 1000000 >&2", Seconds: 5, Cap: 100}, {Command: "echo next", Seconds: 5, Cap: 100}}
	out := runScript(t, sh, Script(testBoundary, cmds))
	assert.Less(t, len(out), 4096)
	res := Parse(testBoundary, cmds, out)
	// The writer got EFBIG at the cap: its status is the write error's.
	assert.Equal(t, Result{Stderr: strings.Repeat("e\n", 50), ExitCode: 1, Truncated: true}, res[0])
	assert.Equal(t, Result{Stdout: "next\n"}, res[1])
}

// The cap holds on the host's disk too: a command printing 20 MB leaves a
// file of about the cap (one 512- or 1024-byte block), not 20 MB, in the
// host's temporary directory. The command reports its own stdout file's
// size on stderr.
func TestScriptCapsOutputFileOnHost(t *testing.T) {
	for _, name := range []string{"dash", "bash", "busybox"} {
		t.Run(name, func(t *testing.T) {
			sh := shelltest.Path(t, name)
			cmds := []Cmd{{Command: `yes | head -c 20000000; wc -c </proc/self/fd/1 >&2`, Seconds: 20, Cap: 100}}
			res := Parse(testBoundary, cmds, runScript(t, sh, Script(testBoundary, cmds)))
			require.NoError(t, res[0].Err)
			assert.True(t, res[0].Truncated)
			size, err := strconv.Atoi(strings.TrimSpace(res[0].Stderr[strings.LastIndexByte(strings.TrimSpace(res[0].Stderr), '\n')+1:]))
			require.NoError(t, err, "stderr %q", res[0].Stderr)
			assert.LessOrEqual(t, size, 1024)
		})
	}
}

// A command stopped at its bound is timed out, whether the script runs it
// as it is (simple) or in a subshell. One that had finished when its
// watchdog came, but was not yet reaped behind a command with a longer
// bound, keeps its own status and output.
func TestScriptTimeoutMarks(t *testing.T) {
	for _, name := range []string{"dash", "bash", "busybox"} {
		t.Run(name, func(t *testing.T) {
			sh := shelltest.Path(t, name)
			tag := fmt.Sprintf("%d%d", os.Getpid(), len(name))
			cmds := []Cmd{
				{Command: "sleep 30." + tag, Seconds: 2, Cap: 100},
				{Command: "echo fast", Seconds: 1, Cap: 100},
				{Command: "sleep 31." + tag + "; echo late", Seconds: 1, Cap: 100},
			}
			res := Parse(testBoundary, cmds, runScript(t, sh, Script(testBoundary, cmds)))
			for i, r := range res {
				require.NoError(t, r.Err, "command %d", i)
			}
			assert.True(t, res[0].TimedOut, "simple command: %+v", res[0])
			assert.Equal(t, Result{Stdout: "fast\n"}, res[1])
			assert.True(t, res[2].TimedOut, "subshell: %+v", res[2])
		})
	}
}

// The commands run one after another, but one that is still running after
// a watchdog tick is left to run in the background while the next ones go
// on: two hung commands with a 4 s bound end the script in about 5 s, not
// 8 s, and the quick command after them is not lost.
func TestScriptSlowCommandsOverlap(t *testing.T) {
	sh := shelltest.Path(t, "sh")
	tag := strconv.Itoa(os.Getpid())
	cmds := []Cmd{
		{Command: "sleep 40." + tag, Seconds: 4, Cap: 100},
		{Command: "sleep 41." + tag + "; echo late", Seconds: 4, Cap: 100},
		{Command: "sleep 1.5; echo slow", Seconds: 4, Cap: 100},
		{Command: "echo quick", Seconds: 4, Cap: 100},
	}
	start := time.Now()
	res := Parse(testBoundary, cmds, runScript(t, sh, Script(testBoundary, cmds)))
	assert.Less(t, time.Since(start), 7500*time.Millisecond, "the hung commands overlap")
	for i, r := range res {
		require.NoError(t, r.Err, "command %d", i)
	}
	assert.True(t, res[0].TimedOut)
	assert.True(t, res[1].TimedOut)
	assert.Equal(t, Result{Stdout: "slow\n"}, untimed(res[2]))
	assert.Equal(t, Result{Stdout: "quick\n"}, untimed(res[3]))
}

// The private directory is made in TMPDIR, else XDG_RUNTIME_DIR (the
// login's tmpfs), else /dev/shm unless the facts could write more than 32
// MiB there, else /tmp or /var/tmp; with none at all the script says so,
// and Parse keeps the reason.
func TestScriptPrivateDirectory(t *testing.T) {
	sh := shelltest.Path(t, "sh")
	env := func(vars ...string) []string {
		var out []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "TMPDIR=") && !strings.HasPrefix(kv, "XDG_RUNTIME_DIR=") {
				out = append(out, kv)
			}
		}
		return append(out, vars...)
	}
	// where prints the parent of the private directory.
	where := []Cmd{{Command: `for d in "$XDG_RUNTIME_DIR" /dev/shm /tmp; do [ -d "$d/calyptos-facts.` + testBoundary + `.$$" ] && echo "$d"; done`, Seconds: 5, Cap: 1000}}
	run := func(cmds []Cmd, script string, vars ...string) Result {
		cmd := exec.Command(sh, "-c", script)
		cmd.Env = env(vars...)
		out, _ := cmd.Output()
		return Parse(testBoundary, cmds, string(out))[0]
	}
	xdg := t.TempDir()
	tmp := t.TempDir()
	for _, tc := range []struct {
		name string
		cmds []Cmd
		vars []string
		want string
	}{
		{"XDG_RUNTIME_DIR", where, []string{"XDG_RUNTIME_DIR=" + xdg}, xdg + "\n"},
		{"TMPDIR first", where, []string{"XDG_RUNTIME_DIR=" + xdg, "TMPDIR=" + tmp}, ""},
		{"neither: /dev/shm", where, nil, "/dev/shm\n"},
		{"neither usable: /dev/shm", where, []string{"XDG_RUNTIME_DIR=/nonexistent/xdg", "TMPDIR=/nonexistent/calyptos"}, "/dev/shm\n"},
		{"past 32 MiB: /tmp", append(slices.Clone(where), Cmd{Command: "true", Seconds: 1, Cap: 16 << 20}), nil, "/tmp\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if strings.Contains(tc.want, "/dev/shm") {
				d, err := os.MkdirTemp("/dev/shm", "calyptos-test")
				if err != nil {
					t.Skipf("/dev/shm is not writable here: %v", err)
				}
				require.NoError(t, os.Remove(d))
			}
			res := run(tc.cmds, Script(testBoundary, tc.cmds), tc.vars...)
			require.NoError(t, res.Err)
			assert.Equal(t, tc.want, res.Stdout)
		})
	}
	for _, dir := range []string{xdg, tmp} {
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		assert.Empty(t, entries, "nothing left behind in %s", dir)
	}

	script := Script(testBoundary, where)
	dirs := `for gather_parent in "$TMPDIR" "$XDG_RUNTIME_DIR" "$gather_shm" /tmp /var/tmp; do`
	require.Contains(t, script, dirs)
	res := run(where, strings.ReplaceAll(script, dirs, "for gather_parent in /nonexistent/a; do"))
	assert.ErrorIs(t, res.Err, ErrNoFrame)
	assert.ErrorContains(t, res.Err, "cannot create a private directory in $TMPDIR, $XDG_RUNTIME_DIR, /dev/shm, /tmp or /var/tmp")
}

// Many quick commands that add up past the largest bound are not killed:
// after half of it, another worker starts at every tick.
func TestScriptQuickCommandsPastTheBound(t *testing.T) {
	sh := shelltest.Path(t, "sh")
	var cmds []Cmd
	for range 12 {
		cmds = append(cmds, Cmd{Command: "sleep 0.3; echo done", Seconds: 2, Cap: 100})
	}
	for i, r := range Parse(testBoundary, cmds, runScript(t, sh, Script(testBoundary, cmds))) {
		assert.Equal(t, Result{Stdout: "done\n"}, untimed(r), "command %d", i)
	}
}

// A USR1 that interrupts the script's wait just as the command exits does
// not turn the command's status into the signal's (bash and busybox reap
// the command before the trap runs, and bash's later wait may not know its
// status): a subshell's command writes its own. (A command that leaves
// its subshell with exit writes none; in bash, in this race, its status
// can be lost.) Nor does the script then wait on past the next tick: bash,
// having reaped the worker while it ran the trap, could prolong the
// script's wait for it until the watchdog ended, LONGEST seconds on (a
// Tail of 7 s here, one run in four), and the watchdog now ends that wait
// with a USR1 once every fact has its status.
func TestScriptStatusAfterLateInterrupt(t *testing.T) {
	for _, name := range []string{"dash", "bash", "busybox"} {
		t.Run(name, func(t *testing.T) {
			sh := shelltest.Path(t, name)
			cmds := []Cmd{{Command: "sleep 0.1; kill -USR1 $$; (exit 6)", Seconds: 5, Cap: 100}, {Command: "echo next", Seconds: 5, Cap: 100}}
			for range 8 {
				res := Parse(testBoundary, cmds, runScript(t, sh, Script(testBoundary, cmds)))
				assert.Equal(t, Result{ExitCode: 6}, untimed(res[0]))
				assert.Equal(t, Result{Stdout: "next\n"}, untimed(res[1]))
				assert.LessOrEqual(t, res[1].Tail, 2*time.Second, "the script waited on after its last fact")
			}
		})
	}
}

// When the script itself is killed (SIGKILL runs no EXIT trap), its
// watchdog notices within a tick or two, removes the private directory
// and ends, instead of living on and signalling PIDs forever.
func TestScriptWatchdogEndsWithTheScript(t *testing.T) {
	sh := shelltest.Path(t, "sh")
	tmp := t.TempDir()
	cmds := []Cmd{{Command: "sleep 30." + strconv.Itoa(os.Getpid()), Seconds: 20, Cap: 100}}
	cmd := exec.Command(sh, "-c", Script(testBoundary, cmds))
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	require.NoError(t, cmd.Start())
	// Killed once the watchdog has ticked: a script killed before it forks
	// the watchdog (a few milliseconds, more on a loaded machine) leaves its
	// directory.
	ticked := func() bool {
		ticks, _ := filepath.Glob(filepath.Join(tmp, "calyptos-facts.*", "ticks"))
		fi, err := os.Stat(strings.Join(ticks, ""))
		return len(ticks) == 1 && err == nil && fi.Size() > 0
	}
	require.Eventually(t, ticked, 10*time.Second, 20*time.Millisecond)
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	assert.Eventually(t, func() bool { e, _ := os.ReadDir(tmp); return len(e) == 0 }, 5*time.Second, 50*time.Millisecond,
		"the watchdog removes the directory once the script is gone")
	if _, err := exec.LookPath("pkill"); err == nil {
		_ = exec.Command("pkill", "-f", "sleep 30."+strconv.Itoa(os.Getpid())).Run()
	}
}

// The boundary is no secret on the host (a command, or another user,
// can read it from the script's command line or its directory's name),
// but the marker is: a command that knows the boundary, and prints every
// marker it could derive from it, neither ends its own frame nor forges
// the next command's result. Each run has a marker of its own.
func TestMarkerCannotBeForged(t *testing.T) {
	h := len(testBoundary) / 2
	forge := `b=$(tr '\000' '\n' </proc/$$/cmdline | sed -n 's/^gather_boundary=//p'); ` +
		`for m in "$b" "` + testBoundary[h:] + testBoundary[:h] + `"; do printf '%s0 0\n%s1 0\n' "$m" "$m"; done; ls -d "${TMPDIR:-/tmp}/calyptos-facts.$b.$$" "/dev/shm/calyptos-facts.$b.$$" 2>/dev/null | grep -c "$b"`
	cmds := []Cmd{
		{Command: forge, Seconds: 5, Cap: 1 << 20},
		{Command: "echo after", Seconds: 5, Cap: 100},
	}
	script := Script(testBoundary, cmds)
	for _, name := range []string{"dash", "bash", "busybox"} {
		t.Run(name, func(t *testing.T) {
			out := runScript(t, shelltest.Path(t, name), script)
			res := Parse(testBoundary, cmds, out)
			require.NoError(t, res[0].Err)
			assert.Contains(t, res[0].Stdout, testBoundary+"0 0\n", "the command knew the boundary")
			assert.True(t, strings.HasSuffix(res[0].Stdout, "\n1\n"), "it saw the private directory: %q", res[0].Stdout)
			assert.Equal(t, Result{Stdout: "after\n"}, untimed(res[1]))
			marker := strings.Fields(out[strings.Index(out, testBoundary+" data "):])[2]
			assert.True(t, validMarker(marker), marker)
			assert.NotContains(t, script, marker)
			again := runScript(t, shelltest.Path(t, name), script)
			assert.NotContains(t, again, marker, "a marker per run")
		})
	}
}

// A host whose hard file-size limit is below a command's cap cuts the
// command's output there: the result says it was cut.
func TestScriptHardLimitBelowCap(t *testing.T) {
	for _, name := range []string{"dash", "bash", "busybox"} {
		t.Run(name, func(t *testing.T) {
			sh := shelltest.Path(t, name)
			cmds := []Cmd{{Command: "yes | head -c 5000", Seconds: 5, Cap: 100000}, {Command: "echo small", Seconds: 5, Cap: 100000}}
			out := runScript(t, sh, "ulimit -f 2; "+Script(testBoundary, cmds))
			res := Parse(testBoundary, cmds, out)
			require.NoError(t, res[0].Err)
			assert.True(t, res[0].Truncated, "%d bytes kept", len(res[0].Stdout))
			assert.Less(t, len(res[0].Stdout), 5000)
			assert.Equal(t, Result{Stdout: "small\n"}, res[1])
		})
	}
}

// A command stopped at its bound is stopped with the processes it
// started, and theirs: none is left running on the host.
func TestScriptTimeoutKillsDescendants(t *testing.T) {
	for _, name := range []string{"dash", "bash", "busybox"} {
		t.Run(name, func(t *testing.T) {
			sh := shelltest.Path(t, name)
			tag := fmt.Sprintf("3%d%d", os.Getpid(), len(name))
			cmds := []Cmd{{Command: "( ( sleep 32." + tag + " ) & sleep 33." + tag + " ) & wait", Seconds: 1, Cap: 100}}
			res := Parse(testBoundary, cmds, runScript(t, sh, Script(testBoundary, cmds)))
			require.NoError(t, res[0].Err)
			assert.True(t, res[0].TimedOut, "%+v", res[0])
			for _, p := range []string{"sleep 32." + tag, "sleep 33." + tag} {
				assertGone(t, p, p+" is killed")
			}
		})
	}
}

// Whole seconds the script spent before a command started and after it
// ended are counted, so that a reading (a clock) taken by a command is
// placed within a narrower window than the whole session.
func TestScriptHeadAndTail(t *testing.T) {
	sh := shelltest.Path(t, "sh")
	tag := strconv.Itoa(os.Getpid())
	cmds := []Cmd{
		{Command: "echo first", Seconds: 20, Cap: 100},
		{Command: "sleep 2.1" + tag, Seconds: 20, Cap: 100},
		{Command: "sleep 2.2" + tag, Seconds: 20, Cap: 100},
		{Command: "sleep 3.3" + tag, Seconds: 20, Cap: 100},
		{Command: "echo last", Seconds: 20, Cap: 100},
	}
	start := time.Now()
	res := Parse(testBoundary, cmds, runScript(t, sh, Script(testBoundary, cmds)))
	took := time.Since(start)
	for i, r := range res {
		require.NoError(t, r.Err, "command %d", i)
	}
	assert.Zero(t, res[0].Head)
	assert.GreaterOrEqual(t, res[0].Tail, 2*time.Second, "%+v", res[0])
	assert.GreaterOrEqual(t, res[4].Head, time.Second, "%+v", res[4])
	for i, r := range res {
		assert.LessOrEqual(t, r.Head+r.Tail, took, "command %d: never more than the script's own time", i)
	}
}

// Ticks out of order (a torn read of the tick file would give them) narrow
// nothing; ticks in order give whole seconds before and after.
func TestParseTicks(t *testing.T) {
	cmds := testCmds()[:1]
	m := fakeMarker
	for _, tt := range []struct {
		status     string
		end        string
		head, tail time.Duration
	}{
		{"0 0 0 0", "0", 0, 0},
		{"0 0 3 5", "9", 2 * time.Second, 3 * time.Second},
		{"0 0 19 10", "25", 0, 0},
		{"0 0 2 30", "25", 0, 0},
		{"0 0 x 3", "9", 0, 0},
		{"0 0", "9", 0, 0},
	} {
		out := testBoundary + " data " + m + " " + tt.end + " unlimited\n" + tt.status + "\n" + m + m + m
		r := Parse(testBoundary, cmds, out)[0]
		require.NoError(t, r.Err, tt.status)
		assert.Equal(t, tt.head, r.Head, tt.status)
		assert.Equal(t, tt.tail, r.Tail, tt.status)
	}
}

// Where the kernel offers no random UUID, the marker is 16 random bytes
// read by od, and the frames read the same.
func TestScriptMarkerWithoutUUID(t *testing.T) {
	cmds := testCmds()[:1]
	script := strings.Replace(Script(testBoundary, cmds), "/proc/sys/kernel/random/uuid", "/nonexistent/uuid", 1)
	require.Contains(t, script, "/nonexistent/uuid")
	out := runScript(t, shelltest.Path(t, "sh"), script)
	marker := strings.Fields(out[strings.Index(out, testBoundary+" data "):])[2]
	assert.Len(t, marker, 32)
	assert.Equal(t, Result{Stdout: "hello\n", Stderr: "oops\n", ExitCode: 3}, untimed(Parse(testBoundary, cmds, out)[0]))
}

// The script's stderr may be a pipe nobody reads any more (the caller
// gave up on the session): the shell's notice that it killed a timed-out
// command must not kill the script with SIGPIPE, which would leave the
// other commands running past their bounds.
func TestScriptSurvivesClosedStderr(t *testing.T) {
	for _, name := range []string{"dash", "bash", "busybox"} {
		t.Run(name, func(t *testing.T) {
			tag := fmt.Sprintf("4%d%d", os.Getpid(), len(name))
			cmds := []Cmd{
				{Command: "sleep 36." + tag, Seconds: 1, Cap: 100},
				{Command: "sleep 2.5; echo second", Seconds: 10, Cap: 100},
			}
			r, w, err := os.Pipe()
			require.NoError(t, err)
			require.NoError(t, r.Close())
			cmd := exec.Command(shelltest.Path(t, name), "-c", Script(testBoundary, cmds))
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, w
			err = cmd.Run()
			_ = w.Close()
			require.NoError(t, err, "the script ends by itself")
			res := Parse(testBoundary, cmds, out.String())
			// (Under bash on a loaded machine the killed command's status
			// may be lost in bash's wait: its TimedOut is not checked here.)
			assert.NoError(t, res[0].Err)
			assert.Equal(t, Result{Stdout: "second\n"}, untimed(res[1]))
		})
	}
}

// Issue 22 item 4: one hung fact with a large process tree (255 children
// that ignore TERM) under a 10 s command deadline, which gives the facts
// a 7 s bound (the runner's remoteBound): the script stops the tree
// without a process per descendant and answers before the deadline,
// so only that fact is lost, marked timed out, and the others keep their
// results. Run under dash, as the session's deadline would cut it; with
// the kernel's children files, and with the walk of /proc used without them.
func TestScriptHungFactWithLargeTree(t *testing.T) {
	sh := shelltest.Path(t, "dash")
	for i, walk := range []bool{false, true} {
		t.Run(fmt.Sprintf("walk=%v", walk), func(t *testing.T) {
			tag := fmt.Sprintf("60.4%d%d", os.Getpid(), i)
			cmds := []Cmd{
				{Command: "echo before", Seconds: 7, Cap: 100},
				{Command: "trap '' TERM; i=0; while [ $i -lt 255 ]; do sleep " + tag + " & i=$((i+1)); done; wait", Seconds: 7, Cap: 100},
				{Command: "echo after", Seconds: 7, Cap: 100},
			}
			script := Script(testBoundary, cmds)
			if walk {
				children := `[ -e "/proc/$1/task/$1/children" ]`
				require.Contains(t, script, children)
				script = strings.Replace(script, children, "false", 1)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, sh, "-c", script).Output()
			require.NoError(t, err, "the script answered within the command deadline")
			res := Parse(testBoundary, cmds, string(out))
			for i, r := range res {
				require.NoError(t, r.Err, "command %d", i)
			}
			assert.Equal(t, "before\n", res[0].Stdout)
			assert.True(t, res[1].TimedOut, "%+v", res[1])
			assert.Equal(t, "after\n", res[2].Stdout)
			assertGone(t, "sleep "+tag, "the tree is killed")
		})
	}
}

// The EXIT trap's names are the script's own: an environment that sets
// them does not make a script that ends before it begins remove a
// directory or signal a process of the user's.
func TestScriptIgnoresInheritedTrapNames(t *testing.T) {
	sh := shelltest.Path(t, "sh")
	victim := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(victim, "keep"), nil, 0o600))
	sleeper := exec.Command("sleep", "30")
	require.NoError(t, sleeper.Start())
	defer func() { _ = sleeper.Process.Kill(); _ = sleeper.Wait() }()

	cmds := []Cmd{{Command: "true", Seconds: 1, Cap: 10}}
	script := Script(testBoundary, cmds)
	begin := fmt.Sprintf("gather_begin 1 1 %d 1\n", output(cmds))
	require.Contains(t, script, begin)
	cmd := exec.Command(sh, "-c", strings.Replace(script, begin, "exit 0\n", 1))
	cmd.Env = append(os.Environ(), "gather_dir="+victim, "gather_watchdog="+strconv.Itoa(sleeper.Process.Pid))
	require.NoError(t, cmd.Run())

	assert.FileExists(t, filepath.Join(victim, "keep"))
	assert.NoError(t, sleeper.Process.Signal(syscall.Signal(0)), "the user's process lives")
}

// Where a worker can take no fact (its claims fail: no inode left, or a
// directory it may not write), the script ends at once: the facts left
// are lost with an error, not tried by one worker after another for ever,
// and the facts that ran keep their results.
func TestScriptEndsWhenClaimsFail(t *testing.T) {
	cmds := []Cmd{
		{Command: "echo ran", Seconds: 5, Cap: 100},
		{Command: "echo lost", Seconds: 5, Cap: 100},
		{Command: "echo lost too", Seconds: 5, Cap: 100},
	}
	claim := `true 2>/dev/null >"$gather_dir/$1.claim"`
	res := runPatched(t, "sh", cmds, claim, `[ "$1" = 0 ] && `+claim)
	assert.Equal(t, Result{Stdout: "ran\n"}, untimed(res[0]))
	for _, r := range res[1:] {
		assert.Error(t, r.Err)
	}
}

// A marker the script cannot write (its directory is full) ends it with
// the reason: frames without their marker cannot be read apart.
func TestScriptSaysWhenItCannotWriteTheMarker(t *testing.T) {
	cmds := []Cmd{{Command: "echo ran", Seconds: 5, Cap: 100}}
	write := `printf '%s' "$gather_marker" >"$gather_dir/marker"`
	res := runPatched(t, "sh", cmds, write, `printf '%s' "$gather_marker" >"$gather_dir/full/marker"`)
	assert.ErrorIs(t, res[0].Err, ErrNoFrame)
	assert.ErrorContains(t, res[0].Err, "cannot write in the private directory")
}

// A fact that removes the private directory loses every fact's result,
// with the reason, and the script ends at once.
func TestScriptSaysWhenAFactRemovedItsDirectory(t *testing.T) {
	remove := `for d in "$TMPDIR" "$XDG_RUNTIME_DIR" /dev/shm /tmp /var/tmp; do rm -rf "${d:-/nonexistent}"/calyptos-facts.*.$$; done`
	cmds := []Cmd{
		{Command: remove, Seconds: 5, Cap: 100},
		{Command: "echo after", Seconds: 5, Cap: 100},
		{Command: "sleep 30", Seconds: 5, Cap: 100},
	}
	for i, r := range runEnding(t, "sh", cmds, Script(testBoundary, cmds)) {
		assert.ErrorContains(t, r.Err, "cannot write in the private directory", "fact %d", i)
	}
}

// A fact that exits ends its worker; the facts after it still run when
// the worker was started for a hung fact that was then stopped: a worker
// that took a fact is followed by another.
func TestScriptRunsTheFactsAfterAnExitBehindAHungFact(t *testing.T) {
	sh := shelltest.Path(t, "sh")
	cmds := []Cmd{
		{Command: "sleep 30", Seconds: 3, Cap: 100},
		{Command: "echo a", Seconds: 10, Cap: 100},
		{Command: "exit 3", Seconds: 10, Cap: 100},
		{Command: "echo b", Seconds: 10, Cap: 100},
		{Command: "echo c", Seconds: 10, Cap: 100},
	}
	res := Parse(testBoundary, cmds, runScript(t, sh, Script(testBoundary, cmds)))
	assert.True(t, res[0].TimedOut)
	assert.Equal(t, Result{Stdout: "a\n"}, untimed(res[1]))
	assert.Equal(t, Result{ExitCode: 3}, untimed(res[2]))
	assert.Equal(t, Result{Stdout: "b\n"}, untimed(res[3]))
	assert.Equal(t, Result{Stdout: "c\n"}, untimed(res[4]))
}
