package report

import (
	"strings"
	"testing"
)

// refNamePart is appendNamePart one rune at a time, as it was before its
// ASCII fast path: the oracle for FuzzAppendNamePart.
func refNamePart(b *strings.Builder, n int, s string) int {
	for _, r := range s {
		if n >= maxNameRunes {
			if n == maxNameRunes {
				b.WriteString("...")
			}
			return n + 1
		}
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			r = ' '
		case !xmlChar(r):
			continue
		}
		b.WriteRune(r)
		n++
	}
	return n
}

// FuzzAppendNamePart: the fast path writes what the rune loop wrote, from
// any starting count.
func FuzzAppendNamePart(f *testing.F) {
	f.Add(0, "10.0.0.1")
	f.Add(190, "service\x1b[31m é\xff\tis\nrunning on port 8773")
	f.Add(198, "abc")
	f.Add(200, "a")
	f.Add(0, strings.Repeat("x", 300))
	f.Fuzz(func(t *testing.T, n int, s string) {
		n = min(max(n, 0), maxNameRunes+2)
		var got, want strings.Builder
		gn, wn := appendNamePart(&got, n, s), refNamePart(&want, n, s)
		if got.String() != want.String() || gn != wn {
			t.Fatalf("appendNamePart(%d, %q) = %q, %d; want %q, %d", n, s, got.String(), gn, want.String(), wn)
		}
	})
}
