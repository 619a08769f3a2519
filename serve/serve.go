// Package serve keeps a deployment's health under watch: a Server runs the
// read-only debuggers (and, if asked, the validators) on an interval, keeps
// the last two reports, and serves them over HTTP for people and for
// monitoring:
//
//	/healthz      200 "ok: ..." when the last run had no failure; 503 with
//	              a one-line reason before the first run, when it failed,
//	              and when it is older than three intervals
//	/report.json  the last report as -o json writes it
//	/             the last report as an HTML page (report.WriteHTML)
//	/report       JSON, HTML or text, chosen by the Accept header
//	/metrics      Prometheus metrics (see NewServer)
//
// ?run=previous on the report endpoints gives the report before the last.
// Runs never overlap, each is bounded by Options.RunTimeout, and the
// handlers never wait for one: they serve documents rendered when the run
// ended, from an atomic pointer. Every text served comes from reports the
// runner already redacted; metric labels hold no message text.
//
// The package sits outside the core so that only programs that serve pay
// for Prometheus' client library.
package serve

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/baseline"
	"github.com/org/calyptos/redact"
	"github.com/org/calyptos/report"
)

// Defaults of Options.
const (
	DefaultInterval = 5 * time.Minute
	// DefaultJitter spreads runs by ±10% of the interval, so that several
	// servers watching one deployment do not probe it in step.
	DefaultJitter = 0.1
	// staleIntervals is how many intervals without a new report make
	// /healthz fail.
	staleIntervals = 3
)

// ErrNoDebuggers is returned by NewServer when the plan has nothing to run.
var ErrNoDebuggers = errors.New("serve: no read-only debugger or validator to run")

// Plan is what each run does: the validators (optional) against the
// description, then the debuggers against the live deployment through
// Executor. RunOptions apply to both (Only and Skip may name either); its
// ArtifactsDir and Reporter are ignored: a served run collects nothing and
// streams nothing.
type Plan struct {
	Roles      *calyptos.RoleBuilder
	Executor   calyptos.Executor
	Debuggers  []calyptos.Debugger
	Validators []calyptos.Validator
	RunOptions calyptos.RunOptions
	// Gate, if set, decides which failures count, as --baseline and
	// --waivers do for debug: it is asked for the baseline once per run,
	// after the run (so a waiver file edited between runs applies from the
	// next one), and /healthz, calyptos_healthy and calyptos_runs_total
	// pass a run that has no regression against it. An error fails the
	// run's verdict and says why.
	Gate func() (*baseline.Baseline, error)
	// Strict counts warnings as failures, and new warnings as
	// regressions with Gate.
	Strict bool
}

// Options tune a Server. Zero values select the defaults.
type Options struct {
	// Interval is the time between the end of a run and the start of the
	// next (default DefaultInterval), spread by Jitter.
	Interval time.Duration
	// Jitter is the fraction of Interval each wait is moved by, at random,
	// either way (default DefaultJitter; negative for none).
	Jitter float64
	// RunTimeout bounds each run (default Interval): a run cut short is
	// kept, marked interrupted, and /healthz reports it.
	RunTimeout time.Duration
	// Title heads the HTML page (default "calyptos: <environment name>").
	Title string
	// Logger receives one line per run (default: discard).
	Logger *slog.Logger
	// Now is the clock (default time.Now); tests replace it.
	Now func() time.Time
	// MaxConns bounds the HTTP connections open at once (default
	// DefaultMaxConns); the next ones wait in the listen backlog.
	MaxConns int
}

func (o Options) withDefaults() Options {
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.MaxConns <= 0 {
		o.MaxConns = DefaultMaxConns
	}
	if o.Jitter == 0 {
		o.Jitter = DefaultJitter
	}
	if o.Jitter < 0 {
		o.Jitter = 0
	}
	o.Jitter = min(o.Jitter, 0.5)
	if o.RunTimeout <= 0 {
		o.RunTimeout = o.Interval
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Server runs a Plan on an interval and serves its reports. Create it
// with NewServer; its methods are safe for concurrent use.
type Server struct {
	plan    Plan
	opts    Options
	hosts   []string
	metrics *metrics

	runMu   sync.Mutex // held for the whole of a run: never two at once
	running atomic.Bool
	state   atomic.Pointer[state]
}

// state is what the handlers read: replaced whole, never changed.
type state struct {
	last, previous *snapshot
	// lastErr is why the last attempt made no report ("" when it made
	// one), lastAttempt when it ended.
	lastErr     string
	lastAttempt time.Time
	// lastSuccess is when a run last ended without a failure.
	lastSuccess time.Time
}

// snapshot is one finished run, rendered once for every request.
type snapshot struct {
	rep      *calyptos.Report
	finished time.Time
	// body holds each format ("json", "html", "text"), and gzipped the
	// gzip-encoded copy: a 200-host page is 600 KB, 60 KB compressed.
	body, gzipped map[string][]byte
	hostsUp       map[string]bool // hosts tried: true when they answered
	verdict       verdict
}

// verdict is what a run's report says of the deployment, with the gate.
type verdict struct {
	passed bool
	// regressions counts the failures that count (all of them without a
	// gate); accepted those the gate accepts (waived, or in the baseline).
	regressions, accepted int
	gateErr               string
}

// judge decides whether rep passes: without a gate, Report.Passed; with
// one, no regression against it and a run that ended.
func (s *Server) judge(rep *calyptos.Report) verdict {
	if s.plan.Gate == nil {
		return verdict{passed: rep.Passed(s.plan.Strict), regressions: rep.Totals.Fail}
	}
	b, err := s.plan.Gate()
	if err != nil {
		return verdict{regressions: rep.Totals.Fail, gateErr: s.redact(err.Error())}
	}
	d, err := b.Compare(rep)
	if err != nil {
		return verdict{regressions: rep.Totals.Fail, gateErr: s.redact(err.Error())}
	}
	n := len(d.Regressions(s.plan.Strict))
	return verdict{passed: n == 0 && !rep.Interrupted, regressions: n, accepted: max(0, rep.Totals.Fail-n)}
}

// NewServer checks plan and returns a Server that has not run yet.
func NewServer(plan Plan, opts Options) (*Server, error) {
	if plan.Roles == nil {
		return nil, errors.New("serve: the plan needs Roles")
	}
	if len(plan.Debuggers) > 0 && plan.Executor == nil {
		return nil, errors.New("serve: debuggers need an Executor")
	}
	if len(plan.Debuggers) == 0 && len(plan.Validators) == 0 {
		return nil, ErrNoDebuggers
	}
	names := slices.Concat(names(plan.Validators), names(plan.Debuggers))
	if _, err := calyptos.Select(names, plan.RunOptions.Only, plan.RunOptions.Skip); err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	plan.RunOptions.ArtifactsDir, plan.RunOptions.Reporter = "", nil
	// One redactor for the runs and for what the server says of them (a
	// run's error, the metrics' labels).
	if plan.RunOptions.Redactor == nil {
		plan.RunOptions.Redactor = redact.NewRedactor()
	}
	if src := plan.Roles.Source(); src != nil {
		plan.RunOptions.Redactor.Add(src.Secrets()...)
	}
	plan.RunOptions.Redactor.Add(plan.RunOptions.Secrets...)
	opts = opts.withDefaults()
	if opts.Title == "" {
		opts.Title = "calyptos"
		if src := plan.Roles.Source(); src != nil && src.Identity() != "" {
			opts.Title += ": " + src.Identity()
		}
	}
	s := &Server{plan: plan, opts: opts, hosts: plan.Roles.All()}
	s.metrics = newMetrics(s)
	s.state.Store(&state{})
	return s, nil
}

func names[T interface{ Name() string }](ps []T) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name()
	}
	return out
}

// Run runs the plan now and on the interval until ctx ends, then returns
// once the run in progress (cancelled with ctx) has returned. It never
// returns early because a run failed: a failed run is a report.
func (s *Server) Run(ctx context.Context) {
	for {
		s.RunOnce(ctx)
		t := time.NewTimer(s.nextWait())
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// nextWait is the interval moved by up to ±Jitter of itself.
func (s *Server) nextWait() time.Duration {
	iv := float64(s.opts.Interval)
	return time.Duration(iv + (rand.Float64()*2-1)*s.opts.Jitter*iv)
}

// RunOnce runs the plan once, waiting for a run in progress to end first,
// and publishes its report, unless ctx ended meanwhile (a report cut
// short by a shutdown is not published). It returns the report, or nil
// when the run could not start.
func (s *Server) RunOnce(ctx context.Context) *calyptos.Report {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	if ctx.Err() != nil {
		return nil
	}
	s.running.Store(true)
	defer s.running.Store(false)
	rctx, cancel := context.WithTimeout(ctx, s.opts.RunTimeout)
	defer cancel()
	start := s.opts.Now()
	rep, up, err := s.runPlan(rctx)
	log := s.opts.Logger.With("duration", s.opts.Now().Sub(start).Round(time.Millisecond))
	if ctx.Err() != nil {
		// Shutting down: a report cut short by it says nothing of the
		// deployment, and the last complete one stays.
		log.Info("run cancelled")
		return rep
	}
	if rep != nil && rctx.Err() != nil {
		err = fmt.Errorf("the run did not finish within its %v time limit", s.opts.RunTimeout)
	}
	s.publish(rep, up, err)
	switch {
	case rep == nil:
		log.Error("run failed", "error", s.redact(err.Error()))
	default:
		log.Info("run finished", "pass", rep.Totals.Pass, "fail", rep.Totals.Fail, "warn", rep.Totals.Warn,
			"interrupted", rep.Interrupted, "hosts_down", countDown(up))
	}
	return rep
}

func countDown(up map[string]bool) int {
	n := 0
	for _, ok := range up {
		if !ok {
			n++
		}
	}
	return n
}

func (s *Server) redact(text string) string { return s.plan.RunOptions.Redactor.Redact(text) }

// runPlan runs the validators, then the debuggers, and merges the two
// reports.
func (s *Server) runPlan(ctx context.Context) (*calyptos.Report, map[string]bool, error) {
	all := slices.Concat(names(s.plan.Validators), names(s.plan.Debuggers))
	keep, _ := calyptos.Select(all, s.plan.RunOptions.Only, s.plan.RunOptions.Skip)
	var reps []*calyptos.Report
	var errs []error
	if vs := only(s.plan.Validators, keep); len(vs) > 0 {
		rep, err := calyptos.RunValidators(ctx, s.plan.Roles, vs, s.plainOptions())
		reps, errs = append(reps, rep), append(errs, err)
	}
	if ds := only(s.plan.Debuggers, keep); len(ds) > 0 && ctx.Err() == nil {
		rep, err := calyptos.RunDebuggers(ctx, s.plan.Roles, s.plan.Executor, ds, s.plainOptions())
		reps, errs = append(reps, rep), append(errs, err)
	}
	rep := merge(reps)
	return rep, hostsUp(rep), errors.Join(errs...)
}

// hostsUp maps each host the run's calls went to to whether it was
// reachable (calyptos.HostState).
func hostsUp(rep *calyptos.Report) map[string]bool {
	up := map[string]bool{}
	if rep != nil {
		for _, h := range rep.Hosts {
			up[h.Host] = !h.Unreachable
		}
	}
	return up
}

// plainOptions are the run options without Only and Skip, which runPlan
// applied already (each list of plugins knows only its own names).
func (s *Server) plainOptions() calyptos.RunOptions {
	o := s.plan.RunOptions
	o.Only, o.Skip = nil, nil
	return o
}

func only[T interface{ Name() string }](ps []T, keep []string) []T {
	var out []T
	for _, p := range ps {
		if slices.Contains(keep, p.Name()) {
			out = append(out, p)
		}
	}
	return out
}

// merge joins the reports of one run: the validators' checks, then the
// debuggers'. It is nil when none was made.
func merge(reps []*calyptos.Report) *calyptos.Report {
	var out *calyptos.Report
	for _, r := range reps {
		if r == nil {
			continue
		}
		if out == nil {
			c := *r
			c.Checks = slices.Clone(r.Checks)
			out = &c
			continue
		}
		out.Kind = r.Kind // debug, once the debuggers ran
		out.Checks = append(out.Checks, r.Checks...)
		out.Totals.Merge(r.Totals)
		out.Duration = r.Started.Add(r.Duration).Sub(out.Started)
		out.Interrupted = out.Interrupted || r.Interrupted
		out.Hosts = append(out.Hosts, r.Hosts...)
	}
	return out
}

// publish renders rep (when there is one) and makes it the last report.
func (s *Server) publish(rep *calyptos.Report, up map[string]bool, err error) {
	now := s.opts.Now()
	old := s.state.Load()
	st := &state{last: old.last, previous: old.previous, lastAttempt: now, lastSuccess: old.lastSuccess}
	if rep == nil {
		st.lastErr = s.redact(cmp.Or(errString(err), "no report"))
	} else {
		st.previous, st.last = old.last, s.render(rep, up, now)
		st.last.verdict = s.judge(rep)
		if st.last.verdict.passed {
			st.lastSuccess = now
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			st.lastErr = s.redact(err.Error())
		}
	}
	s.state.Store(st)
	s.metrics.observe(rep, st.last, now)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// render writes rep in every format served, plain and gzipped.
func (s *Server) render(rep *calyptos.Report, up map[string]bool, now time.Time) *snapshot {
	sn := &snapshot{rep: rep, finished: now, hostsUp: up, body: map[string][]byte{}, gzipped: map[string][]byte{}}
	note := fmt.Sprintf("Run of %s; a new run every %v. /report.json, /metrics, /healthz.",
		rep.Started.UTC().Format("2006-01-02 15:04:05 UTC"), s.opts.Interval)
	writers := map[string]func(io.Writer) error{
		"json": func(w io.Writer) error { return report.WriteJSON(w, rep) },
		"html": func(w io.Writer) error {
			return report.WriteHTML(w, rep, report.HTMLOptions{Title: s.opts.Title, Note: note, Refresh: s.opts.Interval})
		},
		"text": func(w io.Writer) error { return report.WriteText(w, rep, report.Options{}) },
	}
	for format, write := range writers {
		var b, z bytes.Buffer
		if err := write(&b); err != nil {
			b.Reset()
			fmt.Fprintf(&b, "the report could not be written as %s\n", format)
		}
		zw, _ := gzip.NewWriterLevel(&z, gzip.BestSpeed)
		zw.Write(b.Bytes())
		zw.Close()
		sn.body[format], sn.gzipped[format] = b.Bytes(), z.Bytes()
	}
	return sn
}
