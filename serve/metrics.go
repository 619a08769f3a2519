package serve

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/org/calyptos"
)

// metrics is the Server's Prometheus registry: its own, not the global
// one, so that two Servers in one program (or a test) do not collide. The
// report's series (hundreds at 200 hosts) are built and encoded once per
// run (runSeries, encodeSeries); a scrape gathers only the few live ones
// and writes the report's text after them.
type metrics struct {
	reg  *prometheus.Registry
	runs *prometheus.CounterVec
	// reportText is the report's series in the text exposition format.
	reportText atomic.Pointer[[]byte]
	s          *Server

	findings, checkDur, hostUp, probe    *prometheus.Desc
	runDur, lastRun, lastSuccess, health *prometheus.Desc
	running                              *prometheus.Desc
}

func newMetrics(s *Server) *metrics {
	m := &metrics{reg: prometheus.NewRegistry(), s: s}
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("calyptos_"+name, help, labels, nil)
	}
	m.findings = d("findings", "Findings of the last run, per check and status.", "check", "status")
	m.checkDur = d("check_duration_seconds", "How long each check of the last run took.", "check")
	m.hostUp = d("host_up", "1 when the host answered during the last run, 0 when it could not be reached.", "host")
	// Per target, not per (source, target): a full mesh of 200 hosts would
	// be 40000 series per port.
	m.probe = d("probes", "Reachability probes of the last run to each target (host, port, protocol), by result: how many sources got it.", "to", "port", "proto", "result")
	m.runDur = d("run_duration_seconds", "How long the last run took.")
	m.lastRun = d("last_run_timestamp_seconds", "When the last run ended (Unix time).")
	m.lastSuccess = d("last_success_timestamp_seconds", "When a run last ended without a failure (Unix time); absent until one has.")
	m.health = d("healthy", "1 when /healthz answers 200.")
	m.running = d("run_in_progress", "1 while a run is in progress.")
	m.runs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "calyptos_runs_total", Help: "Runs ended, by result: passed, failed (a failure or interrupted) or error (no report).",
	}, []string{"result"})
	for _, r := range []string{"passed", "failed", "error"} {
		m.runs.WithLabelValues(r)
	}
	m.reg.MustRegister(m, m.runs)
	return m
}

// Describe implements prometheus.Collector for the live series.
func (m *metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{m.lastSuccess, m.health, m.running} {
		ch <- d
	}
}

// Collect implements prometheus.Collector for the live series.
func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	st := m.s.state.Load()
	if !st.lastSuccess.IsZero() {
		ch <- prometheus.MustNewConstMetric(m.lastSuccess, prometheus.GaugeValue, unixSeconds(st.lastSuccess))
	}
	ok, _ := m.s.health()
	ch <- prometheus.MustNewConstMetric(m.health, prometheus.GaugeValue, boolValue(ok))
	ch <- prometheus.MustNewConstMetric(m.running, prometheus.GaugeValue, boolValue(m.s.running.Load()))
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// observe counts a run and builds the series of its report.
func (m *metrics) observe(rep *calyptos.Report, last *snapshot, now time.Time) {
	switch {
	case rep == nil:
		m.runs.WithLabelValues("error").Inc()
		return
	case !last.verdict.passed:
		m.runs.WithLabelValues("failed").Inc()
	default:
		m.runs.WithLabelValues("passed").Inc()
	}
	text, err := encodeSeries(m.runSeries(rep, m.s.state.Load().last, now))
	if err != nil {
		text = nil // the live series still go out
	}
	m.reportText.Store(&text)
}

// seriesCollector hands out fixed series, to gather them once.
type seriesCollector []prometheus.Metric

func (c seriesCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, x := range c {
		ch <- x.Desc()
	}
}

func (c seriesCollector) Collect(ch chan<- prometheus.Metric) {
	for _, x := range c {
		ch <- x
	}
}

// encodeSeries gathers series through a registry of their own, which
// checks them (names, label sets, no duplicates), and encodes them in the
// text exposition format.
func encodeSeries(series []prometheus.Metric) ([]byte, error) {
	reg := prometheus.NewRegistry()
	if err := reg.Register(seriesCollector(series)); err != nil {
		return nil, err
	}
	mfs, err := reg.Gather()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	enc := expfmt.NewEncoder(&b, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return nil, err
		}
	}
	return b.Bytes(), nil
}

// serveMetrics writes the live series, then the last report's.
func (m *metrics) serveMetrics(w http.ResponseWriter, _ *http.Request) {
	mfs, err := m.reg.Gather()
	if err != nil {
		http.Error(w, "gathering metrics failed", http.StatusInternalServerError)
		return
	}
	format := expfmt.NewFormat(expfmt.TypeTextPlain)
	var b bytes.Buffer
	enc := expfmt.NewEncoder(&b, format)
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			http.Error(w, "encoding metrics failed", http.StatusInternalServerError)
			return
		}
	}
	w.Header().Set("Content-Type", string(format))
	w.Write(b.Bytes())
	if p := m.reportText.Load(); p != nil {
		w.Write(*p)
	}
}

// runSeries returns the series of one report. Label values are check
// names, host names and ports from the environment and fixed words, all
// passed through the run's redactor; no message reaches a label.
func (m *metrics) runSeries(rep *calyptos.Report, sn *snapshot, now time.Time) []prometheus.Metric {
	red := m.s.redact
	gauge := func(d *prometheus.Desc, v float64, labels ...string) prometheus.Metric {
		return prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	out := []prometheus.Metric{
		gauge(m.runDur, rep.Duration.Seconds()),
		gauge(m.lastRun, unixSeconds(now)),
	}
	seen := map[string]bool{}
	for _, c := range rep.Checks {
		if c == nil || seen[c.Name] {
			continue
		}
		seen[c.Name] = true
		name := red(c.Name)
		for _, st := range []calyptos.Status{calyptos.Pass, calyptos.Warn, calyptos.Fail, calyptos.Info, calyptos.Skip} {
			out = append(out, gauge(m.findings, float64(count(c.Counts, st)), name, st.String()))
		}
		out = append(out, gauge(m.checkDur, c.Duration.Seconds(), name))
	}
	if sn != nil {
		for _, h := range m.s.hosts {
			if up, tried := sn.hostsUp[h]; tried {
				out = append(out, gauge(m.hostUp, boolValue(up), red(h)))
			}
		}
	}
	return append(out, m.probeSeries(rep)...)
}

// probeSeries returns, per target and result, how many sources got that
// result, a pair probed twice counting with its worst result.
func (m *metrics) probeSeries(rep *calyptos.Report) []prometheus.Metric {
	type pair struct {
		from, to, proto string
		port            int
	}
	type target struct {
		to, proto string
		port      int
		result    calyptos.ProbeResult
	}
	red := m.s.redact
	worst := map[pair]calyptos.ProbeResult{}
	var order []pair
	for _, p := range rep.Probes() {
		k := pair{p.From, p.To, normalProto(p.Proto), p.Port}
		r := normalResult(p.Result)
		prev, ok := worst[k]
		if !ok {
			order = append(order, k)
		}
		if !ok || prev == calyptos.ProbeOK {
			worst[k] = r
		}
	}
	counts := map[target]int{}
	var targets []target
	for _, k := range order {
		t := target{k.to, k.proto, k.port, worst[k]}
		if counts[t] == 0 {
			targets = append(targets, t)
		}
		counts[t]++
	}
	out := make([]prometheus.Metric, 0, len(targets))
	for _, t := range targets {
		out = append(out, prometheus.MustNewConstMetric(m.probe, prometheus.GaugeValue, float64(counts[t]),
			red(t.to), strconv.Itoa(t.port), t.proto, string(t.result)))
	}
	return out
}

// normalProto keeps the proto label to a few known values.
func normalProto(p string) string {
	switch p = strings.ToLower(p); p {
	case "tcp", "udp", "icmp":
		return p
	}
	return "other"
}

// normalResult keeps the result label to the five known values: any other
// result a plugin records is counted as "error".
func normalResult(r calyptos.ProbeResult) calyptos.ProbeResult {
	switch r {
	case calyptos.ProbeOK, calyptos.ProbeRefused, calyptos.ProbeTimeout, calyptos.ProbeError, calyptos.ProbeUnknown:
		return r
	}
	return calyptos.ProbeError
}

func count(c calyptos.Counts, st calyptos.Status) int {
	switch st {
	case calyptos.Pass:
		return c.Pass
	case calyptos.Warn:
		return c.Warn
	case calyptos.Fail:
		return c.Fail
	case calyptos.Info:
		return c.Info
	}
	return c.Skip
}
