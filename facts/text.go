package facts

import (
	"errors"
	"strconv"
	"strings"
)

// ErrNoData is wrapped by the parsers of facts whose output held nothing
// they could read.
var ErrNoData = errors.New("no usable data in output")

// isDigits reports whether s is a non-empty run of ASCII digits.
func isDigits(s string) bool {
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

// atoi parses a non-negative decimal of at most 18 digits (no sign, no
// space), so that it cannot overflow int64.
func atoi(s string) (int64, bool) {
	if !isDigits(s) || len(s) > 18 {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// parseKV splits a line of key=value words. The key "text" takes the rest
// of the line, spaces included, so that a free-form value can come last.
func parseKV(line string) map[string]string {
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

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	if len(l) > 120 {
		l = l[:120] + "..."
	}
	return l
}
