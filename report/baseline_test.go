package report_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"github.com/org/calyptos/baseline"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/report"
)

// diskCheck reports the free space of / on every host, with a key: its
// messages carry the measured value, its IDs do not.
type diskCheck struct{}

func (diskCheck) Name() string { return "disk" }
func (diskCheck) Debug(ctx context.Context, c *calyptos.Check) {
	hosts := c.Roles().All()
	for _, r := range c.RunOnHosts(ctx, "df /", hosts) {
		if !c.HostOK(r) {
			continue
		}
		s := c.OnHost(r.Host).Key("root-free").Hint("free space on /")
		if strings.HasPrefix(r.Stdout, "9") {
			s.Successf("/ has %s GiB free", strings.TrimSpace(r.Stdout))
		} else {
			s.Failuref("/ has only %s GiB free", strings.TrimSpace(r.Stdout))
		}
		c.OnHost(r.Host).Warningf("load %s", strings.TrimSpace(r.Stdout))
	}
}

func runDisk(t *testing.T, free map[string]string) *calyptos.Report {
	fake := calyptostest.NewExecutor(t)
	for h, v := range free {
		fake.On(h, "df /").Stdout(v)
	}
	rb := calyptos.NewRoleBuilder(map[string][]string{"clc": {"10.0.0.1"}, "nc": {"10.0.0.2"}})
	return calyptostest.RunDebugger(t, rb, fake, diskCheck{}, calyptos.RunOptions{})
}

func caseNames(t *testing.T, rep *calyptos.Report) []string {
	var buf bytes.Buffer
	require.NoError(t, report.WriteJUnit(&buf, rep, report.Options{}))
	var doc struct {
		Suites []struct {
			Cases []struct {
				Class string `xml:"classname,attr"`
				Name  string `xml:"name,attr"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(buf.Bytes(), &doc))
	var out []string
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			out = append(out, c.Class+" "+c.Name)
		}
	}
	return out
}

func TestJUnitCaseNamesStableAcrossRuns(t *testing.T) {
	a := runDisk(t, map[string]string{"10.0.0.1": "91.5", "10.0.0.2": "97.0"})
	b := runDisk(t, map[string]string{"10.0.0.1": "3.2", "10.0.0.2": "99.9"})
	require.Equal(t, 0, a.Totals.Fail)
	require.Equal(t, 1, b.Totals.Fail, "the measured values differ, and one outcome")
	na, nb := caseNames(t, a), caseNames(t, b)
	assert.Equal(t, na, nb)
	assert.Contains(t, na, "calyptos.debug.disk 10.0.0.1: root-free")
	assert.Contains(t, na, "calyptos.debug.disk 10.0.0.2: load")
}

func TestJUnitCarriesHint(t *testing.T) {
	f := calyptos.Finding{Check: "c", Host: "h", Status: calyptos.Fail, Message: "port closed", ID: "c/tcp-1", Hint: "start it", Ref: "https://x/y", Evidence: "ev"}
	var buf bytes.Buffer
	require.NoError(t, report.WriteJUnit(&buf, newReport(calyptos.KindDebug, newCheck("c", 0, f)), report.Options{}))
	assert.Contains(t, buf.String(), `name="h: tcp-1"`)
	assert.Contains(t, buf.String(), `<failure message="port closed" type="fail">hint: start it`+"\nsee: https://x/y\nev</failure>")
}

func TestTextShowsHintAndVerdict(t *testing.T) {
	old := runDisk(t, map[string]string{"10.0.0.1": "91.5", "10.0.0.2": "97.0"})
	cur := runDisk(t, map[string]string{"10.0.0.1": "3.2", "10.0.0.2": "99.9"})
	ws, err := baseline.ParseWaivers("w.yml", []byte("waivers:\n  - id: disk/load\n    hosts: 10.0.0.2\n    reason: busy box\n    expires: 2099-01-01\n  - id: disk/gone\n    reason: old\n    expires: 2020-01-01\n"))
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, report.WriteText(&buf, cur, report.Options{Baseline: &baseline.Baseline{Report: old, Waivers: ws}}))
	out := buf.String()
	assert.Contains(t, out, "[DEBUG FAILED        ] 10.0.0.1: / has only 3.2 GiB free [NEW]\n"+
		"                       hint: free space on /\n")
	assert.Contains(t, out, "10.0.0.2: load 99.9 [STILL FAILING, WAIVED until 2099-01-01: busy box]\n")
	assert.Contains(t, out, "10.0.0.1: load 3.2 [STILL FAILING]\n")
	assert.Contains(t, out, "Compared with the baseline: new 1, still failing 2, fixed 0, unchanged 1\n")
	assert.Contains(t, out, "Waived: 1\n")
	assert.Contains(t, out, "w.yml:6:5: waiver for disk/gone EXPIRED after 2020-01-01 (old)")

	// The other way round the failure is fixed.
	buf.Reset()
	require.NoError(t, report.WriteText(&buf, old, report.Options{Baseline: &baseline.Baseline{Report: cur}}))
	assert.Contains(t, buf.String(), "10.0.0.1: / has 91.5 GiB free [FIXED]\n")
	assert.NotContains(t, buf.String(), "hint:", "passes and unclassified findings carry no hint")
}

func TestTextFixedByAbsence(t *testing.T) {
	old := newReport(calyptos.KindDebug, newCheck("c", 0, calyptos.Finding{Host: "h", Status: calyptos.Fail, Message: "gone\x1b[31m", ID: "c/x"}))
	cur := newReport(calyptos.KindDebug, newCheck("c", 0))
	var buf bytes.Buffer
	require.NoError(t, report.WriteText(&buf, cur, report.Options{Baseline: &baseline.Baseline{Report: old}}))
	assert.Contains(t, buf.String(), "[FIXED        ] c/x on h: no longer reported (was fail): gone\\x1b[31m\n", "fixed on its own ID")
}

func TestReadBaseline(t *testing.T) {
	good := runDisk(t, map[string]string{"10.0.0.1": "91.5", "10.0.0.2": "97.0"})
	var buf bytes.Buffer
	require.NoError(t, report.WriteJSON(&buf, good))
	doc := buf.String()
	got, err := report.ReadBaseline(strings.NewReader(doc), "old.json")
	require.NoError(t, err)
	assert.Equal(t, good.Environment, got.Environment)
	d, err := baseline.Compare(got, good)
	require.NoError(t, err)
	assert.False(t, d.Failed(true))

	var junit bytes.Buffer
	require.NoError(t, report.WriteJUnit(&junit, good, report.Options{}))
	tests := map[string]struct {
		in   string
		want error
		msg  string
	}{
		"empty":       {"", report.ErrNotReport, "old.json: not a calyptos JSON report: the file is empty"},
		"junit":       {junit.String(), report.ErrNotReport, "it is not JSON"},
		"truncated":   {doc[:len(doc)/2], report.ErrNotReport, "the file is truncated"},
		"not report":  {`{"name":"x"}`, report.ErrNotReport, "JSON without kind and checks"},
		"newer":       {strings.Replace(doc, `"schema_version":2`, `"schema_version":3`, 1), report.ErrSchemaVersion, "written by a newer calyptos"},
		"v1":          {strings.Replace(doc, `"schema_version":2`, `"schema_version":1`, 1), report.ErrSchemaVersion, "it has no finding IDs"},
		"no version":  {`{"kind":"debug","checks":[]}`, report.ErrNotReport, "no schema_version"},
		"bad status":  {`{"schema_version":2,"kind":"debug","checks":[{"name":"a","findings":[{"status":"x"}]}]}`, nil, "unknown status"},
		"array":       {`[1,2]`, report.ErrNotReport, "it is not JSON"},
		"trailing {}": {`{"schema_version":2,"kind":"debug","checks":[`, report.ErrNotReport, "truncated"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			rep, err := report.ReadBaseline(strings.NewReader(tt.in), "old.json")
			require.Error(t, err)
			assert.Nil(t, rep)
			if tt.want != nil {
				assert.ErrorIs(t, err, tt.want)
			}
			assert.Contains(t, err.Error(), tt.msg)
			assert.True(t, strings.HasPrefix(err.Error(), "old.json: "), err.Error())
		})
	}
}

func FuzzReadBaseline(f *testing.F) {
	f.Add([]byte(`{"schema_version":2,"kind":"debug","checks":[{"name":"a","findings":[{"check":"a","id":"a/b","status":"fail","message":"m"}]}]}`))
	f.Add([]byte(`{"schema_version":2,"kind":"debug","checks":[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := report.ReadBaseline(bytes.NewReader(data), "f")
		if err != nil {
			return
		}
		// Whatever was read compares with itself without a regression.
		if d, err := baseline.Compare(rep, rep); err == nil && d.Failed(true) {
			t.Fatalf("a report regresses against itself: %+v", d.Regressions(true))
		}
	})
}

// TestDiffTextLeadsWithRegressions: counts first, then NEW, FIXED (a
// failure no longer reported included), STILL FAILING, whatever the order
// of the checks; hints only under the new ones.
func TestDiffTextLeadsWithRegressions(t *testing.T) {
	old := newReport(calyptos.KindDebug, newCheck("a", 0,
		calyptos.Finding{Check: "a", ID: "a/still", Host: "h", Status: calyptos.Fail, Message: "still bad", Hint: "fix a"},
		calyptos.Finding{Check: "a", ID: "a/gone", Host: "h", Status: calyptos.Fail, Message: "port closed"}),
		newCheck("b", 0, calyptos.Finding{Check: "b", ID: "b/new", Host: "h", Status: calyptos.Pass, Message: "ok"}))
	cur := newReport(calyptos.KindDebug, newCheck("a", 0,
		calyptos.Finding{Check: "a", ID: "a/still", Host: "h", Status: calyptos.Fail, Message: "still bad", Hint: "fix a"},
		calyptos.Finding{Check: "a", ID: "a/open", Host: "h", Status: calyptos.Pass, Message: "port open"}),
		newCheck("b", 0, calyptos.Finding{Check: "b", ID: "b/new", Host: "h", Status: calyptos.Fail, Message: "broke", Hint: "fix b"}))
	old.Environment, cur.Environment = "e", "e"
	d, err := baseline.Compare(old, cur)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, report.WriteDiff(&buf, d, report.Text, report.Options{}))
	assert.Equal(t, "Summary: new 1, still failing 1, fixed 1, unchanged 1\n"+
		"Regressions: 1\n"+
		"[NEW          ] b/new on h: fail (was pass): broke\n"+
		"                hint: fix b\n"+
		"[FIXED        ] a/gone on h: no longer reported (was fail): port closed\n"+
		"[STILL FAILING] a/still on h: fail: still bad\n", buf.String())
}
