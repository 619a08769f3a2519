package calyptos

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/org/calyptos/executor"
	"github.com/org/calyptos/hostname"
	"github.com/org/calyptos/redact"
)

// Defaults of the RunOptions fields of the same names, when zero.
const (
	DefaultParallel       = 32
	DefaultCheckTimeout   = 10 * time.Minute
	DefaultCommandTimeout = 2 * time.Minute
	// abandonGrace is how long the runner waits for a plugin to return after
	// its context ended before it gives up on it and moves on.
	abandonGrace = 2 * time.Second
)

// Errors of a run that did not start, checkable with errors.Is.
var (
	// ErrInvalidOptions is matched by the error of a run that could not
	// start (its report is nil): a nil RoleBuilder or Executor, two
	// plugins of one name, an Only or Skip name not in the list.
	ErrInvalidOptions = errors.New("invalid run options")
	// ErrUnknownCheck is matched by the error for an Only or Skip name not
	// in the list, and by Select's.
	ErrUnknownCheck = errors.New("unknown check")
)

// RunOptions tune a run. The zero value is ready to use.
type RunOptions struct {
	// Only, when non-empty, runs just the named plugins.
	Only []string
	// Skip names plugins not to run.
	Skip []string
	// Reporter, if set, receives findings as they happen.
	Reporter Reporter
	// Parallel bounds the hosts a fan-out reaches at once.
	Parallel int
	// CheckTimeout bounds each plugin (see TimeoutPlugin).
	CheckTimeout time.Duration
	// CommandTimeout bounds each command and fetch.
	CommandTimeout time.Duration
	// ArtifactsDir is where checks collect files; empty disables collection.
	ArtifactsDir string
	// Secrets are values never to show, besides the Source's.
	Secrets []string
	// Redactor, if set, redacts the run and receives the Source's secrets
	// and Secrets; the caller may add more during the run. Nil means one
	// private to the run.
	Redactor *redact.Redactor
}

func (o RunOptions) withDefaults() RunOptions {
	if o.Parallel <= 0 {
		o.Parallel = DefaultParallel
	}
	if o.CheckTimeout <= 0 {
		o.CheckTimeout = DefaultCheckTimeout
	}
	if o.CommandTimeout <= 0 {
		o.CommandTimeout = DefaultCommandTimeout
	}
	return o
}

// RunValidators runs validators against the description rb, as
// RunDebuggers runs debuggers.
func RunValidators(ctx context.Context, rb *RoleBuilder, validators []Validator, opts RunOptions) (*Report, error) {
	plugins := make([]plugin, len(validators))
	for i, v := range validators {
		plugins[i] = plugin{name: v.Name(), impl: v, run: v.Validate}
	}
	return run(ctx, KindValidate, rb, nil, plugins, opts)
}

// RunDebuggers runs debuggers in list order against the live deployment
// through exec, streaming findings to opts.Reporter; a plugin that panics
// or overruns its timeout is a Fail finding. When ctx ends, it returns the
// partial report, marked Interrupted, with ctx's error. The Source's
// secrets and opts.Secrets are redacted from all the report shows.
func RunDebuggers(ctx context.Context, rb *RoleBuilder, exec Executor, debuggers []Debugger, opts RunOptions) (*Report, error) {
	if exec == nil {
		return nil, fmt.Errorf("calyptos: %w: RunDebuggers needs an Executor", ErrInvalidOptions)
	}
	plugins := make([]plugin, len(debuggers))
	for i, d := range debuggers {
		plugins[i] = plugin{name: d.Name(), impl: d, run: d.Debug}
	}
	return run(ctx, KindDebug, rb, exec, plugins, opts)
}

type plugin struct {
	name string
	impl any
	run  func(context.Context, *Check)
}

// Select returns the names that a run with only and skip would keep, in
// list order, or an error wrapping ErrUnknownCheck that lists the valid
// names when only or skip names a plugin not in names.
func Select(names, only, skip []string) ([]string, error) {
	for _, n := range slices.Concat(only, skip) {
		if !slices.Contains(names, n) {
			return nil, fmt.Errorf("%w %q (valid: %s)", ErrUnknownCheck, n, strings.Join(names, ", "))
		}
	}
	var out []string
	for _, n := range names {
		if (len(only) == 0 || slices.Contains(only, n)) && !slices.Contains(skip, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

func run(ctx context.Context, kind Kind, rb *RoleBuilder, exec Executor, plugins []plugin, opts RunOptions) (*Report, error) {
	if rb == nil {
		return nil, fmt.Errorf("calyptos: %w: no RoleBuilder", ErrInvalidOptions)
	}
	names := make([]string, len(plugins))
	for i, p := range plugins {
		if slices.Contains(names[:i], p.name) {
			return nil, fmt.Errorf("calyptos: %w: two plugins are named %q", ErrInvalidOptions, p.name)
		}
		names[i] = p.name
	}
	keep, err := Select(names, opts.Only, opts.Skip)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidOptions, err)
	}
	opts = opts.withDefaults()
	st := &runState{
		roles:    rb,
		executor: exec,
		opts:     opts,
		redactor: runRedactor(rb, opts),
		down:     map[string]error{},
		reached:  map[string]bool{},
	}
	rep := &Report{Kind: kind, Environment: rb.Identity(), Started: time.Now()}
	defer func() {
		rep.Duration = time.Since(rep.Started)
		rep.Hosts = st.hostStates()
		st.redactReport(rep)
	}()
	st.prefetchFacts(ctx, plugins, keep)
	for _, p := range plugins {
		if !slices.Contains(keep, p.name) {
			continue
		}
		if ctx.Err() != nil {
			rep.Interrupted = true
			return rep, ctx.Err()
		}
		res := st.runPlugin(ctx, p)
		rep.Checks = append(rep.Checks, res)
		rep.Totals.Merge(res.Counts)
	}
	if ctx.Err() != nil {
		rep.Interrupted = true
		return rep, ctx.Err()
	}
	return rep, nil
}

// runState is what the checks of one run share.
type runState struct {
	roles    *RoleBuilder
	executor Executor
	opts     RunOptions
	redactor *redact.Redactor

	emitMu sync.Mutex // serialises Reporter calls

	downMu  sync.Mutex
	down    map[string]error // the first transport error of each host down
	reached map[string]bool  // hosts that answered a call

	facts factCache // the facts gathered in this run (fact_cache.go)
}

func (st *runState) emit(f Finding) {
	if st.opts.Reporter == nil {
		return
	}
	st.emitMu.Lock()
	defer st.emitMu.Unlock()
	st.opts.Reporter.Finding(f)
}

func (st *runState) redact(s string) string { return st.redactor.Redact(s) }

// redactReport redacts the finished report again, for secrets learned
// during the run (a password typed at a prompt) after some findings,
// probes and artifacts were already recorded; only the streamed copies
// can still hold them.
func (st *runState) redactReport(rep *Report) {
	for _, c := range rep.Checks {
		for i := range c.Findings {
			c.Findings[i].Message = st.redact(c.Findings[i].Message)
			c.Findings[i].Evidence = st.redact(c.Findings[i].Evidence)
			c.Findings[i].Hint = st.redact(c.Findings[i].Hint)
		}
		for i := range c.Probes {
			c.Probes[i].Label = st.redact(c.Probes[i].Label)
			c.Probes[i].Detail = st.redact(c.Probes[i].Detail)
		}
		for i := range c.Artifacts {
			c.Artifacts[i].Remote = st.redact(c.Artifacts[i].Remote)
			c.Artifacts[i].Path = st.redact(c.Artifacts[i].Path)
		}
	}
	for i := range rep.Hosts {
		rep.Hosts[i].Error = st.redact(rep.Hosts[i].Error)
	}
}

// hostStates is what the run learnt of each host its calls went to,
// sorted by host.
func (st *runState) hostStates() []HostState {
	st.downMu.Lock()
	defer st.downMu.Unlock()
	seen := map[string]*HostState{}
	for h := range st.reached {
		seen[h] = &HostState{Host: h, Reached: true}
	}
	for h, err := range st.down {
		hs := seen[h]
		if hs == nil {
			hs = &HostState{Host: h}
			seen[h] = hs
		}
		hs.Unreachable = true
		hs.Error = capMessage(strings.TrimPrefix(err.Error(), ErrHostDown.Error()+": "))
	}
	out := make([]HostState, 0, len(seen))
	for _, hs := range seen {
		out = append(out, *hs)
	}
	slices.SortFunc(out, func(a, b HostState) int { return hostname.Compare(a.Host, b.Host) })
	return out
}

func (st *runState) runPlugin(ctx context.Context, p plugin) *CheckResult {
	c := &Check{name: p.name, run: st, result: &CheckResult{Name: p.name, Findings: []Finding{}}}
	c.Scope = Scope{c: c}
	if st.opts.Reporter != nil {
		st.emitMu.Lock()
		st.opts.Reporter.CheckStarted(p.name)
		st.emitMu.Unlock()
	}
	timeout := st.opts.CheckTimeout
	if t, ok := p.impl.(TimeoutPlugin); ok && t.Timeout() > 0 {
		timeout = t.Timeout()
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	start := time.Now()
	done := make(chan any, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				if wp, ok := v.(*workerPanic); ok {
					done <- panicValue{v: wp.v, stack: wp.stack}
					return
				}
				done <- panicValue{v: v, stack: debug.Stack()}
				return
			}
			done <- nil
		}()
		p.run(pctx, c)
	}()

	var outcome any
	abandoned := false
	select {
	case outcome = <-done:
	case <-pctx.Done():
		select {
		case outcome = <-done:
		case <-time.After(abandonGrace):
			abandoned = true
		}
	}
	switch {
	case outcome != nil:
		pv := outcome.(panicValue)
		c.Key("panic").Hint("a bug in the check: report it with the stack trace (shown with -v)").
			Report(Fail, fmt.Sprintf("check panicked: %v", pv.v), string(pv.stack))
	case ctx.Err() != nil:
		c.Key("interrupted").Hint("the run was stopped before this check finished: run it again").
			Failuref("check interrupted: %v", ctx.Err())
	case pctx.Err() != nil:
		c.Key("timeout").Hint("hosts answered too slowly: raise --timeout, or lower --parallel").
			Failuref("check did not finish within its %v time limit", timeout)
	}
	if abandoned {
		c.Key("abandoned").Hint("a bug in the check: it must return when its context ends").
			Failure("check ignored the end of its context and was abandoned")
	}
	c.mu.Lock()
	res := c.close()
	res.Duration = time.Since(start)
	c.mu.Unlock()
	if st.opts.Reporter != nil {
		st.emitMu.Lock()
		st.opts.Reporter.CheckFinished(res)
		st.emitMu.Unlock()
	}
	return res
}

type panicValue struct {
	v     any
	stack []byte
}

// workerPanic carries a panic of a fan-out worker, with the worker's
// stack, to the plugin goroutine that started the fan-out.
type workerPanic struct {
	v     any
	stack []byte
}

// fanOut calls f(i) for i in [0,n) on at most opts.Parallel goroutines. f
// runs plugin code (RunEach's command builder) and the executor: a panic
// in a worker is re-raised in the caller once every worker is done, where
// the runner's recover turns it into a failure of the check instead of a
// crash of the program.
func (st *runState) fanOut(ctx context.Context, n int, f func(i int)) {
	workers := min(st.opts.Parallel, n)
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var (
		panicMu  sync.Mutex
		panicked *workerPanic
	)
	call := func(i int) {
		defer func() {
			if v := recover(); v != nil {
				wp, ok := v.(*workerPanic)
				if !ok {
					wp = &workerPanic{v: v, stack: debug.Stack()}
				}
				panicMu.Lock()
				if panicked == nil {
					panicked = wp
				}
				panicMu.Unlock()
			}
		}()
		f(i)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				call(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if panicked != nil {
		panic(panicked)
	}
}

// exec runs one executor call with its deadline and the run's record of
// unreachable hosts.
func (st *runState) exec(ctx context.Context, timeout time.Duration, host string, call func(context.Context, Executor) (Output, error)) (Output, error) {
	if st.executor == nil {
		return Output{}, ErrNoExecutor
	}
	if err := ctx.Err(); err != nil {
		return Output{}, err
	}
	st.downMu.Lock()
	derr, isDown := st.down[host]
	st.downMu.Unlock()
	if isDown {
		return Output{}, derr
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cctx = executor.WithCommandLimit(cctx, ctx, timeout)
	out, err := call(cctx, st.executor)
	if err == nil {
		st.downMu.Lock()
		st.reached[host] = true
		st.downMu.Unlock()
		return out, nil
	}
	if cerr := cctx.Err(); cerr != nil {
		// The command's own deadline or the run's cancellation ended the
		// call: the host is not marked down, and the error says so. A
		// transport error that merely arrived late is what it says it is.
		if errors.Is(err, cerr) {
			return out, err
		}
		if !errors.Is(err, ErrTransport) {
			return out, fmt.Errorf("%w (%w)", err, cerr)
		}
	}
	if errors.Is(err, ErrTransport) {
		st.downMu.Lock()
		if _, ok := st.down[host]; !ok {
			st.down[host] = fmt.Errorf("%w: %w", ErrHostDown, err)
		}
		st.downMu.Unlock()
	}
	return out, err
}

func runRedactor(rb *RoleBuilder, opts RunOptions) *redact.Redactor {
	r := opts.Redactor
	if r == nil {
		r = &redact.Redactor{}
	}
	if src := rb.Source(); src != nil {
		r.Add(src.Secrets()...)
	}
	r.Add(opts.Secrets...)
	return r
}
