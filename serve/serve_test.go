package serve

import (
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/baseline"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/report"
)

const secret = "s3cret-value"

// envText describes three hosts; its admin password is a secret.
const envText = `name: watched
default_attributes:
  eucalyptus:
    admin-password: ` + secret + `
    topology:
      clc: [10.0.0.1]
      user-facing: [10.0.0.1]
      clusters:
        one: {cc: [10.0.0.2], sc: [10.0.0.2], nodes: [10.0.0.3]}
`

// fleetDebugger runs "status" on every host: "ok" passes, anything else
// fails with the output as message and evidence, and every host probes
// port 8773 of the next, the result being the host's output too. It is
// read-only. block, when set, holds each run until it is closed.
type fleetDebugger struct {
	block   chan struct{}
	running atomic.Int32
	maxRun  atomic.Int32
}

func (*fleetDebugger) Name() string   { return "fleet" }
func (*fleetDebugger) ReadOnly() bool { return true }

func (d *fleetDebugger) Debug(ctx context.Context, c *calyptos.Check) {
	n := d.running.Add(1)
	defer d.running.Add(-1)
	for {
		m := d.maxRun.Load()
		if n <= m || d.maxRun.CompareAndSwap(m, n) {
			break
		}
	}
	if d.block != nil {
		select {
		case <-d.block:
		case <-ctx.Done():
			return
		}
	}
	hosts := c.Roles().All()
	for i, r := range c.RunOnHosts(ctx, "status", hosts) {
		res := calyptos.ProbeOK
		if !c.HostOK(r) {
			res = calyptos.ProbeUnknown
		} else if out := strings.TrimSpace(r.Stdout); out == "ok" {
			c.OnHost(r.Host).Success("service running")
		} else {
			c.OnHost(r.Host).Report(calyptos.Fail, "service says: "+out, out)
			res = calyptos.ProbeRefused
		}
		c.RecordProbe(calyptos.Probe{From: r.Host, To: hosts[(i+1)%len(hosts)], Port: 8773, Proto: "tcp", Result: res, Detail: r.Stdout})
	}
}

type fixture struct {
	s    *Server
	exec *calyptostest.Executor
	d    *fleetDebugger
	now  *atomic.Pointer[time.Time]
	h    http.Handler
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	rb, err := eucalyptus.Parse("env.yml", []byte(envText))
	require.NoError(t, err)
	f := &fixture{exec: calyptostest.NewExecutor(t), d: &fleetDebugger{}, now: &atomic.Pointer[time.Time]{}}
	t0 := time.Date(2026, 11, 29, 22, 0, 0, 0, time.UTC)
	f.now.Store(&t0)
	opts.Now = func() time.Time { return *f.now.Load() }
	f.s, err = NewServer(Plan{Roles: rb, Executor: f.exec, Debuggers: []calyptos.Debugger{f.d}}, opts)
	require.NoError(t, err)
	f.h = f.s.Handler()
	return f
}

func (f *fixture) allOK() { f.exec.OnMatch("", "status").Stdout("ok\n") }

func (f *fixture) advance(d time.Duration) {
	t := f.now.Load().Add(d)
	f.now.Store(&t)
}

type response struct {
	code int
	body string
	hdr  http.Header
}

func (f *fixture) get(t *testing.T, path string, hdr ...string) response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return response{code: rec.Code, body: rec.Body.String(), hdr: rec.Header()}
}

func TestHealthz(t *testing.T) {
	f := newFixture(t, Options{Interval: time.Minute})
	r := f.get(t, "/healthz")
	assert.Equal(t, http.StatusServiceUnavailable, r.code)
	assert.Equal(t, "starting: no run has completed yet\n", r.body)

	f.allOK()
	require.NotNil(t, f.s.RunOnce(t.Context()))
	r = f.get(t, "/healthz")
	assert.Equal(t, http.StatusOK, r.code)
	assert.Regexp(t, `^ok: 1 check, 3 passed, 0 warnings \(run of 20\d\d-\d\d-\d\dT[0-9:]+Z\)\n$`, r.body)

	f.exec.On("10.0.0.3", "status").Stdout("dead\n")
	f.s.RunOnce(t.Context())
	r = f.get(t, "/healthz")
	assert.Equal(t, http.StatusServiceUnavailable, r.code)
	assert.Regexp(t, `^failing: 1 failure in fleet \(run of [0-9TZ:-]+\)\n$`, r.body)

	f.exec.On("10.0.0.3", "status").Stdout("ok\n")
	f.s.RunOnce(t.Context())
	assert.Equal(t, http.StatusOK, f.get(t, "/healthz").code)
	f.advance(3*time.Minute + time.Second)
	r = f.get(t, "/healthz")
	assert.Equal(t, http.StatusServiceUnavailable, r.code)
	assert.Equal(t, "stale: the last report is 3m1s old (more than 3 intervals of 1m0s)\n", r.body)
	assert.Equal(t, 1, strings.Count(r.body, "\n"), "one line")
}

func TestReportEndpoints(t *testing.T) {
	f := newFixture(t, Options{})
	for _, p := range []string{"/", "/report", "/report.json"} {
		assert.Equal(t, http.StatusServiceUnavailable, f.get(t, p).code, p)
	}
	f.allOK()
	f.s.RunOnce(t.Context())

	r := f.get(t, "/report.json")
	require.Equal(t, http.StatusOK, r.code)
	assert.Equal(t, "application/json", r.hdr.Get("Content-Type"))
	rep, err := report.ReadJSON(strings.NewReader(r.body))
	require.NoError(t, err)
	assert.Equal(t, 3, rep.Totals.Pass)

	r = f.get(t, "/")
	require.Equal(t, http.StatusOK, r.code)
	assert.Equal(t, "text/html; charset=utf-8", r.hdr.Get("Content-Type"))
	assert.Contains(t, r.body, "<title>calyptos: watched</title>")
	assert.Contains(t, r.body, `<meta http-equiv="refresh" content="300">`)
	assert.Contains(t, r.hdr.Get("Content-Security-Policy"), "default-src 'none'")

	assert.Equal(t, http.StatusServiceUnavailable, f.get(t, "/report.json?run=previous").code)
	f.exec.On("10.0.0.2", "status").Stdout("dead\n")
	f.s.RunOnce(t.Context())
	prev, err := report.ReadJSON(strings.NewReader(f.get(t, "/report.json?run=previous").body))
	require.NoError(t, err)
	assert.Zero(t, prev.Totals.Fail)
	last, err := report.ReadJSON(strings.NewReader(f.get(t, "/report.json").body))
	require.NoError(t, err)
	assert.Equal(t, 1, last.Totals.Fail)

	z := f.get(t, "/report.json", "Accept-Encoding", "gzip, deflate")
	assert.Equal(t, "gzip", z.hdr.Get("Content-Encoding"))
	zr, err := gzip.NewReader(strings.NewReader(z.body))
	require.NoError(t, err)
	plain, err := io.ReadAll(zr)
	require.NoError(t, err)
	assert.Equal(t, f.get(t, "/report.json").body, string(plain))
	assert.Empty(t, f.get(t, "/report.json", "Accept-Encoding", "gzip;q=0").hdr.Get("Content-Encoding"))

	assert.Equal(t, http.StatusBadRequest, f.get(t, "/report?run=first").code)
	assert.Equal(t, http.StatusNotFound, f.get(t, "/nothing").code)
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/report.json", nil))
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
}

func TestReportNegotiation(t *testing.T) {
	f := newFixture(t, Options{})
	f.allOK()
	f.s.RunOnce(t.Context())
	tests := []struct {
		accept string
		code   int
		ctype  string
	}{
		{"", http.StatusOK, "application/json"},
		{"*/*", http.StatusOK, "application/json"},
		{"application/json", http.StatusOK, "application/json"},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", http.StatusOK, "text/html; charset=utf-8"},
		{"text/plain", http.StatusOK, "text/plain; charset=utf-8"},
		{"text/*", http.StatusOK, "text/html; charset=utf-8"},
		{"text/*;q=0.5, text/plain", http.StatusOK, "text/plain; charset=utf-8"},
		{"application/json;q=0.1, text/html;q=0.2", http.StatusOK, "text/html; charset=utf-8"},
		{"*/*;q=0.1, application/json;q=0", http.StatusOK, "text/html; charset=utf-8"},
		{"image/png", http.StatusNotAcceptable, ""},
		{"*/*;q=0", http.StatusNotAcceptable, ""},
	}
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			var hdr []string
			if tt.accept != "" {
				hdr = []string{"Accept", tt.accept}
			}
			r := f.get(t, "/report", hdr...)
			assert.Equal(t, tt.code, r.code)
			assert.Equal(t, "Accept", r.hdr.Get("Vary"))
			if tt.ctype != "" {
				assert.Equal(t, tt.ctype, r.hdr.Get("Content-Type"))
			}
		})
	}
	assert.Contains(t, f.get(t, "/report", "Accept", "text/plain").body, "fleet")
}

func TestMetrics(t *testing.T) {
	f := newFixture(t, Options{})
	r := f.get(t, "/metrics")
	require.Equal(t, http.StatusOK, r.code)
	assert.Contains(t, r.body, "calyptos_healthy 0\n")
	assert.NotContains(t, r.body, "calyptos_findings")

	f.exec.On("10.0.0.1", "status").Stdout("ok\n")
	f.exec.On("10.0.0.2", "status").Stdout("dead\n")
	f.exec.HostDown("10.0.0.3")
	f.s.RunOnce(t.Context())
	r = f.get(t, "/metrics")
	for _, line := range []string{
		`calyptos_findings{check="fleet",status="fail"} 2`,
		`calyptos_findings{check="fleet",status="pass"} 1`,
		`calyptos_host_up{host="10.0.0.1"} 1`,
		`calyptos_host_up{host="10.0.0.2"} 1`,
		`calyptos_host_up{host="10.0.0.3"} 0`,
		`calyptos_probes{port="8773",proto="tcp",result="ok",to="10.0.0.2"} 1`,
		`calyptos_probes{port="8773",proto="tcp",result="refused",to="10.0.0.3"} 1`,
		`calyptos_probes{port="8773",proto="tcp",result="unknown",to="10.0.0.1"} 1`,
		`calyptos_runs_total{result="failed"} 1`,
		`calyptos_runs_total{result="passed"} 0`,
		`calyptos_run_in_progress 0`,
		`calyptos_healthy 0`,
		`calyptos_last_run_timestamp_seconds 1.7959896e+09`,
	} {
		assert.Contains(t, r.body, line+"\n")
	}
	assert.Contains(t, r.body, "calyptos_run_duration_seconds ")
	assert.NotContains(t, r.body, "calyptos_last_success_timestamp_seconds")
	assert.NotContains(t, r.body, "dead", "message text in a label")

	f = newFixture(t, Options{})
	f.allOK()
	f.s.RunOnce(t.Context())
	r = f.get(t, "/metrics")
	assert.Contains(t, r.body, "calyptos_last_success_timestamp_seconds 1.7959896e+09\n")
	assert.Contains(t, r.body, `calyptos_runs_total{result="passed"} 1`+"\n")
}

// TestNoSecretReachesAnyEndpoint puts the environment's secret in a
// host's output (so in a message, evidence and a probe detail) and checks
// every endpoint for it.
func TestNoSecretReachesAnyEndpoint(t *testing.T) {
	f := newFixture(t, Options{})
	f.allOK()
	f.exec.On("10.0.0.2", "status").Stdout("password=" + secret + "\n")
	f.s.RunOnce(t.Context())
	for _, p := range []string{"/", "/report", "/report.json", "/healthz", "/metrics"} {
		for _, accept := range []string{"application/json", "text/html", "text/plain"} {
			r := f.get(t, p, "Accept", accept)
			assert.NotContains(t, r.body, secret, p)
			assert.NotContains(t, r.body, "s3cret", p)
		}
	}
	assert.Contains(t, f.get(t, "/report.json").body, "password=[REDACTED]")
}

// TestHandlersNeverWaitForARun holds a run and asks every endpoint: each
// answers (from the last report) while the run is in progress.
func TestHandlersNeverWaitForARun(t *testing.T) {
	f := newFixture(t, Options{})
	f.allOK()
	f.s.RunOnce(t.Context())
	f.d.block = make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.s.RunOnce(context.Background())
	}()
	require.Eventually(t, func() bool { return f.d.running.Load() == 1 }, 10*time.Second, time.Millisecond)
	for _, p := range []string{"/", "/report", "/report.json", "/healthz", "/metrics"} {
		r := f.get(t, p)
		assert.Equal(t, http.StatusOK, r.code, p)
	}
	assert.Contains(t, f.get(t, "/metrics").body, "calyptos_run_in_progress 1\n")
	close(f.d.block)
	<-done
}

func TestNeverTwoRunsAtOnce(t *testing.T) {
	f := newFixture(t, Options{})
	f.allOK()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { f.s.RunOnce(t.Context()) })
	}
	wg.Wait()
	assert.EqualValues(t, 1, f.d.maxRun.Load())
}

func TestRunTimeout(t *testing.T) {
	f := newFixture(t, Options{RunTimeout: 50 * time.Millisecond})
	f.d.block = make(chan struct{}) // never closed: the run's deadline ends it
	rep := f.s.RunOnce(t.Context())
	require.NotNil(t, rep)
	assert.True(t, rep.Interrupted)
	r := f.get(t, "/healthz")
	assert.Equal(t, http.StatusServiceUnavailable, r.code)
	assert.Contains(t, r.body, "failing: the run did not finish within its 50ms time limit")
}

// TestEveryHostDown: a run that reaches nothing is a failing report, and
// the server goes on to the next run.
func TestEveryHostDown(t *testing.T) {
	f := newFixture(t, Options{Interval: time.Millisecond, Jitter: -1, RunTimeout: time.Minute})
	for _, h := range []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"} {
		f.exec.HostDown(h)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.s.Run(ctx)
	}()
	require.Eventually(t, func() bool {
		return strings.Contains(f.get(t, "/metrics").body, `calyptos_runs_total{result="failed"} 3`)
	}, 10*time.Second, time.Millisecond)
	cancel()
	<-done
	r := f.get(t, "/healthz")
	assert.Equal(t, http.StatusServiceUnavailable, r.code)
	assert.Contains(t, r.body, "failing: 3 failures in fleet")
	assert.Contains(t, f.get(t, "/metrics").body, `calyptos_host_up{host="10.0.0.1"} 0`)
}

// TestServeShutsDownCleanly cancels Serve's context during a run: the run
// is cancelled and Serve returns, with the listener closed.
func TestServeShutsDownCleanly(t *testing.T) {
	f := newFixture(t, Options{})
	f.allOK()
	f.d.block = make(chan struct{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- f.s.Serve(ctx, ln) }()
	require.Eventually(t, func() bool { return f.d.running.Load() == 1 }, 10*time.Second, time.Millisecond)
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "starting: no run has completed yet\n", string(body))
	cancel()
	select {
	case err := <-served:
		assert.NoError(t, err)
	case <-time.After(20 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
	assert.Zero(t, f.d.running.Load())
	// The run the shutdown cut short is not published.
	assert.Equal(t, "starting: no run has completed yet\n", f.get(t, "/healthz").body)
	_, err = net.DialTimeout("tcp", ln.Addr().String(), time.Second)
	assert.Error(t, err, "the listener is still open")
}

type writeOnly struct{ calyptos.Debugger }

func (writeOnly) ReadOnly() bool { return false }

type plainDebugger struct{ name string }

func (d plainDebugger) Name() string                         { return d.name }
func (plainDebugger) Debug(context.Context, *calyptos.Check) {}

func TestReadOnly(t *testing.T) {
	ro := &fleetDebugger{}
	keep, dropped := ReadOnly([]calyptos.Debugger{plainDebugger{"unknown"}, ro, writeOnly{plainDebugger{"writer"}}})
	assert.Equal(t, []calyptos.Debugger{ro}, keep)
	assert.Equal(t, []string{"unknown", "writer"}, dropped)
}

func TestNewServerErrors(t *testing.T) {
	rb := calyptos.NewRoleBuilder(map[string][]string{eucalyptus.RoleCLC: {"10.0.0.1"}})
	_, err := NewServer(Plan{Roles: rb}, Options{})
	assert.ErrorIs(t, err, ErrNoDebuggers)
	_, err = NewServer(Plan{Roles: rb, Debuggers: []calyptos.Debugger{&fleetDebugger{}}}, Options{})
	assert.ErrorContains(t, err, "Executor")
	_, err = NewServer(Plan{Roles: rb, Executor: calyptostest.NewExecutor(t), Debuggers: []calyptos.Debugger{&fleetDebugger{}},
		RunOptions: calyptos.RunOptions{Only: []string{"nope"}}}, Options{})
	assert.ErrorIs(t, err, calyptos.ErrUnknownCheck)
}

// stubValidator passes once.
type stubValidator struct{}

func (stubValidator) Name() string { return "structure" }
func (stubValidator) Validate(_ context.Context, c *calyptos.Check) {
	c.Success("described")
}

// TestValidatorsThenDebuggers: with validators, a run's report holds
// their checks first, then the debuggers'; Only may name either kind.
func TestValidatorsThenDebuggers(t *testing.T) {
	rb, err := eucalyptus.Parse("env.yml", []byte(envText))
	require.NoError(t, err)
	exec := calyptostest.NewExecutor(t)
	exec.OnMatch("", "status").Stdout("ok\n")
	plan := Plan{Roles: rb, Executor: exec, Debuggers: []calyptos.Debugger{&fleetDebugger{}}, Validators: []calyptos.Validator{stubValidator{}}}
	s, err := NewServer(plan, Options{})
	require.NoError(t, err)
	rep := s.RunOnce(t.Context())
	require.NotNil(t, rep)
	assert.Equal(t, calyptos.KindDebug, rep.Kind)
	require.Len(t, rep.Checks, 2)
	assert.Equal(t, "structure", rep.Checks[0].Name)
	assert.Equal(t, 4, rep.Totals.Pass)

	plan.RunOptions.Only = []string{"structure"}
	s, err = NewServer(plan, Options{})
	require.NoError(t, err)
	rep = s.RunOnce(t.Context())
	require.Len(t, rep.Checks, 1)
	assert.Equal(t, calyptos.KindValidate, rep.Kind)
}

func TestNegotiateQuality(t *testing.T) {
	assert.Equal(t, 0.5, quality([]string{"text/*;q=0.5"}, "text/html"))
	assert.Equal(t, 1.0, quality([]string{"text/*;q=0.5", "text/html"}, "text/html"))
	assert.Equal(t, 0.0, quality([]string{"image/*"}, "text/html"))
	assert.Equal(t, 1.0, quality([]string{"*/*;q=bogus"}, "text/html"))
	assert.Equal(t, "text", negotiate([]string{"TEXT/PLAIN"}))
}

func TestRunErrorIsRedactedAndOneLine(t *testing.T) {
	f := newFixture(t, Options{})
	st := &state{lastErr: "bad\n" + secret, lastAttempt: time.Now()}
	st.lastErr = f.s.redact(st.lastErr)
	f.s.state.Store(st)
	r := f.get(t, "/healthz")
	assert.Equal(t, "no report: the last run failed: bad [REDACTED]\n", r.body)
}

// TestHealthzWithWaivers: a known failure a waiver accepts keeps /healthz
// and calyptos_healthy green; a waiver file changed between runs applies
// from the next run; a gate that cannot be read fails the verdict.
func TestHealthzWithWaivers(t *testing.T) {
	f := newFixture(t, Options{Interval: time.Minute})
	waivers := []baseline.Waiver{{ID: "fleet/*", Hosts: "10.0.0.3", Reason: "r", Expires: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)}}
	var gateErr error
	var current []baseline.Waiver
	f.s.plan.Gate = func() (*baseline.Baseline, error) { return &baseline.Baseline{Waivers: current}, gateErr }
	f.exec.On("10.0.0.3", "status").Stdout("dead\n")
	f.allOK()

	f.s.RunOnce(t.Context())
	r := f.get(t, "/healthz")
	assert.Equal(t, http.StatusServiceUnavailable, r.code)
	assert.Regexp(t, `^failing: 1 regression not waived nor in the baseline, in fleet`, r.body)

	current = waivers // the waiver file changed
	f.s.RunOnce(t.Context())
	r = f.get(t, "/healthz")
	assert.Equal(t, http.StatusOK, r.code, r.body)
	assert.Contains(t, r.body, "1 failure waived or in the baseline")
	assert.Contains(t, f.get(t, "/metrics").body, "calyptos_healthy 1")

	gateErr = errors.New("waivers.yml:3:5: expires is not a date")
	f.s.RunOnce(t.Context())
	r = f.get(t, "/healthz")
	assert.Equal(t, http.StatusServiceUnavailable, r.code)
	assert.Contains(t, r.body, "the baseline or waivers cannot be used: waivers.yml:3:5")
}
