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
