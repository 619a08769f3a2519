package inventory

import (
	"errors"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// pyLiteral reads an INI value as Ansible does: ast.literal_eval(v), and
// the text itself when that fails. It returns ok false for text that is
// not a Python literal, and for literals no variable can hold (complex
// numbers, sets, Ellipsis, keys that are not strings, numbers, booleans
// or None): Ansible cannot print those either (ansible-inventory stops
// with "not JSON serializable"), and they are kept as written.
// Numbers are int (or *big.Int past int64) and float64, lists and tuples
// []any, dicts map[string]any with their keys written as JSON writes
// them.
func pyLiteral(v string, count *int) (any, bool) {
	p := &pyParser{lex: pyLexer{src: strings.TrimLeft(v, " \t")}, count: count}
	p.next()
	val, err := p.exprList(0)
	if err != nil || p.tok.kind != tEOF {
		return nil, false
	}
	// to_text decodes bytes at the top only: nested ones cannot be
	// printed (ansible-inventory: "bytes is not JSON serializable").
	if b, ok := val.(pyBytes); ok {
		return string(b), true
	}
	if hasBytes(val) {
		return nil, false
	}
	return val, true
}

// pyBytes is a bytes literal, valid UTF-8.
type pyBytes string

func hasBytes(v any) bool {
	switch v := v.(type) {
	case pyBytes:
		return true
	case []any:
		for _, x := range v {
			if hasBytes(x) {
				return true
			}
		}
	case map[string]any:
		for _, x := range v {
			if hasBytes(x) {
				return true
			}
		}
	}
	return false
}

var errNotLiteral = errors.New("not a Python literal")

type pyTokKind int

const (
	tEOF pyTokKind = iota
	tNum
	tStr
	tBytes
	tName
	tOp
	tBad
)

type pyTok struct {
	kind pyTokKind
	text string // the number, name or operator; the decoded string
}

type pyLexer struct {
	src string
	pos int
}

// next reads the next token; a comment ends the input.
func (l *pyLexer) next() pyTok {
	for l.pos < len(l.src) && strings.IndexByte(" \t\f", l.src[l.pos]) >= 0 {
		l.pos++
	}
	if l.pos >= len(l.src) || l.src[l.pos] == '#' {
		l.pos = len(l.src)
		return pyTok{kind: tEOF}
	}
	rest := l.src[l.pos:]
	c := rest[0]
	switch {
	case c >= '0' && c <= '9' || c == '.' && len(rest) > 1 && rest[1] >= '0' && rest[1] <= '9':
		n := pyNumberLen(rest)
		if n == 0 {
			return pyTok{kind: tBad}
		}
		l.pos += n
		return pyTok{kind: tNum, text: rest[:n]}
	case c == '\'' || c == '"':
		return l.str("")
	case isPyIdentStart(rest):
		n := 0
		for n < len(rest) {
			r, size := utf8.DecodeRuneInString(rest[n:])
			if !(r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
				break
			}
			n += size
		}
		name := rest[:n]
		if n < len(rest) && (rest[n] == '\'' || rest[n] == '"') && isStrPrefix(name) {
			l.pos += n
			return l.str(strings.ToLower(name))
		}
		l.pos += n
		return pyTok{kind: tName, text: name}
	case strings.IndexByte("()[]{},:+-", c) >= 0:
		l.pos++
		return pyTok{kind: tOp, text: rest[:1]}
	}
	return pyTok{kind: tBad}
}

func isPyIdentStart(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return r == '_' || unicode.IsLetter(r)
}

func isStrPrefix(p string) bool {
	switch strings.ToLower(p) {
	case "r", "u", "b", "br", "rb", "f", "fr", "rf":
		return true
	}
	return false
}

// str reads a string literal at l.pos whose prefix was read.
func (l *pyLexer) str(prefix string) pyTok {
	rest := l.src[l.pos:]
	q := rest[:1]
	if strings.HasPrefix(rest, q+q+q) {
		q = rest[:3]
	}
	raw := strings.Contains(prefix, "r")
	i := len(q)
	for ; i < len(rest); i++ {
		if strings.HasPrefix(rest[i:], q) {
			break
		}
		if rest[i] == '\\' {
			i++ // an escaped quote does not end the literal, raw or not
		}
	}
	if i >= len(rest) {
		return pyTok{kind: tBad}
	}
	body := rest[len(q):i]
	l.pos += i + len(q)
	if strings.Contains(prefix, "f") {
		return pyTok{kind: tBad} // an f-string is not a literal
	}
	bytesLit := strings.Contains(prefix, "b")
	var s string
	var ok bool
	if raw {
		s, ok = body, true
	} else {
		s, ok = pyUnescape(body, bytesLit)
	}
	if !ok || bytesLit && !isASCII(body) {
		return pyTok{kind: tBad}
	}
	if bytesLit {
		// to_text decodes bytes as UTF-8.
		if !utf8.ValidString(s) {
			return pyTok{kind: tBad}
		}
		return pyTok{kind: tBytes, text: s}
	}
	return pyTok{kind: tStr, text: s}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// pyUnescape decodes the escapes of a Python string (or bytes) literal.
// \N{name} is not supported (it needs the Unicode name table).
func pyUnescape(s string, bytesLit bool) (string, bool) {
	if !strings.Contains(s, `\`) {
		return s, true
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		c := s[i]
		if j := strings.IndexByte(`\'"abfnrtv`, c); j >= 0 {
			b.WriteByte("\\'\"\a\b\f\n\r\t\v"[j])
			continue
		}
		switch {
		case c >= '0' && c <= '7':
			n := 1
			for n < 3 && i+n < len(s) && s[i+n] >= '0' && s[i+n] <= '7' {
				n++
			}
			v, _ := strconv.ParseUint(s[i:i+n], 8, 32)
			i += n - 1
			if bytesLit {
				if v > 0xff {
					return "", false
				}
				b.WriteByte(byte(v))
			} else {
				b.WriteRune(rune(v))
			}
		case c == 'x' || !bytesLit && (c == 'u' || c == 'U'):
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
			if i+1+n > len(s) {
				return "", false
			}
			v, err := strconv.ParseUint(s[i+1:i+1+n], 16, 32)
			if err != nil || v > unicode.MaxRune || v >= 0xD800 && v < 0xE000 {
				return "", false // a lone surrogate has no UTF-8 form
			}
			i += n
			if bytesLit {
				b.WriteByte(byte(v))
			} else {
				b.WriteRune(rune(v))
			}
		case c == 'N' && !bytesLit:
			return "", false
		default:
			b.WriteByte('\\')
			b.WriteByte(c)
		}
	}
	return b.String(), true
}

// pyNumberLen returns the length of the Python number literal at the
// start of s, or 0 when s starts with something Python refuses ("07",
// "1_", "1abc").
func pyNumberLen(s string) int {
	n := 0
	digits := func(ok func(byte) bool) bool {
		start := n
		for n < len(s) && (ok(s[n]) || s[n] == '_' && n > start && n+1 < len(s) && ok(s[n+1])) {
			n++
		}
		return n > start
	}
	dec := func(c byte) bool { return c >= '0' && c <= '9' }
	if len(s) > 1 && s[0] == '0' && strings.IndexByte("xXoObB", s[1]) >= 0 {
		n = 2
		if n < len(s) && s[n] == '_' {
			n++
		}
		ok := map[byte]func(byte) bool{
			'x': func(c byte) bool { return dec(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' },
			'o': func(c byte) bool { return c >= '0' && c <= '7' },
			'b': func(c byte) bool { return c == '0' || c == '1' },
		}[s[1]|0x20]
		if !digits(ok) {
			return 0
		}
		return pyNumberEnd(s, n)
	}
	intPart := digits(dec)
	isFloat := false
	if n < len(s) && s[n] == '.' {
		n++
		isFloat = true
		if !digits(dec) && !intPart {
			return 0
		}
	}
	if n < len(s) && (s[n] == 'e' || s[n] == 'E') {
		m := n
		n++
		if n < len(s) && (s[n] == '+' || s[n] == '-') {
			n++
		}
		if !digits(dec) {
			n = m
		} else {
			isFloat = true
		}
	}
	imag := n < len(s) && (s[n] == 'j' || s[n] == 'J')
	if imag {
		n++
	}
	// A decimal integer may not have leading zeros, unless all are zeros.
	if !isFloat && !imag && s[0] == '0' && strings.Trim(s[:n], "0_") != "" {
		return 0
	}
	return pyNumberEnd(s, n)
}

// pyNumberEnd refuses a number run into a name ("1abc", "0x1g").
func pyNumberEnd(s string, n int) int {
	if n < len(s) {
		if r, _ := utf8.DecodeRuneInString(s[n:]); r == '_' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r) {
			return 0
		}
	}
	return n
}

type pyParser struct {
	lex   pyLexer
	tok   pyTok
	count *int
}

func (p *pyParser) next() { p.tok = p.lex.next() }

func (p *pyParser) isOp(op string) bool { return p.tok.kind == tOp && p.tok.text == op }

func (p *pyParser) spend() error {
	if *p.count++; *p.count > maxValues {
		return errNotLiteral
	}
	return nil
}

// exprList reads "a" or a tuple "a, b," (the top level and parentheses).
func (p *pyParser) exprList(depth int) (any, error) {
	first, err := p.expr(depth)
	if err != nil || !p.isOp(",") {
		return first, err
	}
	items := []any{first}
	for p.isOp(",") {
		p.next()
		if p.tok.kind == tEOF || p.isOp(")") {
			break
		}
		v, err := p.expr(depth)
		if err != nil {
			return nil, err
		}
		items = append(items, v)
	}
	return items, nil
}

// expr reads a literal, with a sign on a number.
func (p *pyParser) expr(depth int) (any, error) {
	if depth > maxDepth {
		return nil, errNotLiteral
	}
	if err := p.spend(); err != nil {
		return nil, err
	}
	if p.isOp("-") || p.isOp("+") {
		neg := p.tok.text == "-"
		p.next()
		return p.signed(neg)
	}
	switch p.tok.kind {
	case tNum:
		v, err := pyNumber(p.tok.text)
		p.next()
		return v, err
	case tStr, tBytes:
		return p.strings()
	case tName:
		name := p.tok.text
		p.next()
		switch name {
		case "True":
			return true, nil
		case "False":
			return false, nil
		case "None":
			return nil, nil
		}
		return nil, errNotLiteral
	case tOp:
		return p.collection(depth)
	}
	return nil, errNotLiteral
}

// signed reads the number after a sign; literal_eval takes only a number
// there (parentheses around it are no node of their own).
func (p *pyParser) signed(neg bool) (any, error) {
	parens := 0
	for p.isOp("(") {
		parens++
		p.next()
	}
	if p.tok.kind != tNum {
		return nil, errNotLiteral
	}
	v, err := pyNumber(p.tok.text)
	if err != nil {
		return nil, err
	}
	p.next()
	for ; parens > 0; parens-- {
		if !p.isOp(")") {
			return nil, errNotLiteral
		}
		p.next()
	}
	if !neg {
		return v, nil
	}
	switch n := v.(type) {
	case int:
		if n == math.MinInt64 {
			return new(big.Int).Neg(big.NewInt(int64(n))), nil
		}
		return -n, nil
	case *big.Int:
		return normInt(new(big.Int).Neg(n)), nil
	case float64:
		return -n, nil
	}
	return nil, errNotLiteral
}

// strings reads adjacent string literals, which Python joins.
func (p *pyParser) strings() (any, error) {
	kind := p.tok.kind
	var b strings.Builder
	for p.tok.kind == tStr || p.tok.kind == tBytes {
		if p.tok.kind != kind {
			return nil, errNotLiteral // bytes and str do not mix
		}
		b.WriteString(p.tok.text)
		p.next()
	}
	if kind == tBytes {
		return pyBytes(b.String()), nil
	}
	return b.String(), nil
}

// collection reads (...), [...] or {...}.
func (p *pyParser) collection(depth int) (any, error) {
	open := p.tok.text
	p.next()
	switch open {
	case "(":
		if p.isOp(")") {
			p.next()
			return []any{}, nil
		}
		v, err := p.exprList(depth + 1)
		if err != nil || !p.isOp(")") {
			return nil, errNotLiteral
		}
		p.next()
		return v, nil
	case "[":
		items, err := p.items(depth, "]")
		if err != nil {
			return nil, err
		}
		return items, nil
	case "{":
		return p.dict(depth)
	}
	return nil, errNotLiteral
}

// items reads "a, b, c]" up to close.
func (p *pyParser) items(depth int, close string) ([]any, error) {
	items := []any{}
	for !p.isOp(close) {
		v, err := p.expr(depth + 1)
		if err != nil {
			return nil, err
		}
		items = append(items, v)
		if p.isOp(",") {
			p.next()
		} else if !p.isOp(close) {
			return nil, errNotLiteral
		}
	}
	p.next()
	return items, nil
}

// dict reads "k: v, ...}" with Python's key equality (1, 1.0 and True are
// one key, written as first given, with the last value).
func (p *pyParser) dict(depth int) (any, error) {
	out := map[string]any{}
	names := map[string]string{} // key identity -> key as written
	for !p.isOp("}") {
		k, err := p.expr(depth + 1)
		if err != nil {
			return nil, err
		}
		if !p.isOp(":") {
			return nil, errNotLiteral // a set, or not a literal
		}
		p.next()
		v, err := p.expr(depth + 1)
		if err != nil {
			return nil, err
		}
		id, name, ok := pyKey(k)
		if !ok {
			return nil, errNotLiteral
		}
		if first, seen := names[id]; seen {
			name = first
		}
		names[id] = name
		out[name] = v
		if p.isOp(",") {
			p.next()
		} else if !p.isOp("}") {
			return nil, errNotLiteral
		}
	}
	p.next()
	return out, nil
}

// pyKey returns the identity of a dict key under Python's equality and
// the name JSON gives it.
func pyKey(k any) (id, name string, ok bool) {
	switch k := k.(type) {
	case string:
		return "s" + k, k, true
	case nil:
		return "none", "null", true
	case bool:
		if k {
			return "n1", "true", true
		}
		return "n0", "false", true
	case int:
		return "n" + strconv.Itoa(k), strconv.Itoa(k), true
	case *big.Int:
		return "n" + k.String(), k.String(), true
	case float64:
		name := pyFloatRepr(k)
		if k == 0 {
			return "n0", name, true // -0.0 == 0
		}
		if k == math.Trunc(k) && !math.IsInf(k, 0) {
			return "n" + new(big.Float).SetFloat64(k).Text('f', 0), name, true
		}
		return "f" + name, name, true
	}
	return "", "", false
}

// pyFloatRepr is Python's repr of a float (as json.dumps writes a key).
func pyFloatRepr(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case math.IsNaN(f):
		return "NaN"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// pyNumber converts a Python number literal.
func pyNumber(s string) (any, error) {
	t := strings.ReplaceAll(s, "_", "")
	if strings.ContainsAny(t, "jJ") {
		return nil, errNotLiteral // complex
	}
	if len(t) > 1 && t[0] == '0' && strings.IndexByte("xXoObB", t[1]) >= 0 {
		base := map[byte]int{'x': 16, 'o': 8, 'b': 2}[t[1]|0x20]
		return parseBigInt(t[2:], base)
	}
	if strings.ContainsAny(t, ".eE") {
		f, err := strconv.ParseFloat(t, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, errNotLiteral
		}
		return f, nil
	}
	return parseBigInt(t, 10)
}

// parseBigInt reads an integer, refusing more digits than Python reads.
func parseBigInt(digits string, base int) (any, error) {
	if base == 10 && len(digits) > maxPyDigits {
		return nil, errNotLiteral
	}
	v, ok := new(big.Int).SetString(digits, base)
	if !ok {
		return nil, errNotLiteral
	}
	return normInt(v), nil
}

// normInt returns v as an int when it fits.
func normInt(v *big.Int) any {
	if v.IsInt64() {
		return int(v.Int64())
	}
	return v
}
