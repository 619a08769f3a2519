package report_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/report"
)

// richReport uses every field of the schema, with awkward strings.
func richReport() *calyptos.Report {
	c1 := newCheck("vpc", 1500*time.Millisecond,
		calyptos.Finding{Host: "10.0.0.1", Status: calyptos.Fail, Message: `quote " backslash \ <tag> & amp`, Evidence: "tab\tnl\ncr\r\x00\x01\x1f\x7f bell\b ff\f",
			ID: "vpc/gateway", Hint: `fix "it" <now>`, Ref: "https://example.com/doc#vpc"},
		fnd("", calyptos.Pass, "unicode: é 日本 🙂 \u2028 \u2029"),
		fnd("[2001:db8::1]:22", calyptos.Warn, ""),
		fnd("h", calyptos.Info, "info"),
		fnd("h", calyptos.Skip, "skipped"),
	)
	c1.Probes = []calyptos.Probe{
		{From: "a", To: "b", Port: 22, Proto: "tcp", Result: calyptos.ProbeOK},
		{From: "a", To: "c", Port: 53, Proto: "udp", Label: "dns", Result: calyptos.ProbeTimeout, Detail: "i/o timeout"},
	}
	c1.Artifacts = []calyptos.Artifact{
		{Host: "a", Remote: "/tmp/x", Path: "out/a/x", Bytes: 12},
		{Path: "out/local", Bytes: 0},
	}
	c2 := newCheck("empty", 0)
	rep := newReport(calyptos.KindDebug, c1, c2)
	rep.Started = time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.FixedZone("X", 3600))
	rep.Duration = 1234567891
	rep.Interrupted = true
	rep.Environment = "edge-demo"
	return rep
}

// referenceJSON is what encoding/json makes of rep with schema_version
// added, the document WriteJSON must match byte for byte.
func referenceJSON(t testing.TB, rep *calyptos.Report) []byte {
	type plain calyptos.Report
	doc := struct {
		SchemaVersion int `json:"schema_version"`
		*plain
		Seconds float64          `json:"duration_seconds"`
		Outcome calyptos.Outcome `json:"outcome"`
	}{report.SchemaVersion, (*plain)(rep), rep.Duration.Seconds(), rep.Outcome()}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(doc))
	return buf.Bytes()
}

func TestWriteJSONMatchesEncodingJSON(t *testing.T) {
	for name, rep := range map[string]*calyptos.Report{
		"rich":     richReport(),
		"empty":    newReport(calyptos.KindValidate),
		"big":      bigReport(2000),
		"fraction": func() *calyptos.Report { r := newReport(calyptos.KindValidate); r.Duration = 3; return r }(),
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, report.WriteJSON(&buf, rep))
			assert.Equal(t, string(referenceJSON(t, rep)), buf.String())
		})
	}
}

func TestWriteJSONInvalidUTF8(t *testing.T) {
	rep := newReport(calyptos.KindDebug, newCheck("c", 0, fnd("h", calyptos.Pass, "bad \xff\xfe byte")))
	var buf bytes.Buffer
	require.NoError(t, report.WriteJSON(&buf, rep))
	assert.Equal(t, string(referenceJSON(t, rep)), buf.String())
	got, err := report.ReadJSON(&buf)
	require.NoError(t, err)
	assert.Equal(t, "bad \ufffd\ufffd byte", got.Checks[0].Findings[0].Message)
}

func TestJSONRoundTrip(t *testing.T) {
	for name, rep := range map[string]*calyptos.Report{
		"rich":  richReport(),
		"empty": newReport(calyptos.KindValidate),
		"big":   bigReport(5000),
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, report.WriteJSON(&buf, rep))
			got, err := report.ReadJSON(&buf)
			require.NoError(t, err)
			assert.True(t, rep.Started.Equal(got.Started), "started %v, got %v", rep.Started, got.Started)
			got.Started = rep.Started
			assert.Equal(t, rep, got)
		})
	}
}

func TestJSONSchemaFields(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, report.WriteJSON(&buf, richReport()))
	var doc map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &doc))
	keys := func(m map[string]any) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		return out
	}
	assert.ElementsMatch(t, []string{"schema_version", "kind", "environment", "started", "duration_ns", "duration_seconds", "checks", "totals", "interrupted", "outcome"}, keys(doc))
	assert.InDelta(t, 2, doc["schema_version"], 0)
	assert.InDelta(t, 1.234567891, doc["duration_seconds"], 1e-12)
	check := doc["checks"].([]any)[0].(map[string]any)
	assert.ElementsMatch(t, []string{"name", "counts", "findings", "probes", "artifacts", "duration_ns"}, keys(check))
	assert.ElementsMatch(t, []string{"pass", "warn", "fail", "info", "skip"}, keys(check["counts"].(map[string]any)))
	assert.ElementsMatch(t, []string{"check", "host", "status", "message", "evidence", "id", "hint", "ref"}, keys(check["findings"].([]any)[0].(map[string]any)))
	assert.ElementsMatch(t, []string{"from", "to", "port", "proto", "label", "result", "detail"}, keys(check["probes"].([]any)[1].(map[string]any)))
	assert.ElementsMatch(t, []string{"host", "remote", "path", "bytes"}, keys(check["artifacts"].([]any)[0].(map[string]any)))
	empty := doc["checks"].([]any)[1].(map[string]any)
	assert.Equal(t, []any{}, empty["findings"], "an empty list is [], not null")
}

func TestWriteJSONEmptyLists(t *testing.T) {
	rep := &calyptos.Report{Kind: calyptos.KindValidate, Checks: []*calyptos.CheckResult{nil, {Name: "nil findings"}}}
	var buf bytes.Buffer
	require.NoError(t, report.WriteJSON(&buf, rep))
	assert.Contains(t, buf.String(), `"checks":[{"name":"nil findings","counts":{"pass":0,"warn":0,"fail":0,"info":0,"skip":0},"findings":[],"duration_ns":0}]`)
	assert.NotContains(t, buf.String(), "null")

	buf.Reset()
	require.NoError(t, report.WriteJSON(&buf, &calyptos.Report{}))
	assert.Contains(t, buf.String(), `"checks":[]`)
}

func TestWriteJSONErrors(t *testing.T) {
	bad := newReport(calyptos.KindDebug, &calyptos.CheckResult{Name: "c", Findings: []calyptos.Finding{{Message: "no status"}}})
	assert.ErrorIs(t, report.WriteJSON(&bytes.Buffer{}, bad), report.ErrInvalidStatus)
	assert.ErrorIs(t, report.WriteJSON(&bytes.Buffer{}, nil), report.ErrNilReport)
	// A write error is reported, whether it hits mid-document or at the end.
	assert.ErrorIs(t, report.WriteJSON(&errWriter{}, newReport(calyptos.KindDebug)), errDiskFull)
	assert.ErrorIs(t, report.WriteJSON(&errWriter{n: 100 << 10}, bigReport(20000)), errDiskFull)
	tooLate := newReport(calyptos.KindDebug)
	tooLate.Started = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	assert.Error(t, report.WriteJSON(&bytes.Buffer{}, tooLate))
}

func TestReadJSON(t *testing.T) {
	plain, err := json.Marshal(richReport())
	require.NoError(t, err)
	tests := []struct {
		name    string
		in      string
		wantErr error
		check   func(t *testing.T, rep *calyptos.Report)
	}{
		{name: "no schema_version (plain encoding/json)", in: string(plain), check: func(t *testing.T, rep *calyptos.Report) {
			assert.Equal(t, richReport().Totals, rep.Totals)
			assert.Len(t, rep.Checks, 2)
		}},
		{name: "newer schema", in: `{"schema_version":3,"kind":"debug"}`, wantErr: report.ErrSchemaVersion},
		{name: "unknown fields ignored", in: `{"schema_version":1,"kind":"validate","future":{"x":1},"checks":[null,{"name":"a","findings":[]}]}`, check: func(t *testing.T, rep *calyptos.Report) {
			assert.Equal(t, calyptos.KindValidate, rep.Kind)
			require.Len(t, rep.Checks, 1, "null checks are dropped")
			assert.Equal(t, "a", rep.Checks[0].Name)
		}},
		{name: "bad status", in: `{"checks":[{"name":"a","findings":[{"status":"great"}]}]}`},
		{name: "truncated", in: `{"schema_version":1,"kind":"debug","checks":[`},
		{name: "not json", in: `<testsuites/>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := report.ReadJSON(strings.NewReader(tt.in))
			if tt.check == nil {
				require.Error(t, err)
				if tt.wantErr != nil {
					assert.ErrorIs(t, err, tt.wantErr)
				}
				assert.Nil(t, rep)
				return
			}
			require.NoError(t, err)
			tt.check(t, rep)
		})
	}
}

func TestReadJSONRefusesFindingsWithoutStatus(t *testing.T) {
	for _, doc := range []string{
		`{"schema_version":1,"checks":[{"name":"a","findings":[null]}]}`,
		`{"schema_version":1,"checks":[{"name":"a","findings":[{"message":"no status"}]}]}`,
	} {
		_, err := report.ReadJSON(strings.NewReader(doc))
		assert.ErrorIs(t, err, report.ErrInvalidStatus, doc)
		assert.ErrorContains(t, err, `check "a" finding 0`, doc)
	}
}

// TestWriteJSONListNamesInStrings: WriteJSON splits the encoded report and
// checks where their lists go; the same text inside a string value does
// not mislead it.
func TestWriteJSONListNamesInStrings(t *testing.T) {
	c := newCheck(`"findings":[]`, 0, fnd(`"checks":[]`, calyptos.Pass, `"findings":[] "checks":[]`))
	c.Probes = []calyptos.Probe{{From: `"findings":[]`, To: "b", Result: calyptos.ProbeOK}}
	rep := newReport(calyptos.Kind(`"checks":[]`), c, newCheck(`x"checks":[]`, 0))
	var buf bytes.Buffer
	require.NoError(t, report.WriteJSON(&buf, rep))
	assert.Equal(t, string(referenceJSON(t, rep)), buf.String())
}
