// Package calyptostest helps unit-test calyptos checks without any host,
// the way net/http/httptest helps test handlers: a scripted fake Executor
// that records every call, and helpers to run a plugin and assert on its
// findings. It also holds TestExecutor, the contract suite that an
// Executor of one's own (a transport other than SSH) runs to show that it
// keeps the contract the runner relies on, as testing/slogtest does for
// slog handlers.
package calyptostest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/org/calyptos"
)

// ErrUnscripted is returned for a call that no rule of the fake answers.
var ErrUnscripted = errors.New("calyptostest: no scripted reply")

// Call is one recorded executor call.
type Call struct {
	Host    string
	Command string // the command run, or the remote path fetched
	Fetch   bool
	// Session numbers the executor calls from 1: the commands of one
	// fact-gathering batch share their session, every other call has its
	// own.
	Session int
}

// Rule is one scripted reply. Configure it with its chainable methods.
type Rule struct {
	host    string // "" matches any host
	exact   string
	pattern *regexp.Regexp
	fetch   bool
	down    bool // a HostDown rule, which beats every other

	mu      sync.Mutex
	out     calyptos.Output
	content string
	err     error
	delay   time.Duration
	respond func(host, command string) (calyptos.Output, error)
	forward calyptos.Executor
	limit   int // 0 = unlimited
	used    int
}

// Stdout sets the standard output of the reply.
func (r *Rule) Stdout(s string) *Rule { r.mu.Lock(); r.out.Stdout = s; r.mu.Unlock(); return r }

// Stderr sets the standard error of the reply.
func (r *Rule) Stderr(s string) *Rule { r.mu.Lock(); r.out.Stderr = s; r.mu.Unlock(); return r }

// Exit sets the exit code of the reply.
func (r *Rule) Exit(code int) *Rule { r.mu.Lock(); r.out.ExitCode = code; r.mu.Unlock(); return r }

// Output sets the whole reply.
func (r *Rule) Output(o calyptos.Output) *Rule { r.mu.Lock(); r.out = o; r.mu.Unlock(); return r }

// Content sets the file content a Fetch rule writes.
func (r *Rule) Content(s string) *Rule { r.mu.Lock(); r.content = s; r.mu.Unlock(); return r }

// Err makes the call fail with err, as a transport would.
func (r *Rule) Err(err error) *Rule { r.mu.Lock(); r.err = err; r.mu.Unlock(); return r }

// Unreachable makes the call fail as an unreachable host does: with an
// error wrapping calyptos.ErrTransport.
func (r *Rule) Unreachable() *Rule {
	return r.Err(fmt.Errorf("dial: connection refused: %w", calyptos.ErrTransport))
}

// Delay makes the reply wait d first, or until the call's context ends,
// in which case the call returns the context's error.
func (r *Rule) Delay(d time.Duration) *Rule { r.mu.Lock(); r.delay = d; r.mu.Unlock(); return r }

// Times limits the rule to n uses, after which other rules are tried.
func (r *Rule) Times(n int) *Rule { r.mu.Lock(); r.limit = n; r.mu.Unlock(); return r }

// Respond computes the reply per call (Stdout, Exit and the like are
// ignored then).
func (r *Rule) Respond(f func(host, command string) (calyptos.Output, error)) *Rule {
	r.mu.Lock()
	r.respond = f
	r.mu.Unlock()
	return r
}

// Forward makes the rule answer by passing each call it matches on to
// ex, with the call's context: Run to ex.Run, Fetch to ex.Fetch, and each
// command of a fact-gathering batch to ex.Run under the command's bound
// on the host (one that runs past it is a timed-out fact). A fake whose
// catch-all rule forwards to a localexec.Executor runs the commands it
// has no script for on this machine, records every call, and still takes
// down the hosts of HostDown. Delay and Err apply first; Stdout, Exit,
// Content and Respond are ignored.
func (r *Rule) Forward(ex calyptos.Executor) *Rule {
	r.mu.Lock()
	r.forward = ex
	r.mu.Unlock()
	return r
}

func (r *Rule) matches(host, command string, fetch bool) bool {
	if r.fetch != fetch || (r.host != "" && r.host != host) {
		return false
	}
	if r.pattern != nil {
		return r.pattern.MatchString(command)
	}
	return r.exact == command
}

// specificity orders rules: HostDown beats everything, an exact host
// beats any host, an exact command beats a pattern.
func (r *Rule) specificity() int {
	if r.down {
		return 4
	}
	s := 0
	if r.host != "" {
		s += 2
	}
	if r.pattern == nil {
		s++
	}
	return s
}

// exhausted reports whether the rule has been used its Times; the caller
// holds the executor's lock, which guards used.
func (r *Rule) exhausted() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.limit > 0 && r.used >= r.limit
}

// Executor is a scripted calyptos.Executor. Script it with On, OnMatch and
// OnFetch before the run; it is safe for concurrent use by the run.
//
// When several rules match a call, the most specific wins (HostDown beats
// every rule for its host; a rule for the host beats a rule for any host;
// an exact command beats a pattern); among equals the one added last wins,
// so a test can override a shared script.
type Executor struct {
	t    testing.TB
	made string // file:line of the NewExecutor call

	mu       sync.Mutex
	rules    []*Rule
	calls    [][]Call // in chunks, so that a long log is never copied to grow
	sessions int
	batches  map[string]*batch // decoded fact-gathering scripts

	// factsMu guards facts apart from mu: ProvideFact is asked for every
	// fact of every host, concurrently with the calls that take mu.
	factsMu sync.RWMutex
	facts   map[factKey]any // parsed values scripted with SetFact

	unscripted []string // failures not yet reported to t
}

// newSession numbers a new executor call.
func (e *Executor) newSession() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.sessions++
	return e.sessions
}

// NewExecutor returns an empty fake. Calls that no rule answers return an
// error wrapping ErrUnscripted and, if t is not nil, fail the test: pass
// t to make sure a check runs exactly the commands the test expects.
//
// Such calls come from the run's goroutines, whose stacks hold no line of
// the test, so they are reported later, from the test's goroutine: by
// RunDebugger, at the line of the test that called it, or else when the
// test ends, naming the line that made the fake.
func NewExecutor(t testing.TB) *Executor {
	e := &Executor{t: t}
	if _, file, line, ok := runtime.Caller(1); ok {
		e.made = fmt.Sprintf("%s:%d", filepath.Base(file), line)
	}
	if t != nil {
		t.Cleanup(func() { e.reportUnscripted(t, " (fake made at "+e.made+")") })
	}
	return e
}

// reportUnscripted fails t once for each unscripted call not yet reported.
func (e *Executor) reportUnscripted(t testing.TB, suffix string) {
	t.Helper()
	e.mu.Lock()
	msgs := e.unscripted
	e.unscripted = nil
	e.mu.Unlock()
	for _, m := range msgs {
		t.Errorf("%s%s", m, suffix)
	}
}

func (e *Executor) add(r *Rule) *Rule {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rules = append(e.rules, r)
	return r
}

// On answers command, exactly as written, on host ("" for any host).
func (e *Executor) On(host, command string) *Rule {
	return e.add(&Rule{host: host, exact: command})
}

// OnMatch answers commands matching the regular expression pattern on host
// ("" for any host). It panics if pattern does not compile, as
// regexp.MustCompile does.
func (e *Executor) OnMatch(host, pattern string) *Rule {
	return e.add(&Rule{host: host, pattern: regexp.MustCompile(pattern)})
}

// OnFetch answers fetches of remotePath on host ("" for any host).
// remotePath may be a pattern when it starts with "~": "~/tmp/sosreport-.*".
func (e *Executor) OnFetch(host, remotePath string) *Rule {
	r := &Rule{host: host, fetch: true, exact: remotePath}
	if p, ok := strings.CutPrefix(remotePath, "~"); ok {
		r.pattern = regexp.MustCompile("^" + p + "$")
	}
	return e.add(r)
}

// HostDown makes every call to host fail as an unreachable host does,
// whatever rules were scripted for it.
func (e *Executor) HostDown(host string) {
	e.add(&Rule{host: host, pattern: regexp.MustCompile(""), down: true}).Unreachable()
	e.add(&Rule{host: host, fetch: true, pattern: regexp.MustCompile(""), down: true}).Unreachable()
}

func (e *Executor) find(host, command string, fetch bool, session int) *Rule {
	e.mu.Lock()
	if n := len(e.calls); n == 0 || len(e.calls[n-1]) == cap(e.calls[n-1]) {
		e.calls = append(e.calls, make([]Call, 0, 4096))
	}
	last := &e.calls[len(e.calls)-1]
	*last = append(*last, Call{Host: host, Command: command, Fetch: fetch, Session: session})
	var best *Rule
	for i := len(e.rules) - 1; i >= 0; i-- {
		r := e.rules[i]
		if r.matches(host, command, fetch) && !r.exhausted() && (best == nil || r.specificity() > best.specificity()) {
			best = r
		}
	}
	if best != nil {
		best.mu.Lock()
		best.used++
		best.mu.Unlock()
	}
	if best == nil && e.t != nil {
		kind := "command"
		if fetch {
			kind = "fetch of"
		}
		e.unscripted = append(e.unscripted, fmt.Sprintf("calyptostest: unscripted %s %q on host %q", kind, command, host))
	}
	e.mu.Unlock()
	return best
}

func wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Run implements calyptos.Executor.
func (e *Executor) Run(ctx context.Context, host, command string) (calyptos.Output, error) {
	session := e.newSession()
	if b, ok := e.decode(command); ok {
		return e.runBatch(ctx, host, session, b)
	}
	r := e.find(host, command, false, session)
	if r == nil {
		return calyptos.Output{}, fmt.Errorf("%w for %q on %s", ErrUnscripted, command, host)
	}
	r.mu.Lock()
	out, err, delay, respond, forward := r.out, r.err, r.delay, r.respond, r.forward
	r.mu.Unlock()
	if werr := wait(ctx, delay); werr != nil {
		return calyptos.Output{}, fmt.Errorf("run on %s: %w", host, werr)
	}
	if forward != nil && err == nil {
		return forward.Run(ctx, host, command)
	}
	if respond != nil {
		return respond(host, command)
	}
	return out, err
}

// Fetch implements calyptos.Executor.
func (e *Executor) Fetch(ctx context.Context, host, remotePath string, dst io.Writer) error {
	r := e.find(host, remotePath, true, e.newSession())
	if r == nil {
		return fmt.Errorf("%w for fetch of %q on %s", ErrUnscripted, remotePath, host)
	}
	r.mu.Lock()
	content, err, delay, forward := r.content, r.err, r.delay, r.forward
	r.mu.Unlock()
	if werr := wait(ctx, delay); werr != nil {
		return fmt.Errorf("fetch from %s: %w", host, werr)
	}
	if err != nil {
		return err
	}
	if forward != nil {
		return forward.Fetch(ctx, host, remotePath, dst)
	}
	_, err = io.WriteString(dst, content)
	return err
}

// Calls returns every call made so far, in order.
func (e *Executor) Calls() []Call {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Concat(e.calls...)
}

// CallCount returns how many times command was run, on any host.
func (e *Executor) CallCount(command string) int {
	n := 0
	for _, c := range e.Calls() {
		if !c.Fetch && c.Command == command {
			n++
		}
	}
	return n
}

// HostsRun returns the hosts command was run on, in call order.
func (e *Executor) HostsRun(command string) []string {
	var out []string
	for _, c := range e.Calls() {
		if !c.Fetch && c.Command == command {
			out = append(out, c.Host)
		}
	}
	return out
}
