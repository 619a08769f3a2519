package report_test

import (
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/org/calyptos/report"
)

func TestAppendTerminal(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain\ttext é 日本", "plain\ttext é 日本"},
		{"\x1b[2J\r\n\x00\x7f", `\x1b[2J\x0d\x0a\x00\x7f`},
		{"\u009b2J", `\x9b2J`},
		// Not UTF-8: a terminal reading 8-bit controls takes these
		// bytes alone for CSI, OSC and ST.
		{"\x9b2J", `\x9b2J`},
		{"\x9d0;title\x9c", `\x9d0;title\x9c`},
		{"a\xffb\xc2", `a\xffb\xc2`},
		{"\xe2\x82", `\xe2\x82`},
		// Direction controls would reorder what the operator reads.
		{"evil\u202eexe.txt", `evil\u202eexe.txt`},
		{"\u2066a\u2069 \u200e\u200f\u061c \u202a\u202d", `\u2066a\u2069 \u200e\u200f\u061c \u202a\u202d`},
		{"→ fine ←", "→ fine ←"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, string(report.AppendTerminal(nil, tt.in)), "%q", tt.in)
	}
}

// FuzzAppendTerminal: whatever a host sends, what reaches the terminal is
// UTF-8 with no control character but tab.
func FuzzAppendTerminal(f *testing.F) {
	for _, s := range []string{"\x1b]52;c;eA==\x07", "\u009b2J", "\x9b2J", "a\xffb", "é\r\n", "a\u202eb\u2067"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := string(report.AppendTerminal(nil, s))
		if !utf8.ValidString(out) {
			t.Fatalf("not UTF-8: %q", out)
		}
		for _, r := range out {
			if (r < 0x20 && r != '\t') || (r >= 0x7f && r <= 0x9f) || report.IsBidiControl(r) {
				t.Fatalf("control %U in %q", r, out)
			}
		}
	})
}
