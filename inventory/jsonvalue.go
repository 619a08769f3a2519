package inventory

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/org/calyptos"
	"gopkg.in/yaml.v3"
)

// This file reads JSON as Ansible's loader does (Python's json module
// with AnsibleJSONDecoder): NaN and Infinity are numbers, a key set twice
// keeps its last value, {"__ansible_vault": ...} is a vault value and
// {"__ansible_unsafe": ...} the value it wraps. It is bounded (items,
// nesting) and positions its errors and the keys asked for.

// jsonParser reads one JSON document.
type jsonParser struct {
	file      string
	data      string
	i         int
	line      int // of data[i]
	lineStart int // offset of the line's first byte
	colAt     int // the offset whose column is col
	col       int
	items     int
	// nodes makes the parser build *yaml.Node trees (with explicit tags)
	// instead of values, for the YAML inventory reader.
	nodes bool
	// keyPos, when set, is told where each key is whose path (the keys
	// of the objects around it) keep accepts.
	keep   func(path []string, key string) bool
	keyPos map[jsonPath]calyptos.Position
	path   []string
}

// jsonPath names a key by the keys of the objects around it, up to three
// of them (keep asks for no deeper key).
type jsonPath [4]string

// pathKey names a key under path in keyPos.
func pathKey(path []string, key string) jsonPath {
	var p jsonPath
	n := copy(p[:3], path)
	p[n] = key
	return p
}

// pos returns the position of p.i. The column is counted on from the
// last position asked for, as p.i only grows: on a JSON text of one long
// line, counting from the line's start each time would be quadratic.
func (p *jsonParser) pos() calyptos.Position {
	if p.colAt < p.lineStart {
		p.colAt, p.col = p.lineStart, 1
	}
	p.col += utf8.RuneCountInString(p.data[p.colAt:p.i])
	p.colAt = p.i
	return calyptos.Position{File: p.file, Line: p.line, Column: p.col}
}

func (p *jsonParser) errorf(format string, args ...any) error {
	return &Error{Pos: p.pos(), Msg: "invalid JSON: " + fmt.Sprintf(format, args...)}
}

// parseJSON reads data as one JSON document.
func (p *jsonParser) parse() (any, error) {
	p.line, p.col = 1, 1
	p.space()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i < len(p.data) {
		return nil, p.errorf("extra data after the document")
	}
	return v, nil
}

func (p *jsonParser) space() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case '\n':
			p.line++
			p.lineStart = p.i + 1
		case ' ', '\t', '\r':
		default:
			return
		}
		p.i++
	}
}

func (p *jsonParser) value(depth int) (any, error) {
	if depth > maxDepth {
		return nil, p.errorf("nested more than %d deep", maxDepth)
	}
	if p.items++; p.items > maxJSONItems {
		return nil, p.errorf("more than %d JSON values by here: refusing to read the rest", maxJSONItems)
	}
	if p.i >= len(p.data) {
		return nil, p.errorf("unexpected end of data")
	}
	line, col := 0, 0
	if p.nodes {
		line, col = p.line, p.pos().Column
	}
	switch c := p.data[p.i]; {
	case c == '{':
		return p.object(depth, line, col)
	case c == '[':
		return p.array(depth, line, col)
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return p.scalar("!!str", s, s, line, col), nil
	}
	for _, lit := range jsonLiterals(p.data[p.i]) {
		if strings.HasPrefix(p.data[p.i:], lit.text) {
			p.i += len(lit.text)
			return p.scalar(lit.tag, lit.val, lit.v, line, col), nil
		}
	}
	return p.number(line, col)
}

// jsonLiteral is a word Python's JSON decoder reads as a value.
type jsonLiteral struct {
	text, tag, val string
	v              any
}

// jsonLiterals returns the literals starting with c.
func jsonLiterals(c byte) []jsonLiteral {
	switch c {
	case 't':
		return []jsonLiteral{{"true", "!!bool", "true", true}}
	case 'f':
		return []jsonLiteral{{"false", "!!bool", "false", false}}
	case 'n':
		return []jsonLiteral{{"null", "!!null", "null", nil}}
	case 'N':
		return []jsonLiteral{{"NaN", "!!float", ".nan", math.NaN()}}
	case 'I':
		return []jsonLiteral{{"Infinity", "!!float", ".inf", math.Inf(1)}}
	case '-':
		return []jsonLiteral{{"-Infinity", "!!float", "-.inf", math.Inf(-1)}}
	}
	return nil
}

// scalar returns a value, or its node.
func (p *jsonParser) scalar(tag, text string, v any, line, col int) any {
	if !p.nodes {
		return v
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: text, Style: yaml.TaggedStyle, Line: line, Column: col}
}

func (p *jsonParser) number(line, col int) (any, error) {
	start := p.i
	if p.i < len(p.data) && p.data[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(p.data) && p.data[p.i] >= '0' && p.data[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	intStart := p.i
	if digits() == 0 || p.data[intStart] == '0' && p.i-intStart > 1 {
		p.i = start
		return nil, p.errorf("expected a value")
	}
	isFloat := false
	if p.i < len(p.data) && p.data[p.i] == '.' {
		p.i++
		isFloat = true
		if digits() == 0 {
			return nil, p.errorf("expected digits after '.'")
		}
	}
	if p.i < len(p.data) && (p.data[p.i] == 'e' || p.data[p.i] == 'E') {
		p.i++
		isFloat = true
		if p.i < len(p.data) && (p.data[p.i] == '+' || p.data[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return nil, p.errorf("expected digits in the exponent")
		}
	}
	text := p.data[start:p.i]
	if isFloat {
		// The syntax is checked: only a range error is left, and
		// Python's float() gives the same infinity or zero.
		f, _ := strconv.ParseFloat(text, 64)
		return p.scalar("!!float", text, f, line, col), nil
	}
	if len(text) > maxPyDigits {
		return nil, p.errorf("an integer of more than %d digits", maxPyDigits)
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		return p.scalar("!!int", text, int(n), line, col), nil
	}
	v, _ := parseBigInt(text, 10)
	return p.scalar("!!int", text, v, line, col), nil
}

// str reads a string, checking escapes and refusing raw control
// characters as Python's strict decoder does.
func (p *jsonParser) str() (string, error) {
	p.i++ // the opening quote
	start := p.i
	for p.i < len(p.data) && p.data[p.i] != '"' && p.data[p.i] != '\\' && p.data[p.i] >= 0x20 && p.data[p.i] < 0x80 {
		p.i++
	}
	if p.i < len(p.data) && p.data[p.i] == '"' {
		p.i++
		return p.data[start : p.i-1], nil // ASCII without escapes: a slice of the input
	}
	p.i = start
	var b strings.Builder
	for {
		start := p.i
		for p.i < len(p.data) && p.data[p.i] != '"' && p.data[p.i] != '\\' && p.data[p.i] >= 0x20 {
			p.i++
		}
		b.WriteString(p.data[start:p.i])
		if p.i >= len(p.data) {
			return "", p.errorf("unterminated string")
		}
		switch c := p.data[p.i]; {
		case c == '"':
			p.i++
			s := b.String()
			if !utf8.ValidString(s) {
				return "", p.errorf("a string is not UTF-8")
			}
			return s, nil
		case c < 0x20:
			return "", p.errorf("control character %U in a string", rune(c))
		}
		if err := p.escape(&b); err != nil {
			return "", err
		}
	}
}

// escape reads the escape at p.i into b.
func (p *jsonParser) escape(b *strings.Builder) error {
	if p.i+1 >= len(p.data) {
		return p.errorf("unterminated string")
	}
	c := p.data[p.i+1]
	if j := strings.IndexByte(`"\/bfnrt`, c); j >= 0 {
		b.WriteByte("\"\\/\b\f\n\r\t"[j])
		p.i += 2
		return nil
	}
	if c != 'u' {
		return p.errorf("invalid escape \\%c", c)
	}
	r, ok := p.hex4(p.i + 2)
	if !ok {
		return p.errorf("invalid \\u escape")
	}
	p.i += 6
	if utf16.IsSurrogate(r) {
		r2, ok2 := rune(0), false
		if strings.HasPrefix(p.data[p.i:], `\u`) {
			r2, ok2 = p.hex4(p.i + 2)
		}
		if d := utf16.DecodeRune(r, r2); ok2 && d != utf8.RuneError {
			p.i += 6
			r = d
		} else {
			return p.errorf("a lone UTF-16 surrogate \\u%04x has no UTF-8 form", r)
		}
	}
	b.WriteRune(r)
	return nil
}

func (p *jsonParser) hex4(at int) (rune, bool) {
	if at+4 > len(p.data) {
		return 0, false
	}
	v, err := strconv.ParseUint(p.data[at:at+4], 16, 32)
	return rune(v), err == nil
}

func (p *jsonParser) array(depth, line, col int) (any, error) {
	p.i++
	var items []any
	p.space()
	if p.i < len(p.data) && p.data[p.i] == ']' {
		p.i++
		return p.seq(items, line, col), nil
	}
	for {
		p.space()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		items = append(items, v)
		p.space()
		if p.i >= len(p.data) {
			return nil, p.errorf("unterminated list")
		}
		switch p.data[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return p.seq(items, line, col), nil
		default:
			return nil, p.errorf("expected ',' or ']'")
		}
	}
}

func (p *jsonParser) seq(items []any, line, col int) any {
	if !p.nodes {
		if items == nil {
			items = []any{}
		}
		return items
	}
	n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: line, Column: col}
	for _, it := range items {
		n.Content = append(n.Content, it.(*yaml.Node))
	}
	return n
}

func (p *jsonParser) object(depth, line, col int) (any, error) {
	p.i++
	o := &jsonObject{}
	if !p.nodes {
		o.m = map[string]any{}
	}
	p.space()
	if p.i < len(p.data) && p.data[p.i] == '}' {
		p.i++
		return p.obj(o, line, col), nil
	}
	for {
		p.space()
		if p.i >= len(p.data) || p.data[p.i] != '"' {
			return nil, p.errorf("expected a key in double quotes")
		}
		var kpos calyptos.Position
		if p.nodes || p.keep != nil {
			kpos = p.pos()
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		if p.keep != nil && len(p.path) < 4 && p.keep(p.path, k) {
			p.keyPos[pathKey(p.path, k)] = kpos
		}
		p.space()
		if p.i >= len(p.data) || p.data[p.i] != ':' {
			return nil, p.errorf("expected ':' after a key")
		}
		p.i++
		p.space()
		p.path = append(p.path, k)
		v, err := p.value(depth + 1)
		p.path = p.path[:len(p.path)-1]
		if err != nil {
			return nil, err
		}
		o.add(k, v, kpos, p.nodes)
		p.space()
		if p.i >= len(p.data) {
			return nil, p.errorf("unterminated object")
		}
		switch p.data[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return p.obj(o, line, col), nil
		default:
			return nil, p.errorf("expected ',' or '}'")
		}
	}
}

// jsonObject is an object being read: a map of values, or the key and
// value nodes; and the first of AnsibleJSONDecoder's keys it holds.
type jsonObject struct {
	m       map[string]any
	content []*yaml.Node
	hook    string // "__ansible_vault" or "__ansible_unsafe", "" for none
	hookVal any
}

func (o *jsonObject) add(k string, v any, kpos calyptos.Position, nodes bool) {
	if k == "__ansible_vault" || k == "__ansible_unsafe" {
		if o.hook == "" || o.hook == k {
			o.hook, o.hookVal = k, v
		}
	}
	if !nodes {
		o.m[k] = v
		return
	}
	o.content = append(o.content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k, Style: yaml.DoubleQuotedStyle, Line: kpos.Line, Column: kpos.Column}, v.(*yaml.Node))
}

// obj builds an object, applying AnsibleJSONDecoder's hooks: a vault
// value is kept as its ciphertext, an unsafe one as what it wraps.
func (p *jsonParser) obj(o *jsonObject, line, col int) any {
	switch o.hook {
	case "__ansible_vault":
		if n, ok := o.hookVal.(*yaml.Node); ok && n.Kind == yaml.ScalarNode {
			n.Tag = "!vault"
			return n
		}
		if _, ok := o.hookVal.(string); ok {
			return o.hookVal
		}
	case "__ansible_unsafe":
		if n, ok := o.hookVal.(*yaml.Node); ok && n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
			n.Tag = "!unsafe"
		}
		return o.hookVal
	}
	if !p.nodes {
		return o.m
	}
	return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: line, Column: col, Content: o.content}
}

// countJSON returns where an upper bound of the number of values of a
// JSON text passes limit, or ok when it never does, without parsing it:
// outside strings, each value but the first follows a '[', a '{' or a ','.
func countJSON(data []byte, limit int) (line, col int, ok bool) {
	n := 1
	line, lineStart := 1, 0
	inString := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case inString:
			if c == '\\' {
				i++
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '\n':
			line, lineStart = line+1, i+1
		case c == '[' || c == '{' || c == ',':
			if n++; n > limit {
				return line, utf8.RuneCount(data[lineStart:i]) + 1, false
			}
		}
	}
	return 0, 0, true
}
