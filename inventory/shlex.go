package inventory

import (
	"errors"
	"strings"
)

// token is one word of an INI host line, with the column (0-based, in
// runes) where it starts.
type token struct {
	text string
	col  int
}

// shlexSplit splits line as Python's shlex.split(line, comments=True)
// does, the way Ansible reads an INI host line: POSIX quoting ('...'
// literal, "..." where a backslash escapes only '"' and '\'), a backslash
// escaping any character outside quotes, and '#' starting a comment
// anywhere outside quotes, even inside a word.
func shlexSplit(line string) ([]token, error) {
	const (
		space = ' '
		word  = 'a'
	)
	rs := []rune(line)
	var out []token
	var b strings.Builder
	state, escaped := rune(space), rune(space)
	start := 0
	emit := func() {
		out = append(out, token{text: b.String(), col: start})
		b.Reset()
	}
	for i := 0; i <= len(rs); i++ {
		atEnd := i == len(rs)
		var c rune
		if !atEnd {
			c = rs[i]
		}
		switch state {
		case space:
			switch {
			case atEnd:
			case isShlexSpace(c):
			case c == '#':
				i = len(rs) // the rest of the line is a comment
			case c == '\\':
				start, escaped, state = i, word, c
			case c == '\'' || c == '"':
				start, state = i, c
			default:
				start, state = i, word
				b.WriteRune(c)
			}
		case '\'', '"':
			switch {
			case atEnd:
				return nil, errors.New("no closing quotation")
			case c == state:
				state = word
			case c == '\\' && state == '"':
				escaped, state = state, c
			default:
				b.WriteRune(c)
			}
		case '\\':
			if atEnd {
				return nil, errors.New("no escaped character")
			}
			// Inside double quotes only the quote and the backslash
			// itself are escaped; other backslashes stay.
			if escaped != word && c != state && c != escaped {
				b.WriteRune('\\')
			}
			b.WriteRune(c)
			state = escaped
		case word:
			switch {
			case atEnd:
				emit()
			case isShlexSpace(c):
				emit()
				state = space
			case c == '#':
				emit()
				state, i = space, len(rs)
			case c == '\'' || c == '"':
				state = c
			case c == '\\':
				escaped, state = word, c
			default:
				b.WriteRune(c)
			}
		}
	}
	return out, nil
}

func isShlexSpace(c rune) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
