package serve

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
)

// portMeshDebugger has every host probe ports 1..ports of every other host,
// under a protocol name a plugin made up.
type portMeshDebugger struct{ ports int }

func (portMeshDebugger) Name() string   { return "portmesh" }
func (portMeshDebugger) ReadOnly() bool { return true }

func (d portMeshDebugger) Debug(_ context.Context, c *calyptos.Check) {
	hosts := c.Roles().All()
	for _, from := range hosts {
		for _, to := range hosts {
			for port := 1; port <= d.ports; port++ {
				if from != to {
					c.RecordProbe(calyptos.Probe{From: from, To: to, Port: port, Proto: "TCP over " + from, Result: calyptos.ProbeOK})
				}
			}
		}
	}
	c.Success("meshed")
}

func parseExposition(t *testing.T, body string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(body))
	require.NoError(t, err, body)
	return mfs
}

// TestMetricsExpositionParsesAndIsBounded parses /metrics with
// Prometheus' own parser, checks the naming conventions, and that the
// probe series grow with the targets, not with sources × targets (a full
// mesh of 200 hosts would otherwise be 40000 series per port), and that a
// plugin's protocol name cannot make new label values.
func TestMetricsExpositionParsesAndIsBounded(t *testing.T) {
	f := newFixture(t, Options{})
	f.allOK()
	f.s.plan.Debuggers = append(f.s.plan.Debuggers, portMeshDebugger{ports: 4})
	f.s.RunOnce(t.Context())
	mfs := parseExposition(t, f.get(t, "/metrics").body)
	for name, mf := range mfs {
		assert.NotEmpty(t, mf.GetHelp(), name)
		assert.True(t, strings.HasPrefix(name, "calyptos_"), name)
		if mf.GetType() == dto.MetricType_COUNTER {
			assert.True(t, strings.HasSuffix(name, "_total"), name)
		}
	}
	var probes int
	for name, mf := range mfs {
		if !strings.Contains(name, "probe") {
			continue
		}
		for _, m := range mf.GetMetric() {
			probes++
			for _, l := range m.GetLabel() {
				assert.NotEqual(t, "from", l.GetName(), "a label per source is quadratic in hosts")
				if l.GetName() == "proto" {
					assert.Contains(t, []string{"tcp", "udp", "icmp", "other"}, l.GetValue())
				}
			}
		}
	}
	// 3 targets × (4 mesh ports + fleet's 8773) × at most 2 results seen.
	assert.LessOrEqual(t, probes, 3*5*2)
	assert.Positive(t, probes)
}

type panicDebugger struct{}

func (panicDebugger) Name() string   { return "boom" }
func (panicDebugger) ReadOnly() bool { return true }
func (panicDebugger) Debug(ctx context.Context, c *calyptos.Check) {
	c.RunOnHosts(ctx, "status", c.Roles().All())
	panic("boom " + secret)
}

// TestPanickingRunKeepsServing: a debugger that panics is a failed check
// in a report, the server goes on, and the panic value (which may hold
// host text) is redacted.
func TestPanickingRunKeepsServing(t *testing.T) {
	f := newFixture(t, Options{})
	f.allOK()
	f.s.plan.Debuggers = append(f.s.plan.Debuggers, panicDebugger{})
	require.NotPanics(t, func() { f.s.RunOnce(t.Context()) })
	require.NotPanics(t, func() { f.s.RunOnce(t.Context()) })
	for _, p := range []string{"/", "/report.json", "/healthz", "/metrics", "/report?run=previous"} {
		r := f.get(t, p)
		assert.NotContains(t, r.body, secret, p)
	}
	assert.Contains(t, f.get(t, "/healthz").body, "failing")
	assert.Contains(t, f.get(t, "/metrics").body, `calyptos_runs_total{result="failed"} 2`)
}

// TestMethods: HEAD answers like GET without a body; other methods are
// refused with 405 and an Allow header.
func TestMethods(t *testing.T) {
	f := newFixture(t, Options{})
	f.allOK()
	f.s.RunOnce(t.Context())
	for _, p := range []string{"/", "/report", "/report.json", "/metrics", "/healthz"} {
		req := httptest.NewRequest(http.MethodHead, p, nil)
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, req)
		assert.Equal(t, http.StatusOK, rec.Code, p)
		for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
			rec := httptest.NewRecorder()
			f.h.ServeHTTP(rec, httptest.NewRequest(m, p, strings.NewReader("x")))
			assert.Equal(t, http.StatusMethodNotAllowed, rec.Code, m+" "+p)
			assert.Contains(t, rec.Header().Get("Allow"), "GET", m+" "+p)
		}
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/nope", nil))
	assert.Equal(t, http.StatusNotFound, rec.Code)
}

// failingListener fails every Accept.
type failingListener struct{ net.Listener }

func (failingListener) Accept() (net.Conn, error) {
	return nil, errors.New("accept: too many open files (test)")
}

// TestServeReturnsWhenTheListenerFails: a listener that fails ends Serve
// with its error (the program exits and a supervisor restarts it) instead
// of leaving a server that runs checks but answers nobody.
func TestServeReturnsWhenTheListenerFails(t *testing.T) {
	f := newFixture(t, Options{Interval: time.Hour})
	f.allOK()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- f.s.Serve(t.Context(), failingListener{ln}) }()
	select {
	case err := <-done:
		require.Error(t, err)
		assert.Contains(t, err.Error(), "too many open files")
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after its listener failed")
	}
}

// TestSlowClientIsCutOff: a client that never finishes its request
// headers (slow loris) is disconnected after readHeaderTimeout, while
// another client is served meanwhile.
func TestSlowClientIsCutOff(t *testing.T) {
	f := newFixture(t, Options{Interval: time.Hour})
	f.allOK()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- f.s.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()

	slow, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer slow.Close()
	_, err = slow.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "))
	require.NoError(t, err)

	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()

	start := time.Now()
	require.NoError(t, slow.SetReadDeadline(time.Now().Add(3*readHeaderTimeout)))
	_, err = slow.Read(make([]byte, 1024))
	assert.Error(t, err, "the connection was closed") // EOF or reset, not a deadline
	var ne net.Error
	assert.False(t, errors.As(err, &ne) && ne.Timeout(), "the server kept the slow client")
	assert.Less(t, time.Since(start), 2*readHeaderTimeout)
}
