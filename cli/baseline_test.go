package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/org/calyptos/baseline"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
)

// service checks that eucalyptus-cloud is active on every host; its
// messages carry a measured uptime, its IDs do not.
func service() check {
	return check{"service", func(ctx context.Context, c *calyptos.Check) {
		for _, r := range c.RunOnHosts(ctx, "systemctl is-active eucalyptus-cloud", c.Roles().All()) {
			if !c.HostOK(r) {
				continue
			}
			s := c.OnHost(r.Host).Key("eucalyptus-cloud").Hint("systemctl start eucalyptus-cloud")
			if strings.HasPrefix(r.Stdout, "active") {
				s.Successf("eucalyptus-cloud %s", r.Stdout)
			} else {
				s.Failuref("eucalyptus-cloud is %s", r.Stdout)
			}
		}
	}}
}

// serviceHarness answers the service check: active everywhere, except on
// the hosts in stopped.
func serviceHarness(t *testing.T, stopped ...string) *harness {
	h := newHarness(t, []calyptos.Validator{passing("p")}, []calyptos.Debugger{service()})
	h.withSSH(func(_ SSHConfig, e *calyptostest.Executor) {
		for _, host := range stopped {
			e.On(host, "systemctl is-active eucalyptus-cloud").Stdout("inactive").Exit(3)
		}
		e.OnMatch("", "is-active").Stdout("active (up " + t.Name() + ")")
	})
	return h
}

func TestBaselineWorkflow(t *testing.T) {
	env := writeEnv(t, twoHosts)
	dir := t.TempDir()
	first, second, stopped := filepath.Join(dir, "1.json"), filepath.Join(dir, "2.json"), filepath.Join(dir, "3.json")

	h := serviceHarness(t)
	require.Equal(t, ExitOK, h.run("debug", "-e", env, "-o", "json", "--out", first), h.stderr.String())
	require.Equal(t, ExitOK, h.run("debug", "-e", env, "-o", "json", "--out", second), h.stderr.String())
	assert.Equal(t, ExitOK, h.run("diff", first, second), h.stderr.String())
	assert.Contains(t, h.stdout.String(), "Summary: new 0, still failing 0, fixed 0, unchanged 2\n")
	assert.Contains(t, h.stdout.String(), "Regressions: 0\n")

	// Stopping the service on one host is exactly one regression.
	h = serviceHarness(t, "127.0.0.2")
	assert.Equal(t, ExitFailed, h.run("debug", "-e", env, "--baseline", first, "-o", "json", "--out", stopped), h.stderr.String())
	assert.Contains(t, h.stdout.String(), "[DEBUG FAILED        ] 127.0.0.2: eucalyptus-cloud is inactive [NEW]\n"+
		"                       hint: systemctl start eucalyptus-cloud\n")
	assert.Contains(t, h.stdout.String(), "Compared with the baseline: new 1, still failing 0, fixed 0, unchanged 1\n")
	assert.Equal(t, ExitFailed, h.run("diff", first, stopped), h.stderr.String())
	assert.Equal(t, "Summary: new 1, still failing 0, fixed 0, unchanged 1\n"+
		"Regressions: 1\n"+
		"[NEW          ] service/eucalyptus-cloud on 127.0.0.2: fail (was pass): eucalyptus-cloud is inactive\n"+
		"                hint: systemctl start eucalyptus-cloud\n", h.stdout.String(), "counts first, then what is new")

	// -o json says the same.
	assert.Equal(t, ExitFailed, h.run("diff", first, stopped, "-o", "json"))
	var doc struct {
		Regressions int                 `json:"regressions"`
		Counts      baseline.DiffCounts `json:"counts"`
		Changes     []struct {
			Class baseline.Class `json:"class"`
			ID    string         `json:"id"`
			Host  string         `json:"host"`
		} `json:"changes"`
	}
	require.NoError(t, json.Unmarshal(h.stdout.Bytes(), &doc), h.stdout.String())
	assert.Equal(t, 1, doc.Regressions)
	assert.Equal(t, baseline.DiffCounts{New: 1, Unchanged: 1}, doc.Counts)

	// Against the stopped run as baseline, the failure is known: exit 0;
	// the other way round it is fixed.
	assert.Equal(t, ExitOK, h.run("debug", "-e", env, "--baseline", stopped), h.stderr.String())
	assert.Contains(t, h.stdout.String(), "eucalyptus-cloud is inactive [STILL FAILING]\n")
	assert.Equal(t, ExitOK, h.run("diff", stopped, first))
	assert.Contains(t, h.stdout.String(), "[FIXED        ] service/eucalyptus-cloud on 127.0.0.2: pass (was fail)")

	// A waiver accepts the new failure until it expires.
	live := filepath.Join(dir, "live.yml")
	require.NoError(t, os.WriteFile(live, []byte("waivers:\n  - id: service/eucalyptus-cloud\n    hosts: 127.0.0.*\n    reason: being reinstalled\n    expires: 2999-01-01\n"), 0o600))
	assert.Equal(t, ExitOK, h.run("debug", "-e", env, "--baseline", first, "--waivers", live), h.stderr.String())
	assert.Contains(t, h.stdout.String(), "inactive [NEW, WAIVED until 2999-01-01: being reinstalled]\n")
	assert.Equal(t, ExitOK, h.run("debug", "-e", env, "--waivers", live), "waivers without a baseline")
	assert.Equal(t, ExitOK, h.run("diff", first, stopped, "--waivers", live))

	expired := filepath.Join(dir, "expired.yml")
	require.NoError(t, os.WriteFile(expired, []byte("waivers:\n  - id: service/eucalyptus-cloud\n    reason: was being reinstalled\n    expires: 2001-01-01\n"), 0o600))
	assert.Equal(t, ExitFailed, h.run("debug", "-e", env, "--baseline", stopped, "--waivers", expired), "an expired waiver fails even a known failure")
	assert.Contains(t, h.stdout.String(), "[STILL FAILING, WAIVER EXPIRED 2001-01-01: was being reinstalled]")
	assert.Contains(t, h.stdout.String(), "waiver for service/eucalyptus-cloud EXPIRED after 2001-01-01")
	assert.Equal(t, ExitFailed, h.run("diff", first, stopped, "--waivers", expired))
	assert.Contains(t, h.stderr.String(), "EXPIRED")
}

func TestBaselineBadInput(t *testing.T) {
	env := writeEnv(t, twoHosts)
	other := writeEnv(t, strings.Replace(twoHosts, "name: two", "name: three", 1))
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	h := serviceHarness(t)
	require.Equal(t, ExitOK, h.run("debug", "-e", env, "-o", "json", "--out", good))
	otherEnv := filepath.Join(dir, "other.json")
	require.Equal(t, ExitOK, h.run("debug", "-e", other, "-o", "json", "--out", otherEnv))
	validate := filepath.Join(dir, "validate.json")
	require.Equal(t, ExitOK, h.run("validate", "-e", env, "-o", "json", "--out", validate))
	data, err := os.ReadFile(good)
	require.NoError(t, err)
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o600))
		return p
	}
	truncated := write("truncated.json", string(data[:len(data)/2]))
	newer := write("newer.json", strings.Replace(string(data), `"schema_version":2`, `"schema_version":9`, 1))
	junit := write("junit.xml", "<testsuites/>\n")
	notReport := write("config.json", `{"name":"x"}`)
	badDate := write("bad.yml", "waivers:\n  - id: service/x\n    reason: r\n    expires: 2027-13-01\n")

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"truncated", []string{"debug", "-e", env, "--baseline", truncated}, "truncated.json: not a calyptos JSON report: the file is truncated"},
		{"newer", []string{"debug", "-e", env, "--baseline", newer}, "unsupported report schema version 9: written by a newer calyptos"},
		{"junit", []string{"debug", "-e", env, "--baseline", junit}, "junit.xml: not a calyptos JSON report: it is not JSON"},
		{"not a report", []string{"debug", "-e", env, "--baseline", notReport}, "JSON without kind and checks"},
		{"missing", []string{"debug", "-e", env, "--baseline", filepath.Join(dir, "nope.json")}, "nope.json does not exist"},
		{"other kind", []string{"debug", "-e", env, "--baseline", validate}, "is a validate report, not a debug one"},
		{"other env", []string{"debug", "-e", env, "--baseline", otherEnv}, `is a report of environment "three", not of "two"`},
		{"bad date", []string{"debug", "-e", env, "--waivers", badDate}, `bad.yml:4:14: expires "2027-13-01" is not a date (YYYY-MM-DD)`},
		{"diff other env", []string{"diff", good, otherEnv}, `the baseline is of environment "two" and the new report of "three"`},
		{"diff other kind", []string{"diff", good, validate}, "the baseline is a debug report and the new one a validate report"},
		{"diff newer", []string{"diff", good, newer}, "written by a newer calyptos"},
		{"diff one arg", []string{"diff", good}, "want two reports"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, ExitUsage, h.run(tt.args...))
			assert.Contains(t, h.stderr.String(), tt.want)
			assert.Empty(t, h.stdout.String(), "bad input gets an error and nothing else")
		})
	}
}

// TestDebugLocalTwiceHasNoRegression runs the built-in debuggers over
// this machine twice: whatever they measure, the second run has no
// regression against the first.
func TestDebugLocalTwiceHasNoRegression(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the built-in debuggers on this machine")
	}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	h := newHarness(t, nil, nil)
	h.p.Debuggers = nil // the built-in ones
	code := h.run("debug", "--local", "-e", localhostEnv, "-o", "json", "--out", a)
	require.Contains(t, []int{ExitOK, ExitFailed}, code, h.stderr.String())
	code = h.run("debug", "--local", "-e", localhostEnv, "-o", "json", "--out", b, "--baseline", a)
	assert.Equal(t, ExitOK, code, "debug --baseline of the run before:\n%s%s", h.stdout.String(), h.stderr.String())
	assert.Contains(t, h.stdout.String(), "Compared with the baseline: new 0,")
	assert.Equal(t, ExitOK, h.run("diff", a, b), h.stdout.String())
	assert.Contains(t, h.stdout.String(), "Summary: new 0, ")
	assert.Contains(t, h.stdout.String(), "Regressions: 0\n")
}

func TestExampleWaiversParse(t *testing.T) {
	ws, err := baseline.LoadWaivers("../examples/waivers.yml")
	require.NoError(t, err)
	assert.Len(t, ws, 2)
}

// TestDiffRefusesPartialReports: a NEW report with no checks, or of an
// interrupted run, says nothing of what did not run: not a pass.
func TestDiffRefusesPartialReports(t *testing.T) {
	env := writeEnv(t, twoHosts)
	dir := t.TempDir()
	first := filepath.Join(dir, "1.json")
	h := serviceHarness(t, "127.0.0.2")
	require.Equal(t, ExitFailed, h.run("debug", "-e", env, "-o", "json", "--out", first), h.stderr.String())
	data, err := os.ReadFile(first)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc))
	for name, edit := range map[string]func(map[string]any){
		"empty":       func(d map[string]any) { d["checks"] = []any{} },
		"null":        func(d map[string]any) { d["checks"] = nil },
		"interrupted": func(d map[string]any) { d["interrupted"] = true },
	} {
		t.Run(name, func(t *testing.T) {
			cp := map[string]any{}
			for k, v := range doc {
				cp[k] = v
			}
			edit(cp)
			b, err := json.Marshal(cp)
			require.NoError(t, err)
			cur := filepath.Join(t.TempDir(), "new.json")
			require.NoError(t, os.WriteFile(cur, b, 0o600))
			h := serviceHarness(t)
			assert.Equal(t, ExitUsage, h.run("diff", first, cur), h.stderr.String())
			assert.Contains(t, h.stderr.String(), "--allow-partial accepts it")
			h = serviceHarness(t)
			assert.Equal(t, ExitOK, h.run("diff", first, cur, "--allow-partial"), h.stderr.String())
		})
	}
}

// TestUnusedWaiverWarns: a waiver matching nothing is named on stderr, and
// fails the run under --strict.
func TestUnusedWaiverWarns(t *testing.T) {
	env := writeEnv(t, twoHosts)
	waivers := filepath.Join(t.TempDir(), "w.yml")
	require.NoError(t, os.WriteFile(waivers, []byte("waivers:\n  - {id: nosuchcheck/x, reason: typo, expires: 2099-01-01}\n"), 0o600))
	h := serviceHarness(t)
	assert.Equal(t, ExitOK, h.run("debug", "-e", env, "--waivers", waivers), h.stderr.String())
	assert.Contains(t, h.stderr.String(), "warning: waiver nosuchcheck/x (until 2099-01-01: typo) at "+waivers+":2:5 matched no failure or warning of this run")
	h = serviceHarness(t)
	assert.Equal(t, ExitFailed, h.run("debug", "-e", env, "--waivers", waivers, "--strict"), h.stderr.String())
	assert.Contains(t, h.stderr.String(), "error (--strict): waiver nosuchcheck/x")
}
