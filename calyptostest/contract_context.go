package calyptostest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/org/calyptos/executor"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
)

// sleeper returns a command that writes its shell's PID and the PID of a
// child it started in the background to pidFile, then waits for the
// child, which sleeps a minute. With deaf, both ignore SIGTERM, SIGHUP
// and SIGINT (a child inherits the signals its shell ignores).
func sleeper(pidFile string, deaf bool) string {
	trap := ""
	if deaf {
		trap = "trap '' TERM HUP INT; "
	}
	return fmt.Sprintf(`%[2]ssleep 60 & echo $! > %[1]s.tmp; echo $$ >> %[1]s.tmp; mv %[1]s.tmp %[1]s; wait`, pidFile, trap)
}

// alive is a command that prints those of its arguments that are live
// processes (zombies are dead: their parent has not waited for them yet).
const alive = `for p in "$@"; do kill -0 "$p" 2>/dev/null || continue; s=; ` +
	`if [ -r "/proc/$p/stat" ]; then s=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null); else s=$(ps -o stat= -p "$p" 2>/dev/null); fi; ` +
	`case $s in Z*) ;; *) echo "$p" ;; esac; done`

// pids reads the PIDs a sleeper wrote; it fails t when there are none
// (the command did not start in time).
func (s *suite) pids(t *testing.T, ex calyptos.Executor, pidFile string) []string {
	t.Helper()
	out, err := s.run(t, s.ctx(t), ex, s.host(), "cat "+pidFile+" 2>/dev/null")
	require.NoError(t, err)
	pids := strings.Fields(out.Stdout)
	if len(pids) != 2 {
		t.Fatalf("the command had not started on the host when its context ended (no PID file): nothing to check")
	}
	return pids
}

// ended waits, for the grace at most, until none of pids is alive on
// the host, and fails t when some are still alive then.
func (s *suite) ended(t *testing.T, ex calyptos.Executor, pids []string) {
	t.Helper()
	check := "set -- " + strings.Join(pids, " ") + "; " + alive
	deadline := time.Now().Add(s.h.Grace)
	for {
		out, err := s.run(t, s.ctx(t), ex, s.host(), check)
		require.NoError(t, err)
		left := strings.Fields(out.Stdout)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("processes %v of the command (its shell and a child) are still running on the host %v after its context ended", left, s.h.Grace)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// usable checks that ex still runs commands on the host.
func (s *suite) usable(t *testing.T, ex calyptos.Executor) {
	t.Helper()
	out, err := s.run(t, s.ctx(t), ex, s.host(), "printf ok")
	if assert.NoError(t, err, "a command after one whose context ended") {
		assert.Equal(t, "ok", out.Stdout, "a command after one whose context ended")
	}
}

// ctxEnded checks the error of a call whose context ended with want,
// and that the call returned within the grace of the end.
func (s *suite) ctxEnded(t *testing.T, err, want error, ended time.Time) {
	t.Helper()
	require.Error(t, err, "the call's context ended first")
	assert.ErrorIs(t, err, want)
	assert.NotErrorIs(t, err, calyptos.ErrTransport, "the host was reached: it must not be counted unreachable")
	if late := time.Since(ended); late > s.h.Grace {
		t.Errorf("the call returned %v after its context ended (grace %v)", late.Round(time.Millisecond), s.h.Grace)
	}
}

// testDeadline: a command past its context's deadline returns promptly
// with context.DeadlineExceeded and ends on the host, even one that
// ignores SIGTERM, SIGHUP and SIGINT.
func (s *suite) testDeadline(t *testing.T) {
	ex := s.h.New(t)
	dir := s.hostDir(t, ex, s.host()) // connected: the deadline is the command's
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	dl, _ := ctx.Deadline()
	_, err := s.run(t, ctx, ex, s.host(), sleeper(dir+"/pids", true))
	s.ctxEnded(t, err, context.DeadlineExceeded, dl)
	s.ended(t, ex, s.pids(t, ex, dir+"/pids"))
	s.usable(t, ex)
}

// testCancel: a command whose context is cancelled while it runs
// returns promptly with context.Canceled and ends on the host. It is
// cancelled after two seconds, not when its PID file appears: watching
// for the file would take a second call on the host at the same time,
// which an executor may make wait for the first.
func (s *suite) testCancel(t *testing.T) {
	ex := s.h.New(t)
	dir := s.hostDir(t, ex, s.host()) // connected: the command starts at once
	ctx, cancel := context.WithCancel(s.ctx(t))
	defer cancel()
	var mu sync.Mutex
	var ended time.Time
	stop := time.AfterFunc(2*time.Second, func() {
		mu.Lock()
		ended = time.Now()
		mu.Unlock()
		cancel()
	})
	defer stop.Stop()
	_, err := s.run(t, ctx, ex, s.host(), sleeper(dir+"/pids", false))
	mu.Lock()
	at := ended
	mu.Unlock()
	if at.IsZero() {
		t.Fatalf("the command ended before it was cancelled: %v", err)
	}
	s.ctxEnded(t, err, context.Canceled, at)
	s.ended(t, ex, s.pids(t, ex, dir+"/pids"))
	s.usable(t, ex)
}

// testDoneContext: a call whose context is already done returns its
// error and starts nothing.
func (s *suite) testDoneContext(t *testing.T) {
	ex := s.h.New(t)
	dir := s.hostDir(t, ex, s.host())                           // connected, as a runner's host would be
	s.mustRun(t, ex, s.host(), "printf calyptos > "+dir+"/bin") // to fetch
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	// Several tries: an executor that races the done context against its
	// own work often starts the command anyway.
	const tries = 20
	for i := range tries {
		_, err := s.run(t, cancelled, ex, s.host(), fmt.Sprintf(": > %s/ran.%d", dir, i))
		s.ctxEnded(t, err, context.Canceled, time.Now())
		_, err = s.run(t, expired, ex, s.host(), fmt.Sprintf(": > %s/ran.x%d", dir, i))
		s.ctxEnded(t, err, context.DeadlineExceeded, time.Now())
		var buf bytes.Buffer
		bounded(t, "Fetch with a done context", s.h.Grace, func() {
			err = ex.Fetch(cancelled, s.host(), dir+"/bin", &buf)
		})
		s.ctxEnded(t, err, context.Canceled, time.Now())
		assert.Zero(t, buf.Len(), "Fetch with a done context wrote to dst")
	}
	out := s.mustRun(t, ex, s.host(), "cd "+dir+" && for f in ran.*; do [ -e \"$f\" ] && echo \"$f\"; done; true")
	if ran := strings.Fields(out.Stdout); len(ran) > 0 {
		t.Errorf("%d of %d commands run with a context already done were started on the host anyway (%s)", len(ran), 2*tries, strings.Join(ran, " "))
	}
}

// testSelfBounded: under executor.WithSelfBounded the call still returns
// promptly when its context ends, and the executor still serves the host.
func (s *suite) testSelfBounded(t *testing.T) {
	ex := s.h.New(t)
	s.usable(t, ex) // connected: the deadline is the command's
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	dl, _ := ctx.Deadline()
	_, err := s.run(t, executor.WithSelfBounded(ctx, 3*time.Second), ex, s.host(), "sleep 3")
	s.ctxEnded(t, err, context.DeadlineExceeded, dl)
	s.usable(t, ex)
}
