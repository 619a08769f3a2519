// Package textparse holds the small text helpers shared by the parsers of
// host output in package facts and package debugger.
package textparse

import (
	"strconv"
	"strings"
)

// IsDigits reports whether s is a non-empty run of ASCII digits.
func IsDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Atoi parses a non-negative decimal of at most 18 digits (no sign, no
// space), so that it cannot overflow int64.
func Atoi(s string) (int64, bool) {
	if !IsDigits(s) || len(s) > 18 {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// ParseKV splits a line of key=value words. The key "text" takes the rest
// of the line, spaces included, so that a free-form value can come last.
func ParseKV(line string) map[string]string {
	kv := map[string]string{}
	rest := strings.TrimSpace(line)
	for rest != "" {
		if t, ok := strings.CutPrefix(rest, "text="); ok {
			kv["text"] = strings.TrimSpace(t)
			break
		}
		word, tail := rest, ""
		if i := strings.IndexAny(rest, " \t"); i >= 0 {
			word, tail = rest[:i], rest[i+1:]
		}
		rest = strings.TrimLeft(tail, " \t")
		if k, v, ok := strings.Cut(word, "="); ok && k != "" {
			kv[k] = v
		}
	}
	return kv
}

// FirstLine returns the first line of s, trimmed, cut at 120 bytes, for
// quoting host output in a message.
func FirstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	if len(l) > 120 {
		l = l[:120] + "..."
	}
	return l
}
