package calyptostest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/factbatch"
)

// factKey is a fact scripted with SetFact on a host ("" for any host).
type factKey struct{ host, name string }

// OnFact answers fact f's command on host ("" for any host): script its
// raw output with the rule's Stdout, Stderr and Exit, and the fact's own
// parser reads it. It is On(host, f.Command).
func OnFact[T any](e *Executor, host string, f *calyptos.Fact[T]) *Rule {
	return e.On(host, f.Command)
}

// SetFact makes fact f have value v on host ("" for any host), without a
// command or a parse: the run takes the value as gathered. A value set for
// the host beats one set for any host; SetFact beats command rules.
func SetFact[T any](e *Executor, host string, f *calyptos.Fact[T], v T) {
	e.factsMu.Lock()
	defer e.factsMu.Unlock()
	if e.facts == nil {
		e.facts = map[factKey]any{}
	}
	e.facts[factKey{host, f.Name}] = v
}

// ProvideFact implements executor.FactProvider with the values scripted
// with SetFact.
func (e *Executor) ProvideFact(host, name string) (any, bool) {
	e.factsMu.RLock()
	defer e.factsMu.RUnlock()
	if v, ok := e.facts[factKey{host, name}]; ok {
		return v, true
	}
	v, ok := e.facts[factKey{"", name}]
	return v, ok
}

// Sessions returns how many executor calls (Run or Fetch, each one
// session of a real transport) were made on host; the commands of one
// fact-gathering batch count as one.
func (e *Executor) Sessions(host string) int {
	seen := map[int]bool{}
	for _, c := range e.Calls() {
		if c.Host == host {
			seen[c.Session] = true
		}
	}
	return len(seen)
}

// batch is a decoded fact-gathering script.
type batch struct {
	boundary string
	cmds     []factbatch.Cmd

	// The last reply encoded, reused when a host's results are the same
	// (most hosts of a deployment answer alike).
	mu      sync.Mutex
	results []factbatch.Result
	reply   string
}

// encode returns the reply to the batch for results.
func (b *batch) encode(results []factbatch.Result) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !slices.Equal(b.results, results) {
		b.results, b.reply = results, factbatch.Encode(b.boundary, b.cmds, results)
	}
	return b.reply
}

// decode decodes a fact-gathering script, once per distinct script: a run
// sends most hosts the same one.
func (e *Executor) decode(command string) (*batch, bool) {
	if !strings.HasPrefix(command, ": calyptos-facts ") {
		return nil, false
	}
	e.mu.Lock()
	b, ok := e.batches[command]
	e.mu.Unlock()
	if ok {
		return b, true
	}
	boundary, cmds, ok := factbatch.Decode(command)
	if !ok {
		return nil, false
	}
	e.mu.Lock()
	if e.batches == nil {
		e.batches = map[string]*batch{}
	}
	if b, ok = e.batches[command]; !ok {
		b = &batch{boundary: boundary, cmds: cmds}
		e.batches[command] = b
	}
	e.mu.Unlock()
	return b, true
}

// runBatch answers a fact-gathering batch the way a host would: each of
// its commands is answered by the rules as if it had been run alone (and
// is recorded as a call of the batch's session), concurrently; a reply
// delayed beyond the command's bound on the host is a timed-out command.
// A rule's error (HostDown, Unreachable, Err) fails the whole session,
// as a transport failure would.
func (e *Executor) runBatch(ctx context.Context, host string, session int, b *batch) (calyptos.Output, error) {
	cmds := b.cmds
	rules := make([]*Rule, len(cmds))
	for i, c := range cmds {
		rules[i] = e.find(host, c.Command, false, session)
	}
	for _, r := range rules {
		if r != nil && r.down {
			r.mu.Lock()
			err := r.err
			r.mu.Unlock()
			return calyptos.Output{}, err
		}
	}
	results := make([]factbatch.Result, len(cmds))
	errs := make([]error, len(cmds))
	// The host runs the commands concurrently: slow replies overlap.
	var wg sync.WaitGroup
	for i := range cmds {
		if rules[i] != nil && rules[i].slow() {
			wg.Go(func() { results[i], errs[i] = answer(ctx, host, rules[i], cmds[i]) })
		} else {
			results[i], errs[i] = answer(ctx, host, rules[i], cmds[i])
		}
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return calyptos.Output{}, err
		}
	}
	return calyptos.Output{Stdout: b.encode(results)}, nil
}

// answer is one command of a batch.
func answer(ctx context.Context, host string, r *Rule, c factbatch.Cmd) (factbatch.Result, error) {
	if r == nil {
		return factbatch.Result{ExitCode: 127, Stderr: fmt.Sprintf("%v for %q on %s\n", ErrUnscripted, c.Command, host)}, nil
	}
	r.mu.Lock()
	out, err, delay, respond, forward := r.out, r.err, r.delay, r.respond, r.forward
	r.mu.Unlock()
	bound := time.Duration(c.Seconds) * time.Second
	if delay >= bound {
		if werr := wait(ctx, bound); werr != nil {
			return factbatch.Result{}, fmt.Errorf("run on %s: %w", host, werr)
		}
		return factbatch.Result{ExitCode: 124, TimedOut: true}, nil
	}
	if werr := wait(ctx, delay); werr != nil {
		return factbatch.Result{}, fmt.Errorf("run on %s: %w", host, werr)
	}
	if forward != nil && err == nil {
		return forwardCmd(ctx, host, forward, c.Command, bound-delay)
	}
	if respond != nil {
		out, err = respond(host, c.Command)
	}
	if err != nil {
		return factbatch.Result{}, err
	}
	return factbatch.Result{Stdout: out.Stdout, Stderr: out.Stderr, ExitCode: out.ExitCode, Truncated: out.Truncated}, nil
}

// forwardCmd runs one command of a batch on ex within what is left of
// its bound on the host; one still running then is a timed-out command,
// as the gathering script's watchdog would make it.
func forwardCmd(ctx context.Context, host string, ex calyptos.Executor, command string, left time.Duration) (factbatch.Result, error) {
	cctx, cancel := context.WithTimeout(ctx, left)
	defer cancel()
	out, err := ex.Run(cctx, host, command)
	switch {
	case err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded):
		return factbatch.Result{ExitCode: 124, TimedOut: true}, nil
	case err != nil:
		return factbatch.Result{}, err
	}
	// Encode cuts each stream at the command's cap, as the host does.
	return factbatch.Result{Stdout: out.Stdout, Stderr: out.Stderr, ExitCode: out.ExitCode, Truncated: out.Truncated}, nil
}

// slow reports whether the rule's reply takes time (a Delay, or a call
// forwarded to another executor), so that a batch answers it alongside
// the others.
func (r *Rule) slow() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.delay > 0 || r.forward != nil
}
