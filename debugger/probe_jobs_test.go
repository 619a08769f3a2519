package debugger

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/shelltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// refusedTargets returns n loopback targets on closed ports 1 to n.
func refusedTargets(n int) []ProbeTarget {
	targets := make([]ProbeTarget, n)
	for i := range targets {
		targets[i] = ProbeTarget{Addr: "127.0.0.1", Port: i + 1}
	}
	return targets
}

// forksOf runs the probe script for targets under dash, traced by strace,
// with PATH set to path, and returns how many processes it forked, with
// the outcomes.
func forksOf(t *testing.T, path string, targets []ProbeTarget) (int, []ProbeOutcome) {
	t.Helper()
	trace := filepath.Join(t.TempDir(), "trace")
	out := probeOutcomes(t, targets, 2*time.Second, []string{"PATH=" + path},
		shelltest.Path(t, "strace"), "-f", "-qq", "-o", trace, "-e", "trace=fork,vfork,clone,clone3")
	b, err := os.ReadFile(trace)
	require.NoError(t, err)
	forks := 0
	for line := range strings.Lines(string(b)) {
		if (strings.Contains(line, "fork(") || strings.Contains(line, "clone")) && !strings.Contains(line, "resumed>") {
			forks++
		}
	}
	return forks, out
}

// patchedBash returns a directory for PATH whose bash is a stand-in that
// runs the probe program through edit, bash code that changes $p (the
// program) and exits 99 when its change did not apply, then runs it with
// the real bash.
func patchedBash(t *testing.T, edit string) string {
	t.Helper()
	bash, err := exec.LookPath("bash")
	require.NoError(t, err)
	bin := t.TempDir()
	stub := "#!" + bash + "\np=$2\n" + edit + "\nshift 2; exec " + bash + ` -c "$p" "$@"` + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(bin, "bash"), []byte(stub), 0o755))
	return bin
}

// A batch whose targets all answer before its first job is handed out
// costs two processes, bash and that job, however many targets it has (it
// cost one per target, and two more, before). strace slows every system
// call, and this machine may be loaded: the stand-in for bash moves the
// hand-out from a quarter of a second to nine seconds, so that only the
// program's logic is measured.
func TestProbeHealthyTargetsShareOneJob(t *testing.T) {
	bin := patchedBash(t, `p=${p/soon=\$((now + 250000))/soon=\$((now + 9000000))}; [ "$p" != "$2" ] || exit 99`)
	forks, out := forksOf(t, bin+":"+os.Getenv("PATH"), refusedTargets(16))
	for _, o := range out {
		assert.Equal(t, calyptos.ProbeRefused, o.Result, "%+v", o)
	}
	assert.Equal(t, 2, forks, "dash forks the stand-in, which becomes bash; bash forks one job")
}

// A target that hangs delays the targets after it by a quarter of a
// second at most: each then gets a job of its own and is refused within
// the batch's time, not reported timed out behind the hung one; the hung
// one times out, and no job is left.
func TestProbeHungTargetHandsTheRestOut(t *testing.T) {
	port := blackholePort(t)
	targets := append([]ProbeTarget{{Addr: "127.0.0.1", Port: 1}, {Addr: "127.0.0.1", Port: port}}, refusedTargets(8)[1:]...)
	forks, out := forksOf(t, os.Getenv("PATH"), targets)
	require.Len(t, out, len(targets))
	assert.Equal(t, calyptos.ProbeRefused, out[0].Result, "%+v", out[0])
	assert.Equal(t, calyptos.ProbeTimeout, out[1].Result, "%+v", out[1])
	for _, o := range out[2:] {
		assert.Equal(t, calyptos.ProbeRefused, o.Result, "%+v", o)
		assert.Regexp(t, `^probe: line [0-9]+: /dev/tcp/127\.0\.0\.1/[0-9]+: Connection refused$`, o.Detail, "given once, though the first job may have tried it too")
	}
	assert.LessOrEqual(t, forks, 1+len(targets), "bash, its first job, and at most one job per target after the first")
	assertNoProbeLeft(t, "127.0.0.1", port)
}

// Before bash 5.1 a here-string is a file, not a pipe: the program then
// reads its jobs' lines from a process substitution's pipe, as before.
// Here a test that says no file is a pipe stands in for such a bash.
func TestProbeWithoutAHereStringPipe(t *testing.T) {
	port := blackholePort(t)
	bash, err := exec.LookPath("bash")
	require.NoError(t, err)
	bin := stubBin(t, map[string]string{"bash": `p=$2; shift 2; exec ` + bash + ` -c '[() { case $1 in -p) return 1 ;; esac; builtin [ "$@"; }
'"$p" "$@"`})
	out := runProbeScript(t, bin+":"+os.Getenv("PATH"), []ProbeTarget{{Addr: "127.0.0.1", Port: port}, {Addr: "127.0.0.1", Port: 1}, {Addr: "127.0.0.1", Port: 2}})
	require.Len(t, out, 3)
	assert.Equal(t, calyptos.ProbeTimeout, out[0].Result, "%+v", out[0])
	assert.Equal(t, calyptos.ProbeRefused, out[1].Result, "%+v", out[1])
	assert.Equal(t, calyptos.ProbeRefused, out[2].Result, "%+v", out[2])
	assertNoProbeLeft(t, "127.0.0.1", port)
}

// An address is an argument of the probe program, and bash's message
// about it reaches the jobs' pipe as is: an address with a newline could
// write a "result" line there, or a "probe" line to the output, for
// another target (here a closed port read as open), and one with a slash
// a message that names another target. Such an address is not probed;
// the fields of a probe line could not carry it anyway.
func TestProbeAddressWithANewlineForgesNothing(t *testing.T) {
	targets := []ProbeTarget{
		{Addr: "x\nresult 0 1 0\n", Port: 1},
		{Addr: "127.0.0.1", Port: 1},
		{Addr: "y 2 0\nprobe 127.0.0.1", Port: 2},
		{Addr: "127.0.0.1", Port: 2},
		{Addr: "z/dev/tcp/127.0.0.1", Port: 3},
		{Addr: "127.0.0.1", Port: 3},
	}
	out := runProbeScript(t, os.Getenv("PATH"), targets)
	require.Len(t, out, len(targets))
	for _, o := range []ProbeOutcome{out[0], out[2], out[4]} {
		assert.Equal(t, calyptos.ProbeError, o.Result, "%+v", o)
		assert.Equal(t, "address has a blank, a control character or a slash", o.Detail, "%+v", o)
	}
	assert.Equal(t, calyptos.ProbeRefused, out[1].Result, "another target's forged result: %+v", out[1])
	assert.Equal(t, calyptos.ProbeRefused, out[3].Result, "another target's forged line: %+v", out[3])
	assert.Equal(t, calyptos.ProbeRefused, out[5].Result, "%+v", out[5])
	assert.Regexp(t, `^probe: line [0-9]+: /dev/tcp/127\.0\.0\.1/3: Connection refused$`, out[5].Detail)
}

// A bash that exits 0 without running the program (SHELLOPTS=noexec from
// the host's environment, a stand-in script that does nothing) printed no
// line: each target is a probe error, as with any other failed bash, not
// left with no result.
func TestProbeBashThatRanNothingIsAnError(t *testing.T) {
	targets := []ProbeTarget{{Addr: "127.0.0.1", Port: 1}, {Addr: "127.0.0.1", Port: 2}}
	for name, env := range map[string][]string{
		"noexec":         {"SHELLOPTS=noexec"},
		"a script":       {"PATH=" + stubBin(t, map[string]string{"bash": "exit 0"}) + ":" + os.Getenv("PATH")},
		"a working bash": nil,
	} {
		t.Run(name, func(t *testing.T) {
			out := probeOutcomes(t, targets, time.Second, env)
			require.Len(t, out, len(targets))
			for _, o := range out {
				if env == nil {
					assert.Equal(t, calyptos.ProbeRefused, o.Result, "%+v", o)
					continue
				}
				assert.Equal(t, calyptos.ProbeError, o.Result, "%+v", o)
				assert.Equal(t, "the probe tool failed: bash exited 0", o.Detail, "%+v", o)
			}
		})
	}
}

// A program slow to read its pipe (a loaded host) reads the lines waiting
// there before it hands targets out: the stand-in for bash hands out at
// once and sleeps half a second after starting the first job, by which
// time it has refused every target, so no target gets a job of its own.
func TestProbeReadsWaitingLinesBeforeHandingOut(t *testing.T) {
	bin := patchedBash(t, `p=${p/soon=\$((now + 250000))/soon=\$now}`+"\n"+
		`p=${p/\[ \"\$left\" -gt 0 \] || break/[ \"\$left\" -gt 0 ] || break; [ -n \"\$slept\" ] || { slept=1; sleep 0.5; \}}`+"\n"+
		`case $p in *slept=1*soon=*|*soon=\$now*slept=1*) ;; *) exit 99 ;; esac`)
	forks, out := forksOf(t, bin+":"+os.Getenv("PATH"), refusedTargets(8))
	for _, o := range out {
		assert.Equal(t, calyptos.ProbeRefused, o.Result, "%+v", o)
	}
	assert.Equal(t, 3, forks, "the stand-in (which becomes bash), its first job, and the sleep")
}

// The first job may start the target after its last one before it is
// killed: that target then gets two attempts, which may meet different
// answers. Its line has only its owner's message. Here the stand-in makes
// the first job reach the port while it is closed, and the port's own job
// reach it once it listens: the port is open, with no "Connection
// refused" from the other attempt.
func TestProbeTargetGetsOnlyItsOwnersMessage(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	var mu sync.Mutex
	var listening net.Listener
	later := time.AfterFunc(2*time.Second, func() {
		mu.Lock()
		defer mu.Unlock()
		listening, _ = net.Listen("tcp", ln.Addr().String())
	})
	defer func() {
		later.Stop()
		mu.Lock()
		defer mu.Unlock()
		if listening != nil {
			_ = listening.Close()
		}
	}()
	bin := patchedBash(t, `q=$p; p=${p/'{ true 3<>'/'{ [ "$width" = 1 ] && sleep 4; [ "$index" = 0 ] && sleep 1; true 3<>'}`+"\n"+
		`p=${p/'kill -KILL "${pid[0]}"'/'sleep 0.5; kill -KILL "${pid[0]}"'}; [ "${#p}" -gt "$((${#q} + 60))" ] || exit 99`)
	out := probeOutcomes(t, []ProbeTarget{{Addr: "127.0.0.1", Port: 1}, {Addr: "127.0.0.1", Port: port}}, 7*time.Second, []string{"PATH=" + bin + ":" + os.Getenv("PATH")})
	require.Len(t, out, 2)
	assert.Equal(t, calyptos.ProbeRefused, out[0].Result, "%+v", out[0])
	assert.Regexp(t, `^probe: line [0-9]+: /dev/tcp/127\.0\.0\.1/1: Connection refused$`, out[0].Detail)
	assert.Equal(t, calyptos.ProbeOK, out[1].Result, "%+v", out[1])
	assert.Empty(t, out[1].Detail, "the first job's attempt, refused before the port listened")
}

// The program's arrays start empty whatever the host exports: an exported
// got=1 (bash imports it as got[0]) made target 0 look reported already,
// so its result was ignored and it got no line at all.
func TestProbeExportedGotIsIgnored(t *testing.T) {
	out := probeOutcomes(t, []ProbeTarget{{Addr: "127.0.0.1", Port: 1}, {Addr: "127.0.0.1", Port: 2}}, time.Second, []string{"got=1"})
	require.Len(t, out, 2)
	for _, o := range out {
		assert.Equal(t, calyptos.ProbeRefused, o.Result, "%+v", o)
		assert.Regexp(t, `^probe: line [0-9]+: /dev/tcp/127\.0\.0\.1/`+strconv.Itoa(o.Port)+`: Connection refused$`, o.Detail)
	}
}
