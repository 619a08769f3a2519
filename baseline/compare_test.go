package baseline

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
)

// rep builds a debug report of one check from findings written
// "status id host".
func rep(check string, lines ...string) *calyptos.Report {
	r := &calyptos.Report{Kind: calyptos.KindDebug, Environment: "env"}
	c := &calyptos.CheckResult{Name: check}
	for _, l := range lines {
		p := strings.Fields(l)
		var st calyptos.Status
		if err := st.UnmarshalText([]byte(p[0])); err != nil {
			panic(err)
		}
		f := calyptos.Finding{Check: check, Status: st, ID: check + "/" + p[1], Message: l}
		if len(p) > 2 {
			f.Host = p[2]
		}
		c.Findings = append(c.Findings, f)
		c.Counts.Add(st)
	}
	r.Checks = []*calyptos.CheckResult{c}
	r.Totals = c.Counts
	return r
}

func classes(d *Diff) []string {
	var out []string
	for _, ch := range d.Changes {
		out = append(out, string(ch.Class)+" "+ch.ID+" "+ch.Host)
	}
	return out
}

func TestCompareClassifies(t *testing.T) {
	old := rep("ports",
		"fail tcp-8773 h1", // still failing
		"fail tcp-8443 h1", // fixed: passes now
		"fail tcp-22 h1",   // fixed: gone
		"pass tcp-80 h1",   // regressed
		"warn disk h1",     // warn -> fail: new
		"fail mem h1",      // fail -> warn: still
		"pass same h1",
	)
	cur := rep("ports",
		"fail tcp-8773 h1",
		"pass tcp-8443 h1",
		"fail tcp-80 h1",
		"fail disk h1",
		"warn mem h1",
		"pass same h1",
		"fail tcp-8773 h2", // same ID, other host: new
		"info note h1",     // not classified
	)
	d, err := Compare(old, cur)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"still ports/tcp-8773 h1",
		"fixed ports/tcp-8443 h1",
		"new ports/tcp-80 h1",
		"new ports/disk h1",
		"still ports/mem h1",
		"unchanged ports/same h1",
		"new ports/tcp-8773 h2",
		"fixed ports/tcp-22 h1",
	}, classes(d))
	assert.Equal(t, DiffCounts{New: 3, Still: 2, Fixed: 2, Unchanged: 1}, d.Counts)
	assert.True(t, d.Failed(false))
	require.Len(t, d.Regressions(false), 3)
	assert.Equal(t, calyptos.Pass, d.Changes[2].Was)
}

func TestCompareSameReportHasNoRegression(t *testing.T) {
	r := rep("ports", "fail tcp-8773 h1", "warn disk h1", "pass x h1")
	d, err := Compare(r, r)
	require.NoError(t, err)
	assert.False(t, d.Failed(true))
	assert.Equal(t, DiffCounts{Still: 2, Unchanged: 1}, d.Counts)
}

func TestCompareStrictCountsNewWarnings(t *testing.T) {
	d, err := Compare(rep("c", "pass disk h"), rep("c", "warn disk h"))
	require.NoError(t, err)
	assert.False(t, d.Failed(false))
	assert.True(t, d.Failed(true))
}

func TestCompareSkipsChecksThatDidNotRun(t *testing.T) {
	old := rep("a", "fail x h")
	cur := rep("b", "pass y h")
	d, err := Compare(old, cur)
	require.NoError(t, err)
	assert.Equal(t, []string{"unchanged b/y h"}, classes(d))
}

func TestCompareRefuses(t *testing.T) {
	base := rep("c", "fail x h")
	otherEnv := rep("c", "fail x h")
	otherEnv.Environment = "prod"
	otherKind := rep("c", "fail x h")
	otherKind.Kind = calyptos.KindValidate
	noID := rep("c", "fail x h")
	noID.Checks[0].Findings[0].ID = ""
	for name, tt := range map[string]struct {
		old, cur *calyptos.Report
		want     string
	}{
		"environment": {base, otherEnv, `environment "env"`},
		"kind":        {base, otherKind, "a debug report and the new one a validate report"},
		"old no IDs":  {noID, base, "the baseline has a finding without an ID"},
		"new no IDs":  {base, noID, "the new report has a finding without an ID"},
		"nil new":     {base, nil, "no report"},
		"nil old":     {nil, base, "no baseline"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Compare(tt.old, tt.cur)
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrIncomparable))
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestWaivers(t *testing.T) {
	ws, err := ParseWaivers("w.yml", []byte(`
waivers:
  - id: ports/tcp-8773
    hosts: "10.0.0.*"
    reason: moved to 8774 (OPS-1)
    expires: 2027-01-31
  - id: ports/disk
    reason: old disk
    expires: 2026-01-01
  - id: "mem/*"
    reason: any memory finding
    expires: 2030-12-31
`))
	require.NoError(t, err)
	require.Len(t, ws, 3)
	assert.Equal(t, "2027-01-31", ws[0].Day())
	assert.Equal(t, 3, ws[0].Pos.Line)

	b := &Baseline{Waivers: ws, Now: time.Date(2027, 1, 31, 23, 59, 0, 0, time.UTC)}
	cur := rep("ports", "fail tcp-8773 10.0.0.5", "fail tcp-8773 10.1.0.5", "fail disk h", "pass tcp-80 h")
	d, err := b.Compare(cur)
	require.NoError(t, err)
	require.Len(t, d.Changes, 4)
	assert.True(t, d.Changes[0].Accepted(), "waived on its last day")
	assert.False(t, d.Changes[0].Regression(false))
	assert.Nil(t, d.Changes[1].Waiver, "host pattern does not match")
	assert.True(t, d.Changes[2].Expired)
	assert.True(t, d.Changes[2].Regression(false), "an expired waiver fails the run")
	assert.Equal(t, DiffCounts{New: 3, Unchanged: 1, Waived: 1, Expired: 1}, d.Counts)

	// A day later the first waiver has expired too.
	b2 := &Baseline{Waivers: ws, Now: time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)}
	assert.True(t, b2.Classify(cur.Checks[0].Findings[0]).Expired)

	// Against a baseline that had the failure, an expired waiver still fails.
	b3 := &Baseline{Report: rep("ports", "fail disk h"), Waivers: ws, Now: b.Now}
	v := b3.Classify(cur.Checks[0].Findings[2])
	assert.Equal(t, ClassStill, v.Class)
	assert.True(t, Change{Finding: cur.Checks[0].Findings[2], Verdict: v}.Regression(false))
}

func TestParseWaiversErrors(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"bad date":      {"waivers:\n  - id: a/b\n    reason: r\n    expires: 31/01/2027\n", `w.yml:4:14: expires "31/01/2027" is not a date (YYYY-MM-DD)`},
		"missing":       {"waivers:\n  - id: a/b\n", "w.yml:2:5: a waiver needs reason"},
		"unknown key":   {"waivers:\n  - id: a/b\n    reason: r\n    expires: 2027-01-01\n    host: x\n", `unknown key "host"`},
		"not a list":    {"waivers: 3\n", "waivers: expected a list"},
		"not a mapping": {"- a\n", "expected a mapping with a waivers: list"},
		"bad id":        {"waivers:\n  - id: nokey\n    reason: r\n    expires: 2027-01-01\n", `id "nokey" is not a finding ID`},
		"bad pattern":   {"waivers:\n  - id: a/b\n    hosts: '[x'\n    reason: r\n    expires: 2027-01-01\n", `hosts "[x" is not a valid pattern`},
		"syntax":        {"waivers: [\n", "w.yml:"},
		"top key":       {"waiver:\n  - id: a/b\n", `unknown key "waiver"`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ParseWaivers("w.yml", []byte(tt.in))
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrInvalidWaivers))
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	ws, err := ParseWaivers("w.yml", nil)
	require.NoError(t, err)
	assert.Empty(t, ws)
}

func FuzzParseWaivers(f *testing.F) {
	f.Add([]byte("waivers:\n  - id: a/b\n    hosts: '*'\n    reason: r\n    expires: 2027-01-01\n"))
	f.Add([]byte("waivers: [{id: a/b}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ws, err := ParseWaivers("w.yml", data)
		if err != nil {
			return
		}
		for _, w := range ws {
			if w.ID == "" || w.Reason == "" || w.Expires.IsZero() {
				t.Fatalf("accepted an incomplete waiver %+v", w)
			}
		}
	})
}

func TestWaiverJSON(t *testing.T) {
	ws, err := ParseWaivers("w.yml", []byte("waivers:\n  - id: a/b\n    hosts: h*\n    reason: r\n    expires: 2027-01-31\n"))
	require.NoError(t, err)
	b, err := json.Marshal(ws[0])
	require.NoError(t, err)
	assert.JSONEq(t, `{"id":"a/b","hosts":"h*","reason":"r","expires":"2027-01-31"}`, string(b))
}

// BenchmarkCompare compares two reports of 20,000 findings (200 hosts ×
// 100 checked things), a tenth of them failing in each.
func BenchmarkCompare(b *testing.B) {
	mk := func(seed int) *calyptos.Report {
		r := &calyptos.Report{Kind: calyptos.KindDebug, Environment: "env"}
		c := &calyptos.CheckResult{Name: "c"}
		for h := range 200 {
			for k := range 100 {
				st := calyptos.Pass
				if (h+k+seed)%10 == 0 {
					st = calyptos.Fail
				}
				c.Findings = append(c.Findings, calyptos.Finding{Check: "c", ID: fmt.Sprintf("c/key-%d", k), Host: fmt.Sprintf("10.0.%d.%d", h/256, h%256), Status: st, Message: "m"})
			}
		}
		r.Checks = []*calyptos.CheckResult{c}
		return r
	}
	old, cur := mk(0), mk(1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compare(old, cur); err != nil {
			b.Fatal(err)
		}
	}
}

func TestWaiverRefusesDuplicateKeysAndCatchAll(t *testing.T) {
	for name, tt := range map[string]struct{ doc, want string }{
		"two ids": {"waivers:\n  - id: a/x\n    id: b/y\n    reason: r\n    expires: 2030-01-01\n",
			"waivers.yml:3:5: id is set twice (first at line 2)"},
		"catch-all": {"waivers:\n  - id: '*/*'\n    hosts: '*'\n    reason: r\n    expires: 2030-01-01\n",
			`waivers.yml:2:9: id "*/*" waives every finding of every check`},
		"wildcards only": {"waivers:\n  - {id: '?*/*', reason: r, expires: 2030-01-01}\n", "waives every finding"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseWaivers("waivers.yml", []byte(tt.doc))
			require.ErrorIs(t, err, ErrInvalidWaivers)
			assert.ErrorContains(t, err, tt.want)
		})
	}
	ws, err := ParseWaivers("waivers.yml", []byte("waivers:\n  - {id: 'check_ports/*', hosts: '*', reason: r, expires: 2030-01-01}\n"))
	require.NoError(t, err, "a check's every finding may be waived")
	require.Len(t, ws, 1)
}

func TestUnusedWaivers(t *testing.T) {
	ws, err := ParseWaivers("w.yml", []byte(`waivers:
  - {id: c/used, reason: r, expires: 2030-01-01}
  - {id: nosuchcheck/x, reason: typo, expires: 2030-01-01}
  - {id: c/passes, reason: stale, expires: 2030-01-01}
`))
	require.NoError(t, err)
	b := &Baseline{Waivers: ws}
	got := b.UnusedWaivers(rep("c", "fail used h1", "pass passes h1"))
	require.Len(t, got, 2, "a waiver matching nothing, and one matching only a pass, hide nothing")
	assert.Equal(t, "nosuchcheck/x", got[0].ID)
	assert.Equal(t, "c/passes", got[1].ID)
	assert.Equal(t, 3, got[0].Pos.Line)
}
