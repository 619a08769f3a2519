package calyptostest

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/org/calyptos"
)

// Defaults for ExecutorHarness fields left zero.
const (
	defaultContractTimeout = time.Minute
	defaultContractGrace   = 10 * time.Second
)

// ExecutorHarness tells TestExecutor how to make the Executor under test
// and which hosts it reaches.
type ExecutorHarness struct {
	// New returns the Executor under test. The suite calls it once per
	// subtest, so that a subtest that leaves an executor broken does not
	// fail the others; release it with t.Cleanup (the suite's own
	// cleanups, which still use it, run first).
	New func(t *testing.T) calyptos.Executor
	// Hosts are host names the executor reaches; at least one. Commands
	// on them run in a POSIX sh (with awk, cat, kill, mkdir, mkfifo, mv,
	// rm, sed, sleep, and ps or /proc), as a user who may make a
	// directory in $TMPDIR (or /tmp), which the suite removes at the end,
	// and signal its own processes.
	// The suite runs most of its commands on Hosts[0] and spreads its
	// concurrent calls over all of them.
	Hosts []string
	// Unreachable is a host name the executor cannot reach at all (a
	// closed port, a name outside its inventory). Calls to it must fail
	// by themselves, with calyptos.ErrTransport, within Timeout.
	Unreachable string
	// Timeout bounds each call the suite expects to end by itself: it is
	// the deadline of those calls' context (default one minute).
	Timeout time.Duration
	// Grace is how long a call may take to return after its context
	// ended, and the processes of its command to end on the host
	// (default 10s).
	Grace time.Duration
	// Known lists the subtests the implementation is known to fail, by
	// their names under TestExecutor's test ("Fetch/write error"), each
	// with what is wrong: they are skipped with "KNOWN: " and the
	// reason, until it is fixed. A name that is no subtest fails the
	// test, so that the list cannot go stale unseen.
	Known map[string]string
}

// TestExecutor checks that an Executor keeps the contract the calyptos
// runner and its checks rely on, as testing/slogtest checks a slog
// handler: call it from a test of the implementation, with a harness
// that says how to make one and which hosts it reaches.
//
//	func TestContract(t *testing.T) {
//		calyptostest.TestExecutor(t, calyptostest.ExecutorHarness{
//			New: func(t *testing.T) calyptos.Executor {
//				e := mytransport.New(...)
//				t.Cleanup(func() { e.Close() })
//				return e
//			},
//			Hosts:       []string{"10.0.0.1"},
//			Unreachable: "127.0.0.1:1",
//		})
//	}
//
// Every check is a subtest, named for the rule it checks (Output,
// LargeOutput, Deadline, Cancel, DoneContext, SelfBounded, Unreachable,
// Concurrent, Fetch, Runner), so that "go test -run" can pick one. The
// suite sends POSIX sh commands, puts the files it fetches on Hosts[0]
// itself, with commands run through the executor (printf and awk into a
// directory of its own), and removes them at the end. It takes about
// twenty seconds on a loopback host. Every call it makes is bounded: a
// call that hangs fails the subtest (and is left behind) instead of
// hanging the test.
//
// The contract:
//
//   - Commands. Run runs command, a POSIX sh script of any text
//     (several lines, quotes from calyptos.ShellQuote, 64 KiB long), on
//     host as `sh -c command` runs it (a POSIX login shell will do): no
//     positional parameters; standard input empty, at its end at once,
//     and no terminal.
//   - Output. Stdout and Stderr are the bytes the command wrote to each
//     stream, exactly: kept apart, any byte value, nothing added,
//     removed or translated (no trailing newline trimmed, no CR added,
//     no invalid UTF-8 repaired). An executor may cap what it keeps of a
//     stream, and then sets Output.Truncated and keeps a prefix of the
//     stream, which one marker line may follow. A command that writes
//     megabytes to one stream before it writes the other does not block.
//   - Exit status. A command that ran gives a nil error and its exit
//     status in ExitCode, non-zero ones included: 127 for a command not
//     found, 128+n for a command killed by signal n, as a shell says.
//   - Unreachable hosts. An error wraps calyptos.ErrTransport exactly
//     when the host cannot be reached at all (dial, handshake,
//     authentication): the runner then counts the host unreachable for
//     the rest of the run. Such a call fails by itself, not by waiting
//     for its context to end (its error wraps no context error), and the
//     executor goes on serving the other hosts. No error about a command
//     or a file on a reachable host wraps ErrTransport.
//   - Context. A call whose context is already done returns an error
//     wrapping ctx.Err() and starts nothing on the host. When the
//     context ends during a call, the call returns within the grace with
//     an error wrapping ctx.Err() (context.DeadlineExceeded or
//     context.Canceled, whichever ended it; never ErrTransport), the
//     command ends on the host within the grace too, with the processes
//     it started (those left in its process group), and the executor
//     still serves the host. Under executor.WithSelfBounded the call
//     still returns promptly, but the command may run on to its own end.
//     The Output returned with a context error may hold what was read so
//     far.
//   - Concurrency. Run and Fetch are safe for concurrent use, many calls
//     at once on one host and on several: each call gets its own
//     command's output. An executor may make calls wait for one another
//     (a session limit), but does not fail them for being many.
//   - Fetch. Fetch writes the exact bytes of the remote file to dst, and
//     nothing else. A missing file is an error wrapping fs.ErrNotExist;
//     it and any other error about the file (a directory) leave out
//     ErrTransport. When ctx ends, the copy stops with an error wrapping
//     ctx.Err(); when dst's Write fails, the copy stops with an error
//     wrapping dst's error; dst is never written to after Fetch returns,
//     and what was written is a prefix of the file.
//   - The runner. Run through calyptos.RunDebuggers, the executor is
//     given the runner's contexts (executor.CommandLimit,
//     executor.WithSelfBounded) and the fact-gathering script: a command
//     past its command timeout fails with context.DeadlineExceeded and
//     leaves the host usable, a fact's bytes and exit status come
//     through the gathering script intact, and an unreachable host is
//     counted down after its first call. Honouring CommandLimit is
//     optional; calyptos.WithCommandTimeout is the runner's business.
func TestExecutor(t *testing.T, h ExecutorHarness) {
	t.Helper()
	if h.New == nil || len(h.Hosts) == 0 || h.Unreachable == "" {
		t.Fatal("calyptostest: ExecutorHarness needs New, at least one of Hosts, and Unreachable")
	}
	if h.Timeout <= 0 {
		h.Timeout = defaultContractTimeout
	}
	if h.Grace <= 0 {
		h.Grace = defaultContractGrace
	}
	s := &suite{h: h, root: t.Name(), called: map[string]bool{}, ran: map[string]bool{}}
	for _, c := range []struct {
		name string
		f    func(t *testing.T)
	}{
		{"Output", s.testOutput},
		{"LargeOutput", s.testLargeOutput},
		{"Deadline", s.testDeadline},
		{"Cancel", s.testCancel},
		{"DoneContext", s.testDoneContext},
		{"SelfBounded", s.testSelfBounded},
		{"Unreachable", s.testUnreachable},
		{"Concurrent", s.testConcurrent},
		{"Fetch", s.testFetch},
		{"Runner", s.testRunner},
	} {
		s.sub(t, c.name, c.f)
	}
	s.staleKnown(t)
}

// suite is one run of TestExecutor.
type suite struct {
	h    ExecutorHarness
	root string // the name of TestExecutor's test

	mu     sync.Mutex
	called map[string]bool // subtests started (maybe not run: go test -run), by name under root
	ran    map[string]bool // subtests run
}

// testName is a subtest's name as testing writes it (blanks as _).
func testName(name string) string { return strings.ReplaceAll(name, " ", "_") }

// sub runs f as subtest name of t, or skips it when the harness lists it
// as Known.
func (s *suite) sub(t *testing.T, name string, f func(t *testing.T)) {
	t.Helper()
	rel := testName(name)
	if parent := strings.TrimPrefix(strings.TrimPrefix(t.Name(), s.root), "/"); parent != "" {
		rel = parent + "/" + rel
	}
	s.mu.Lock()
	s.called[rel] = true
	s.mu.Unlock()
	t.Run(name, func(t *testing.T) {
		s.mu.Lock()
		s.ran[rel] = true
		s.mu.Unlock()
		for k, why := range s.h.Known {
			if testName(k) == rel {
				t.Skip("KNOWN: " + why)
			}
		}
		f(t)
	})
}

// staleKnown fails t for each name of Known that is no subtest: one
// whose parent ran but which was never started.
func (s *suite) staleKnown(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.h.Known {
		name := testName(k)
		parent, _, nested := strings.Cut(name, "/")
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			parent = name[:i]
		}
		if (!nested || s.ran[parent]) && !s.called[name] {
			t.Errorf("calyptostest: ExecutorHarness.Known names %q, which is no subtest of TestExecutor", k)
		}
	}
}

// host is the host most checks run on.
func (s *suite) host() string { return s.h.Hosts[0] }

// ctx returns a context bounded by the harness's Timeout.
func (s *suite) ctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), s.h.Timeout)
	t.Cleanup(cancel)
	return ctx
}

// bounded runs f and fails t when f has not returned within limit, which
// leaves f running: a hung call fails its subtest, not the whole test.
func bounded(t *testing.T, what string, limit time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		t.Fatalf("calyptostest: %s did not return within %v", what, limit)
	}
}

// limit is how long a call under ctx may take: until ctx's deadline, or
// the harness's Timeout, and then the grace.
func (s *suite) limit(ctx context.Context) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		return time.Until(dl) + s.h.Grace
	}
	return s.h.Timeout + s.h.Grace
}

// run calls ex.Run, bounded.
func (s *suite) run(t *testing.T, ctx context.Context, ex calyptos.Executor, host, command string) (out calyptos.Output, err error) {
	t.Helper()
	bounded(t, fmt.Sprintf("Run(%q, %s)", host, short(command)), s.limit(ctx), func() {
		out, err = ex.Run(ctx, host, command)
	})
	return out, err
}

// mustRun runs command on host, which must succeed with exit status 0.
func (s *suite) mustRun(t *testing.T, ex calyptos.Executor, host, command string) calyptos.Output {
	t.Helper()
	out, err := s.run(t, s.ctx(t), ex, host, command)
	if err != nil {
		t.Fatalf("calyptostest: Run(%q, %s): %v", host, short(command), err)
	}
	if out.ExitCode != 0 {
		t.Fatalf("calyptostest: Run(%q, %s): exit status %d, stderr %q", host, short(command), out.ExitCode, short(out.Stderr))
	}
	return out
}

// hostDir makes a private directory on host through ex and removes it
// when the test ends; its path needs no quoting.
func (s *suite) hostDir(t *testing.T, ex calyptos.Executor, host string) string {
	t.Helper()
	name := "calyptos-contract." + rand.Text()
	out := s.mustRun(t, ex, host, `d="${TMPDIR:-/tmp}"/`+name+`; mkdir -m 700 "$d" && printf %s "$d"`)
	dir := out.Stdout
	if !strings.HasPrefix(dir, "/") || strings.ContainsAny(dir, " \t\n'\"\\$`*?[]") {
		t.Fatalf("calyptostest: the host's temporary directory %q is not a plain absolute path", dir)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), s.h.Timeout)
		defer cancel()
		_, _ = ex.Run(ctx, host, "rm -rf -- "+dir)
	})
	return dir
}

// short is text cut for messages.
func short(s string) string {
	const n = 60
	if len(s) <= n {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q... (%d bytes)", s[:n], len(s))
}

// debuggerFunc is a Debugger made of a function.
type debuggerFunc func(ctx context.Context, c *calyptos.Check)

func (debuggerFunc) Name() string                                   { return "calyptostest-contract" }
func (f debuggerFunc) Debug(ctx context.Context, c *calyptos.Check) { f(ctx, c) }
