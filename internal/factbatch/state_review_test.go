package factbatch

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/org/calyptos/internal/shelltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reviewShells are the shells the review runs the script in.
var reviewShells = []string{"dash", "bash", "busybox"}

// reviewRun runs Script(cmds) in shell name and parses it; err is the
// shell's own error (a killed or stuck script).
func reviewRun(t *testing.T, name string, cmds []Cmd) ([]Result, string, error) {
	t.Helper()
	sh := shelltest.Path(t, name)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	args := []string{"-c", Script(testBoundary, cmds)}
	out, err := groupCommand(ctx, sh, args...).Output()
	return Parse(testBoundary, cmds, string(out)), string(out), err
}

// A fact's change to its shell must not reach the next fact, except what
// Fact.Command documents (functions, exported variables): the worker
// restores the rest. The fact after each prints what it sees.
func TestReviewFactStateLeaks(t *testing.T) {
	cases := []struct {
		name, first, second, want string
	}{
		{"PATH", `PATH=/nonexistent`, `ls / >/dev/null && echo ok`, "ok\n"},
		// Documented in Fact.Command: functions and exported variables a
		// fact leaves stay for the later facts of its worker.
		{"exported variable (documented)", `export LC_ALL=C FOO=leaked`, `echo "[$FOO]"`, "[leaked]\n"},
		{"umask", `umask 0777`, `umask`, fmt.Sprintf("%04o\n", reviewUmask())},
		{"function (documented)", `ls() { echo fake ls; }`, `ls -d /`, "fake ls\n"},
		{"trap", `trap 'echo trapped' USR2`, `trap | grep -c USR2`, "0\n"},
	}
	for _, name := range reviewShells {
		for _, c := range cases {
			t.Run(name+"/"+c.name, func(t *testing.T) {
				cmds := []Cmd{{Command: c.first, Seconds: 5, Cap: 1000}, {Command: c.second, Seconds: 5, Cap: 1000}}
				res, _, err := reviewRun(t, name, cmds)
				require.NoError(t, err)
				require.NoError(t, res[1].Err)
				assert.Equal(t, c.want, res[1].Stdout, "the second fact sees the first one's change")
			})
		}
	}
}

func reviewUmask() int {
	m := reviewSysUmask()
	return m
}

// A fact that sets an EXIT trap in the worker (a careless "cleanup" trap)
// runs it when the worker ends, after every status is written, and the
// script waits for it: nothing bounds it.
func TestReviewExitTrapUnbounded(t *testing.T) {
	for _, name := range reviewShells {
		t.Run(name, func(t *testing.T) {
			cmds := []Cmd{{Command: `trap 'sleep 12' EXIT; echo hi`, Seconds: 2, Cap: 100}}
			start := time.Now()
			res, _, err := reviewRun(t, name, cmds)
			require.NoError(t, err)
			assert.Equal(t, "hi\n", res[0].Stdout)
			assert.Less(t, time.Since(start), Bound(cmds), "the script ran past its Bound")
		})
	}
}

// A fact that lowers the file-size limit (ulimit -f 0 sets the hard one
// too in dash and bash) makes the worker's own writes fail: the fact's
// status, and every later fact's claim and status in that worker.
func TestReviewUlimitZero(t *testing.T) {
	for _, name := range reviewShells {
		t.Run(name, func(t *testing.T) {
			cmds := []Cmd{
				{Command: `ulimit -f 0; echo first`, Seconds: 5, Cap: 100},
				{Command: `echo second`, Seconds: 5, Cap: 100},
				{Command: `echo third`, Seconds: 5, Cap: 100},
			}
			res, _, err := reviewRun(t, name, cmds)
			require.NoError(t, err)
			for i, want := range []string{"", "second\n", "third\n"} {
				assert.NoError(t, res[i].Err, "fact %d", i)
				if i > 0 {
					assert.Equal(t, want, res[i].Stdout, "fact %d", i)
				}
			}
		})
	}
}

// A fact's background process is left running after the script ends.
func TestReviewBackgroundLeftover(t *testing.T) {
	t.Skip("known, as before the worker design: a fact's background job outlives the script (issue 24 note)")
	for i, name := range reviewShells {
		t.Run(name, func(t *testing.T) {
			tag := fmt.Sprintf("sleep 31.%d%d", os.Getpid(), i)
			cmds := []Cmd{{Command: tag + ` >/dev/null 2>&1 & echo started`, Seconds: 2, Cap: 100}}
			_, _, err := reviewRun(t, name, cmds)
			require.NoError(t, err)
			assertGone(t, tag, "a fact's background process outlives the script")
		})
	}
}

// After a fact lowers the hard file-size limit, the worker's claim of the
// next fact is written empty, so the watchdog never sees it start and never
// stops it: a hung fact then runs the script past its Bound, unbounded.
func TestReviewUlimitZeroUnbounded(t *testing.T) {
	for _, name := range reviewShells {
		t.Run(name, func(t *testing.T) {
			cmds := []Cmd{
				{Command: `ulimit -f 0`, Seconds: 2, Cap: 100},
				{Command: `sleep 12; echo late`, Seconds: 2, Cap: 100},
			}
			start := time.Now()
			res, _, err := reviewRun(t, name, cmds)
			require.NoError(t, err)
			assert.Less(t, time.Since(start), Bound(cmds), "the script ran past its Bound")
			assert.NoError(t, res[1].Err)
			assert.True(t, res[1].TimedOut)
		})
	}
}

// A fact that ends with set -n leaves the worker unable to run anything: it
// is reported stopped at its bound (137, timed out) though it ended at once,
// and costs its whole bound.
func TestReviewNoexec(t *testing.T) {
	t.Skip("known: a fact that ends in set -n leaves a worker that runs nothing; it is reported timed out at its bound, the other facts are not affected (issue 24 note)")
	for _, name := range reviewShells {
		t.Run(name, func(t *testing.T) {
			cmds := []Cmd{{Command: `echo c; set -n`, Seconds: 3, Cap: 100}, {Command: `echo d`, Seconds: 3, Cap: 100}}
			res, _, err := reviewRun(t, name, cmds)
			require.NoError(t, err)
			require.NoError(t, res[0].Err)
			assert.False(t, res[0].TimedOut, "%+v", res[0])
			assert.Equal(t, 0, res[0].ExitCode)
		})
	}
}

// A fact that moves its shell's standard descriptors with exec moves them
// for itself only: the worker, which prints its own messages (a failed cd
// or ulimit before a fact) to the stderr it was started with, /dev/null,
// gets its descriptors back, and the next fact gets its own files and
// /dev/null for stdin.
func TestReviewFactExecRedirectionsDoNotLeak(t *testing.T) {
	first := `exec 2>&1 >/dev/null </etc/hostname; ulimit -H -f 100000`
	second := `echo out; echo err >&2; read -r line; echo "[$line]"`
	for _, name := range reviewShells {
		t.Run(name, func(t *testing.T) {
			cmds := []Cmd{{Command: first, Seconds: 5, Cap: 1000}, {Command: second, Seconds: 5, Cap: 1000 << 20}}
			res, _, err := reviewRun(t, name, cmds)
			require.NoError(t, err)
			require.NoError(t, res[0].Err)
			require.NoError(t, res[1].Err)
			assert.Empty(t, res[0].Stdout, "the worker's ulimit message for the second fact reached the first one's file")
			assert.Equal(t, "out\n[]\n", res[1].Stdout)
			assert.Equal(t, "err\n", res[1].Stderr)
		})
	}
}
