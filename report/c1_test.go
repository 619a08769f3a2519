package report_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/report"
)

// TestC1EscaperAcrossWrites: a C1 control split between two writes is
// escaped too; other characters pass whole.
func TestC1EscaperAcrossWrites(t *testing.T) {
	tests := []struct {
		writes []string
		want   string
	}{
		{[]string{"a\xc2", "\x9bb"}, `a\u009bb`},
		{[]string{"\xc2", "\xa2\xc2", "\x85"}, `¢\u0085`},
		{[]string{"é", "\xc2"}, "é\xc2"},
		{[]string{"plain"}, "plain"},
		{[]string{"a\xe2\x80", "\xaeb"}, `a\u202eb`},
		{[]string{"\xe2", "\x81\xa6x\xd8", "\x9c"}, `\u2066x\u061c`},
		{[]string{"\xe2\x86\x92 \xe2"}, "→ \xe2"},
	}
	for _, tt := range tests {
		var b strings.Builder
		e := report.NewC1Escaper(&b)
		for _, w := range tt.writes {
			n, err := e.Write([]byte(w))
			require.NoError(t, err)
			assert.Equal(t, len(w), n)
		}
		require.NoError(t, e.Flush())
		assert.Equal(t, tt.want, b.String(), "%q", tt.writes)
	}
}

// TestWriteJSONEscapesC1: encoding/json leaves U+0080 to U+009F as they
// are, and a terminal showing the document takes U+009B for CSI:
// WriteJSON writes them as \u00XX, and the document reads back the same.
func TestWriteJSONEscapesC1(t *testing.T) {
	const payload = "a\u009b2J\u0085b ¢ é \u009d0;pwned\u009c"
	rep := newReport(calyptos.KindDebug, newCheck("c\u009b1m", 0,
		calyptos.Finding{Host: "h\u0080", Status: calyptos.Fail, Message: payload, Evidence: payload + "\u009f"}))
	var buf bytes.Buffer
	require.NoError(t, report.WriteJSON(&buf, rep))
	out := buf.String()
	assert.NotRegexp(t, regexp.MustCompile("[\u0080-\u009f]"), out)
	assert.Contains(t, out, `"message":"a\u009b2J\u0085b ¢ é \u009d0;pwned\u009c"`)
	assert.Contains(t, out, `"name":"c\u009b1m"`)
	got, err := report.ReadJSON(&buf)
	require.NoError(t, err)
	require.Len(t, got.Checks, 1)
	assert.Equal(t, "c\u009b1m", got.Checks[0].Name)
	assert.Equal(t, rep.Checks[0].Findings, got.Checks[0].Findings)
}

// FuzzC1Escaper: whatever is written, in whatever pieces, the output holds
// no C1 or direction control and, with those unescaped, is the input.
func FuzzC1Escaper(f *testing.F) {
	f.Add("a\u202eb\u0085c", 3)
	f.Add("\xe2\x80\xae\xc2\x9b", 1)
	f.Fuzz(func(t *testing.T, s string, cut int) {
		var b strings.Builder
		e := report.NewC1Escaper(&b)
		if cut < 0 || cut > len(s) {
			cut = len(s) / 2
		}
		_, _ = e.Write([]byte(s[:cut]))
		_, _ = e.Write([]byte(s[cut:]))
		require.NoError(t, e.Flush())
		for _, r := range b.String() {
			if (r >= 0x80 && r <= 0x9f) || report.IsBidiControl(r) {
				t.Fatalf("%U left in %q", r, b.String())
			}
		}
	})
}
