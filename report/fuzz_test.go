package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/report"
)

// FuzzReadJSON feeds ReadJSON arbitrary documents: it never panics, and a
// report it accepts is written back and read again to the same document
// (so a report that went through a pipeline is not altered by it).
func FuzzReadJSON(f *testing.F) {
	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, richReport()); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"schema_version":1,"kind":"validate","checks":[]}`))
	f.Add([]byte(`{"schema_version":2}`))
	f.Add([]byte("{\"schema_version\":1,\"checks\":[{\"findings\":[{\"status\":\"fail\",\"message\":\"\u009b2J \xc2\x9b\xc2\"}]}]}"))
	f.Add([]byte(`{"schema_version":1,"checks":[null,{"findings":[null]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := report.ReadJSON(bytes.NewReader(data))
		if err != nil {
			return
		}
		var once, twice bytes.Buffer
		if err := report.WriteJSON(&once, rep); err != nil {
			t.Fatalf("an accepted report cannot be written: %v", err)
		}
		again, err := report.ReadJSON(bytes.NewReader(once.Bytes()))
		if err != nil {
			t.Fatalf("what WriteJSON wrote is refused: %v\n%s", err, once.Bytes())
		}
		if err := report.WriteJSON(&twice, again); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(once.Bytes(), twice.Bytes()) {
			t.Fatalf("not stable through a round trip:\n%s\n%s", once.Bytes(), twice.Bytes())
		}
	})
}

// FuzzWriteJUnit: whatever a check and a host put in a finding, the JUnit
// document is well-formed and carries the evidence and message whole, but
// for the characters XML cannot carry.
func FuzzWriteJUnit(f *testing.F) {
	f.Add("check", "10.0.0.1", "message", "evidence\r\nline two\n")
	f.Add("c\x00", "h\x1b[2J", "m\xff\xfe", strings.Repeat("🙂\x01é", 700))
	f.Fuzz(func(t *testing.T, check, host, msg, evidence string) {
		rep := newReport(calyptos.KindDebug, newCheck(check, 0, calyptos.Finding{Host: host, Status: calyptos.Fail, Message: msg, Evidence: evidence}))
		doc, _ := parseJUnit(t, rep, report.Options{})
		require.Len(t, doc.Suites, 1)
		s := doc.Suites[0]
		require.Len(t, s.Cases, 1)
		xmlOnly := func(s string) string {
			return strings.Map(func(r rune) rune {
				if r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xd7ff) || (r >= 0xe000 && r <= 0xfffd) || r >= 0x10000 {
					return r
				}
				return -1
			}, s)
		}
		assert.Equal(t, xmlOnly(check), s.Name)
		assert.Equal(t, xmlOnly(msg), s.Cases[0].Failure.Message)
		assert.Equal(t, xmlOnly(evidence), s.Cases[0].Failure.Text)
	})
}
