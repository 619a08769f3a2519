package checks

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// This file holds the matchers: what an assertion expects of the value a
// host has for an attribute, with goss's meanings (see docs/checks.md).
//
// A host's value is a bool, a string, an int64, a []string (a list: the
// groups of a user, the options of a mount) or text (a file's contents, a
// command's output), matched line by line by patterns.

// text is a value read line by line: a file's contents, a command's
// stdout. Truncated is set when only its beginning was read.
type text struct {
	s         string
	truncated bool
}

// matcher is one expectation.
type matcher interface {
	match(v any) bool
	// String says what is expected, for a message.
	String() string
}

// boolM expects a bool.
type boolM bool

func (m boolM) match(v any) bool { b, ok := v.(bool); return ok && b == bool(m) }
func (m boolM) String() string   { return strconv.FormatBool(bool(m)) }

// equalM expects a value: numbers are compared as numbers, other text
// with runs of blanks as one space and the ends trimmed.
type equalM struct {
	text  string
	num   float64
	isNum bool
}

func newEqual(s string) equalM {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return equalM{text: s, num: f, isNum: err == nil}
}

func (m equalM) match(v any) bool {
	if m.isNum {
		if f, ok := toNum(v); ok {
			return f == m.num
		}
	}
	if l, ok := v.([]string); ok {
		return slices.ContainsFunc(l, func(e string) bool { return normSpace(e) == normSpace(m.text) })
	}
	return normSpace(toText(v)) == normSpace(m.text)
}

func (m equalM) String() string {
	if m.isNum {
		return strings.TrimSpace(m.text)
	}
	return strconv.Quote(m.text)
}

// modeM expects a file mode; both sides are four octal digits.
type modeM string

func (m modeM) match(v any) bool { s, ok := v.(string); return ok && normMode(s) == string(m) }
func (m modeM) String() string   { return strconv.Quote(string(m)) }

// cmpM is goss's lt, le, gt or ge.
type cmpM struct {
	op string
	n  float64
}

func (m cmpM) match(v any) bool {
	f, ok := toNum(v)
	if !ok {
		return false
	}
	switch m.op {
	case "lt":
		return f < m.n
	case "le":
		return f <= m.n
	case "gt":
		return f > m.n
	}
	return f >= m.n
}

func (m cmpM) String() string {
	sym := map[string]string{"lt": "<", "le": "<=", "gt": ">", "ge": ">="}[m.op]
	return sym + " " + strconv.FormatFloat(m.n, 'f', -1, 64)
}

// strM is goss's have-prefix, have-suffix, contain-substring and
// match-regexp, on the value as text.
type strM struct {
	op string
	s  string
	re *regexp.Regexp
}

func (m strM) match(v any) bool {
	t := toText(v)
	switch m.op {
	case "have-prefix":
		return strings.HasPrefix(t, m.s)
	case "have-suffix":
		return strings.HasSuffix(t, m.s)
	case "contain-substring":
		return strings.Contains(t, m.s)
	}
	return m.re.MatchString(t)
}

func (m strM) String() string { return m.op + " " + strconv.Quote(m.s) }

// notM, andM and orM combine matchers.
type notM struct{ m matcher }
type andM []matcher
type orM []matcher

func (m notM) match(v any) bool { return !m.m.match(v) }
func (m notM) String() string   { return "not " + m.m.String() }
func (m andM) match(v any) bool {
	return !slices.ContainsFunc(m, func(x matcher) bool { return !x.match(v) })
}
func (m andM) String() string { return joinM(m, " and ") }
func (m orM) match(v any) bool {
	return slices.ContainsFunc(m, func(x matcher) bool { return x.match(v) })
}
func (m orM) String() string { return joinM(m, " or ") }

func joinM(ms []matcher, sep string) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.String()
	}
	return "(" + strings.Join(parts, sep) + ")"
}

// elemsM is goss's contain-elements, a YAML list's default on a list:
// every matcher matches some element.
type elemsM []matcher

func (m elemsM) match(v any) bool {
	l := toList(v)
	for _, x := range m {
		if !slices.ContainsFunc(l, func(e string) bool { return x.match(e) }) {
			return false
		}
	}
	return true
}

func (m elemsM) String() string { return "contains " + joinM(m, ", ") }

// elemM is goss's contain-element.
type elemM struct{ m matcher }

func (m elemM) match(v any) bool {
	return slices.ContainsFunc(toList(v), func(e string) bool { return m.m.match(e) })
}
func (m elemM) String() string { return "contains " + m.m.String() }

// consistM is goss's consist-of: every element matched by one matcher,
// each matcher used once, in any order.
type consistM []matcher

func (m consistM) match(v any) bool {
	l := toList(v)
	if len(l) != len(m) {
		return false
	}
	used := make([]bool, len(m))
	for _, e := range l {
		i := slices.IndexFunc(m, func(x matcher) bool { return x.match(e) })
		for i >= 0 && used[i] {
			j := slices.IndexFunc(m[i+1:], func(x matcher) bool { return x.match(e) })
			if j < 0 {
				return false
			}
			i += 1 + j
		}
		if i < 0 {
			return false
		}
		used[i] = true
	}
	return true
}

func (m consistM) String() string { return "consists of " + joinM(m, ", ") }

// equalListM is goss's equal on a list: the same elements in order.
type equalListM []string

func (m equalListM) match(v any) bool { return slices.Equal(toList(v), []string(m)) }
func (m equalListM) String() string   { return "equals [" + strings.Join(m, ", ") + "]" }

// lenM is goss's have-len.
type lenM int

func (m lenM) match(v any) bool {
	if s, ok := v.(string); ok {
		return len(s) == int(m)
	}
	return len(toList(v)) == int(m)
}
func (m lenM) String() string { return "has length " + strconv.Itoa(int(m)) }

// pattern is one entry of goss's line patterns: "foo" (a line contains
// foo), "!foo" (no line does), "/re/" (a line matches), "!/re/" (none
// does); "\!foo" is a line containing "!foo".
type pattern struct {
	raw string
	neg bool
	sub string
	re  *regexp.Regexp
}

// newPattern reads a pattern; a bad regular expression is an error.
func newPattern(s string) (pattern, error) {
	p := pattern{raw: s}
	body := s
	switch {
	case strings.HasPrefix(body, `\!`):
		body = body[1:]
	case strings.HasPrefix(body, "!"):
		p.neg, body = true, body[1:]
	}
	if len(body) >= 2 && body[0] == '/' && body[len(body)-1] == '/' {
		re, err := regexp.Compile(body[1 : len(body)-1])
		if err != nil {
			return p, fmt.Errorf("bad regular expression %s: %w", body, err)
		}
		p.re = re
		return p, nil
	}
	p.sub = body
	return p, nil
}

// found reports whether some line of t has the pattern (its negation
// aside).
func (p pattern) found(t string) bool {
	for line := range strings.Lines(t) {
		line = strings.TrimRight(line, "\r\n")
		if p.re != nil && p.re.MatchString(line) || p.re == nil && strings.Contains(line, p.sub) {
			return true
		}
	}
	return false
}

// patternsM expects every pattern of the list.
type patternsM []pattern

func (m patternsM) match(v any) bool {
	_, missing := m.failing(v)
	return len(missing) == 0
}

// failing returns the text matched and the patterns it fails.
func (m patternsM) failing(v any) (string, []string) {
	t := toText(v)
	var missing []string
	for _, p := range m {
		if p.found(t) == p.neg {
			missing = append(missing, p.raw)
		}
	}
	return t, missing
}

func (m patternsM) String() string {
	raws := make([]string, len(m))
	for i, p := range m {
		raws[i] = strconv.Quote(p.raw)
	}
	return "lines matching [" + strings.Join(raws, ", ") + "]"
}

// toText returns a value as text.
func toText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case text:
		return x.s
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	case []string:
		return strings.Join(x, "\n")
	}
	return ""
}

// toNum returns a value as a number, when it is one.
func toNum(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case string, text:
		f, err := strconv.ParseFloat(strings.TrimSpace(toText(x)), 64)
		return f, err == nil
	}
	return 0, false
}

// toList returns a value as a list: text is split in lines, a single
// value is a list of one.
func toList(v any) []string {
	switch x := v.(type) {
	case []string:
		return x
	case text:
		return strings.Split(strings.TrimRight(x.s, "\n"), "\n")
	}
	return []string{toText(v)}
}

// normSpace trims s and makes every run of blanks one space.
func normSpace(s string) string {
	if !strings.ContainsAny(s, " \t\r\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}
