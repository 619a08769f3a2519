package textparse

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseKV(t *testing.T) {
	assert.Equal(t, map[string]string{"unit": "a", "init": "sysv", "text": "a b  c"}, ParseKV("unit=a  init=sysv text=a b  c\n"))
	assert.Equal(t, map[string]string{"x": ""}, ParseKV("x= =y novalue"))
}

func TestAtoi(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"123", 123, true}, {"", 0, false}, {"-1", 0, false},
		{" 1", 0, false}, {"999999999999999999", 999999999999999999, true}, {"9999999999999999999", 0, false},
	} {
		n, ok := Atoi(tc.in)
		assert.Equal(t, tc.ok, ok, tc.in)
		assert.Equal(t, tc.want, n, tc.in)
	}
}

func TestFirstLine(t *testing.T) {
	assert.Equal(t, "a", FirstLine("  a\nb"))
	assert.Equal(t, strings.Repeat("x", 120)+"...", FirstLine(strings.Repeat("x", 200)))
}

func FuzzParseKV(f *testing.F) {
	f.Add("unit=a init=sysv status=0 boot= text=a b c")
	f.Fuzz(func(t *testing.T, line string) {
		for k, v := range ParseKV(line) {
			if k == "" || (k != "text" && strings.ContainsAny(v, " \t")) {
				t.Fatalf("bad pair %q=%q", k, v)
			}
		}
	})
}
