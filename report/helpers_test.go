package report_test

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/org/calyptos"
)

// t0 is the start time of every test report.
func t0() time.Time { return time.Date(2026, 11, 25, 4, 0, 0, 0, time.UTC) }

// newCheck builds a check result from findings, counting them.
func newCheck(name string, d time.Duration, fs ...calyptos.Finding) *calyptos.CheckResult {
	c := &calyptos.CheckResult{Name: name, Findings: []calyptos.Finding{}, Duration: d}
	for _, f := range fs {
		f.Check = name
		c.Findings = append(c.Findings, f)
		c.Counts.Add(f.Status)
	}
	return c
}

// newReport builds a report of checks, summing their counts.
func newReport(kind calyptos.Kind, checks ...*calyptos.CheckResult) *calyptos.Report {
	rep := &calyptos.Report{Kind: kind, Started: t0(), Duration: 2500 * time.Millisecond, Checks: []*calyptos.CheckResult{}}
	for _, c := range checks {
		rep.Checks = append(rep.Checks, c)
		rep.Totals.Merge(c.Counts)
	}
	return rep
}

func fnd(host string, st calyptos.Status, msg string) calyptos.Finding {
	return calyptos.Finding{Host: host, Status: st, Message: msg}
}

// bigReport has n findings over 100 checks, every status, half of them
// with evidence.
func bigReport(n int) *calyptos.Report {
	rep := newReport(calyptos.KindDebug)
	per := max(n/100, 1)
	for c := 0; c < n; c += per {
		cr := &calyptos.CheckResult{Name: "check_" + strconv.Itoa(c/per), Duration: time.Second}
		for i := 0; i < per && c+i < n; i++ {
			st := calyptos.Status(i%5 + 1)
			f := calyptos.Finding{Check: cr.Name, Host: "10.0." + strconv.Itoa(i/250%250) + "." + strconv.Itoa(i%250), Status: st,
				Message: "service eucalyptus-cloud is running, listening on port " + strconv.Itoa(8000+i%1000)}
			if i%2 == 0 {
				f.Evidence = "tcp LISTEN 0 128 *:8773 *:* users:((\"java\",pid=1234,fd=10))"
			}
			cr.Findings = append(cr.Findings, f)
			cr.Counts.Add(st)
		}
		rep.Checks = append(rep.Checks, cr)
		rep.Totals.Merge(cr.Counts)
	}
	return rep
}

// fakeValidator reports the findings it is given, in order.
type fakeValidator struct {
	name     string
	findings []calyptos.Finding
	probes   []calyptos.Probe
}

func (v fakeValidator) Name() string { return v.name }

func (v fakeValidator) Validate(_ context.Context, c *calyptos.Check) {
	for _, f := range v.findings {
		c.OnHost(f.Host).Report(f.Status, f.Message, f.Evidence)
	}
	for _, p := range v.probes {
		c.RecordProbe(p)
	}
}

// errWriter fails every write after the first n bytes.
type errWriter struct {
	n       int
	written int
}

var errDiskFull = errors.New("disk full")

func (w *errWriter) Write(p []byte) (int, error) {
	if w.written+len(p) > w.n {
		return 0, errDiskFull
	}
	w.written += len(p)
	return len(p), nil
}
