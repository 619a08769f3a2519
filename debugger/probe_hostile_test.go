package debugger

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/factbatch"
	"github.com/org/calyptos/internal/shelltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stubBin makes a directory holding an executable script per name, for
// PATH games.
func stubBin(t *testing.T, scripts map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range scripts {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755))
	}
	return dir
}

// runProbeScript runs the probe script for targets under dash with PATH set
// to path, and returns each target's parsed outcome.
func runProbeScript(t *testing.T, path string, targets []ProbeTarget) []ProbeOutcome {
	t.Helper()
	return probeOutcomes(t, targets, time.Second, []string{"PATH=" + path})
}

// probeOutcomes runs the probe script for targets, each with timeout,
// under dash started by prefix (a tracer, or nothing), with env added to
// the environment, and returns each target's parsed outcome.
func probeOutcomes(t *testing.T, targets []ProbeTarget, timeout time.Duration, env []string, prefix ...string) []ProbeOutcome {
	t.Helper()
	script, bound := probeScript(targets, timeout)
	ctx, cancel := context.WithTimeout(context.Background(), bound+10*time.Second)
	defer cancel()
	argv := append(prefix, shelltest.Path(t, "dash"), "-c", script)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	require.NoError(t, err)
	return outcomes(calyptos.HostResult{Host: "src", Output: calyptos.Output{Stdout: string(out)}}, targets)
}

// A bash that cannot run the probe program (no pipe for its process
// substitution, killed by the host) leaves no line: each target is a
// probe error, not a timeout, which would point the operator at a
// firewall.
func TestProbeBrokenBashIsNotATimeout(t *testing.T) {
	for name, body := range map[string]string{
		"no pipe": `echo "probe: /dev/fd/63: No such file or directory" >&2; exit 127`,
		"killed":  `kill -KILL $$`,
	} {
		t.Run(name, func(t *testing.T) {
			bin := stubBin(t, map[string]string{"bash": body})
			out := runProbeScript(t, bin+":"+os.Getenv("PATH"), []ProbeTarget{{Addr: "127.0.0.1", Port: 1}})
			require.Len(t, out, 1)
			assert.Equal(t, calyptos.ProbeError, out[0].Result, "port 1 is closed, and bash never ran the probe: %+v", out[0])
		})
	}
}

// The nc fallback waits for its own jobs only: in the gathering worker (the
// fact is eval'd in the worker's shell) a bare wait would wait for a job an
// earlier fact left behind, and the probe would run to its bound and be
// lost. Here nc is a stub that succeeds at once, and there is no bash, so
// the nc path is taken.
func TestProbeNcWaitsForItsOwnJobsOnly(t *testing.T) {
	sh := shelltest.Path(t, "dash")
	bin := stubBin(t, map[string]string{"nc": "exit 0"})
	tag := fmt.Sprintf("71.%d", os.Getpid())
	pidFile := filepath.Join(t.TempDir(), "pid")
	script, bound := probeScript([]ProbeTarget{{Addr: "127.0.0.1", Port: 1}}, time.Second)
	secs := int(bound/time.Second) + 2
	cmds := []factbatch.Cmd{
		{Command: "sleep " + tag + " >/dev/null 2>&1 & echo $! >" + pidFile, Seconds: 5, Cap: 100},
		{Command: "PATH=" + bin + "\n" + script, Seconds: secs, Cap: 4096},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, sh, "-c", factbatch.Script("REVIEWb0undary", cmds)).Output()
	if b, err := os.ReadFile(pidFile); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	require.NoError(t, err)
	res := factbatch.Parse("REVIEWb0undary", cmds, string(out))
	require.NoError(t, res[1].Err)
	assert.False(t, res[1].TimedOut, "the probe waited for fact 0's sleep: %+v", res[1])
	assert.Contains(t, res[1].Stdout, "probe 127.0.0.1 1 0 ")
}

// The probe script prints one line per target: two different lines for one
// target are tampering (a forged "0" after a refusal), an error, not OK.
func TestProbeContradictoryLinesAreAnError(t *testing.T) {
	targets := []ProbeTarget{{Addr: "192.0.2.1", Port: 8773}}
	out := "probe 192.0.2.1 8773 1 bash: connect: Connection refused\nprobe 192.0.2.1 8773 0 \x1b[2Jok\n"
	o := outcomes(calyptos.HostResult{Host: "src", Output: calyptos.Output{Stdout: out}}, targets)
	require.Len(t, o, 1)
	assert.NotEqual(t, calyptos.ProbeOK, o[0].Result, "two contradictory lines for one target: %+v", o[0])
}

// A target whose port is out of range (ProbeTarget is public API) is not
// probed, and its outcome says why instead of "no result from the probe
// command".
func TestProbePortOutOfRange(t *testing.T) {
	out := runProbeScript(t, os.Getenv("PATH"), []ProbeTarget{{Addr: "127.0.0.1", Port: 0}, {Addr: "127.0.0.1", Port: 99999}})
	for _, o := range out {
		assert.NotContains(t, o.Detail, "no result from the probe command", "%+v", o)
	}
}

// A target that never answers (a loopback listener whose backlog is full
// drops the SYN) is reported timed out within its bound, with bash 5's
// EPOCHREALTIME and with bash 4's SECONDS as the clock, and leaves no
// process; a refused one gets bash's message, named by its job (bash 5)
// or not (bash 4, whose BASH_ARGV0 is no special variable).
func TestProbeBlackhole(t *testing.T) {
	port := blackholePort(t)
	bash, err := exec.LookPath("bash")
	require.NoError(t, err)
	bash4 := stubBin(t, map[string]string{"bash": `p=$2; shift 2; exec ` + bash + ` -c "unset EPOCHREALTIME BASH_ARGV0; BASH_VERSION='4.4.23(1)-release'
$p" "$@"`})
	for name, path := range map[string]string{"EPOCHREALTIME": os.Getenv("PATH"), "SECONDS": bash4 + ":" + os.Getenv("PATH")} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			out := runProbeScript(t, path, []ProbeTarget{{Addr: "127.0.0.1", Port: port}, {Addr: "127.0.0.1", Port: 1}})
			assert.Less(t, time.Since(start), 5*time.Second, "a 1 s probe")
			assert.Equal(t, calyptos.ProbeTimeout, out[0].Result, "%+v", out[0])
			assert.Equal(t, calyptos.ProbeRefused, out[1].Result, "%+v", out[1])
			assert.Regexp(t, `^probe: line [0-9]+: /dev/tcp/127\.0\.0\.1/1: Connection refused$`, out[1].Detail)
			assertNoProbeLeft(t, "127.0.0.1", port)
		})
	}
}

// A read that fails without timing out (bash before 4.0 rejects read -t
// with a fraction, as this stand-in's read does) is a probe error, not a
// timeout, and its jobs are still killed.
func TestProbeReadFailureIsNotATimeout(t *testing.T) {
	port := blackholePort(t)
	bash, err := exec.LookPath("bash")
	require.NoError(t, err)
	bin := stubBin(t, map[string]string{"bash": `p=$2; shift 2; exec ` + bash + ` -c 'read() { echo "read: $3: invalid timeout specification" >&2; return 1; }
'"$p" "$@"`})
	out := runProbeScript(t, bin+":"+os.Getenv("PATH"), []ProbeTarget{{Addr: "127.0.0.1", Port: port}})
	require.Len(t, out, 1)
	assert.Equal(t, calyptos.ProbeError, out[0].Result, "%+v", out[0])
	assertNoProbeLeft(t, "127.0.0.1", port)
}

// A host's environment does not reach the probe program: a BASH_ENV file
// that exits, SHELLOPTS with errexit and nounset, an EPOCHREALTIME
// exported as a fixed time. A closed port still reads as refused.
func TestProbeHostileEnvironment(t *testing.T) {
	rc := filepath.Join(t.TempDir(), "rc")
	require.NoError(t, os.WriteFile(rc, []byte("exit 3\n"), 0o644))
	targets := []ProbeTarget{{Addr: "127.0.0.1", Port: 1}}
	o := probeOutcomes(t, targets, time.Second, []string{"BASH_ENV=" + rc, "SHELLOPTS=errexit:nounset", "EPOCHREALTIME=1.000000"})
	require.Len(t, o, 1)
	assert.Equal(t, calyptos.ProbeRefused, o[0].Result, "%+v", o[0])
}

// Sixteen refusals at once: each target's message is bash's line that
// names it, and no other target's.
func TestProbeMessagesAreEachTargetsOwn(t *testing.T) {
	var targets []ProbeTarget
	for p := 1; p <= 16; p++ {
		targets = append(targets, ProbeTarget{Addr: "127.0.0.1", Port: p})
	}
	for _, o := range runProbeScript(t, os.Getenv("PATH"), targets) {
		assert.Equal(t, calyptos.ProbeRefused, o.Result, "%+v", o)
		assert.Regexp(t, `^probe: line [0-9]+: /dev/tcp/127\.0\.0\.1/`+strconv.Itoa(o.Port)+`: Connection refused$`, o.Detail)
	}
}

// Each target gets the messages its own job wrote: one line naming an
// unresolvable address however many ports of it are probed, and a host
// named "connect" not bash's "probe: connect: Connection refused" lines of
// the other targets.
func TestProbeMessagesNameTheirOwnTarget(t *testing.T) {
	_, p, err := net.SplitHostPort(closedPort(t))
	require.NoError(t, err)
	closed, err := strconv.Atoi(p)
	require.NoError(t, err)
	targets := []ProbeTarget{{Addr: "127.0.0.1", Port: closed}, {Addr: "connect", Port: 1}}
	for port := 1; port <= 4; port++ {
		targets = append(targets, ProbeTarget{Addr: "nosuch.invalid", Port: port})
	}
	out := runProbeScript(t, os.Getenv("PATH"), targets)
	require.Len(t, out, len(targets))
	assert.Equal(t, calyptos.ProbeRefused, out[0].Result, "%+v", out[0])
	assert.Equal(t, calyptos.ProbeError, out[1].Result, "an unresolvable name, not refused: %+v", out[1])
	assert.NotContains(t, out[1].Detail, "Connection refused", "another target's message: %+v", out[1])
	for _, o := range out[2:] {
		assert.Equal(t, 1, strings.Count(o.Detail, ": nosuch.invalid: "), "one name line per target: %+v", o)
		assert.Contains(t, o.Detail, "/dev/tcp/nosuch.invalid/"+strconv.Itoa(o.Port)+": ", "%+v", o)
	}
}

// An address longer than a DNS name is not probed: bash's messages about
// it would pass PIPE_BUF, so other jobs' lines could split them, and
// matching them would eat the batch's time (32 such names timed out).
func TestProbeLongAddressIsAnError(t *testing.T) {
	var targets []ProbeTarget
	for i := range 32 {
		targets = append(targets, ProbeTarget{Addr: fmt.Sprintf("h%02d", i) + strings.Repeat("a", 3000), Port: 1})
	}
	targets = append(targets, ProbeTarget{Addr: strings.Repeat("b", maxProbeAddr), Port: 1})
	out := runProbeScript(t, os.Getenv("PATH"), targets)
	require.Len(t, out, len(targets))
	for _, o := range out[:32] {
		assert.Equal(t, calyptos.ProbeError, o.Result, "%.20s: %.200s", o.Addr, o.Detail)
		assert.Equal(t, "address is longer than 255 bytes", o.Detail, "%.20s", o.Addr)
	}
	assert.Equal(t, calyptos.ProbeError, out[32].Result, "probed, and unresolvable: %.200s", out[32].Detail)
	assert.Contains(t, out[32].Detail, "/dev/tcp/"+out[32].Addr+"/1: ")
}
