package envfile

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SyntaxError turns yaml.v3's "yaml: line N: message" into an *Error at
// the right place: parser errors carry a 0-based line, an unknown alias or a
// byte that is not text none, and a construct left open points past the end.
func SyntaxError(file string, data []byte, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	pos := Position{File: file}
	// yaml.v3 reports syntax errors as "yaml: line N: message".
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if n, cerr := strconv.Atoi(num); cerr == nil {
				pos.Line, msg = n, text
			}
		}
	}
	// Parser errors (as opposed to scanner errors) carry the 0-based line
	// of the construct being parsed, or of the token that did not fit
	// when that construct starts on the first line, and none when both
	// are on the first line.
	if parserProblem(msg) {
		pos.Line++
		// A construct left open until the end points past the last line.
		if last := lastTextLine(data); pos.Line > last {
			pos.Line = last
		}
	}
	// An unknown alias is reported without a place: find it.
	if name, ok := unknownAnchor(msg); ok && pos.Line == 0 {
		pos.Line, pos.Column = findAlias(data, name)
	}
	// It reports bytes that are not text without a place: find it, so
	// that a binary or mis-encoded file still points somewhere.
	if pos.Line == 0 {
		if line, col, what, ok := firstNonText(data); ok {
			pos.Line, pos.Column = line, col
			msg += " (" + what + ")"
		}
	}
	// Scanner errors on the first line come without a line too.
	if pos.Line == 0 {
		pos.Line = 1
	}
	return &Error{Pos: pos, Msg: "invalid YAML: " + msg, Err: err}
}

// parserProblem reports whether msg is one of the problems yaml.v3's
// parser (not its scanner) reports, with a 0-based line.
func parserProblem(msg string) bool {
	switch msg {
	case "did not find expected <stream-start>", "did not find expected <document start>",
		"found duplicate %YAML directive", "found incompatible YAML document",
		"found duplicate %TAG directive", "found undefined tag handle",
		"did not find expected node content", "did not find expected '-' indicator",
		"did not find expected key", "did not find expected ',' or ']'", "did not find expected ',' or '}'":
		return true
	}
	return false
}

// lastTextLine returns the number of the last line of data that holds
// something other than white space (1 for an empty file).
func lastTextLine(data []byte) int {
	last, line := 1, 1
	for _, c := range data {
		switch c {
		case '\n':
			line++
		case ' ', '\t', '\r':
		default:
			last = line
		}
	}
	return last
}

// unknownAnchor returns the name in yaml.v3's "unknown anchor 'x'
// referenced".
func unknownAnchor(msg string) (string, bool) {
	rest, ok := strings.CutPrefix(msg, "unknown anchor '")
	if !ok {
		return "", false
	}
	name, ok := strings.CutSuffix(rest, "' referenced")
	return name, ok
}

// findAlias returns the line and column of the first *name in data that
// is not part of a longer name, or 0, 0.
func findAlias(data []byte, name string) (line, col int) {
	s := string(data)
	for from := 0; ; {
		i := strings.Index(s[from:], "*"+name)
		if i < 0 {
			return 0, 0
		}
		i += from
		end := i + 1 + len(name)
		if end == len(s) || strings.IndexByte(" \t\r\n,]}", s[end]) >= 0 {
			line = 1 + strings.Count(s[:i], "\n")
			return line, 1 + utf8.RuneCountInString(s[strings.LastIndexByte(s[:i], '\n')+1:i])
		}
		from = end
	}
}

// firstNonText finds the first byte sequence of data that cannot be in a
// UTF-8 YAML file (invalid UTF-8, or a control character other than tab,
// newline and carriage return) and says where it is and what it is.
func firstNonText(data []byte) (line, col int, what string, ok bool) {
	line, col = 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return line, col, fmt.Sprintf("byte 0x%02x is not UTF-8", data[i]), true
		case r == '\n':
			line, col = line+1, 1
		case r == '\t' || r == '\r' || r == '\uFEFF' && i == 0:
			col++
		case unicode.IsControl(r):
			return line, col, fmt.Sprintf("control character %U", r), true
		default:
			col++
		}
		i += size
	}
	return 0, 0, "", false
}
