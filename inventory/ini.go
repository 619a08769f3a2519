package inventory

import (
	"iter"
	"strings"
	"unicode/utf8"

	"github.com/org/calyptos"
)

// This file reads an INI inventory as Ansible's ini plugin does
// (ansible/plugins/inventory/ini.py).

// iniParser reads one INI file into a model.
type iniParser struct {
	m       *model
	pending []*pendingDecl // in the order first seen
	byName  map[string]*pendingDecl
	group   *group
	state   string
	line    int
}

// pendingDecl is a group used before it is declared: in [x:children],
// or as [x:vars].
type pendingDecl struct {
	name    string
	state   string // "children" or "vars"
	line    int
	parents []pendingParent
}

type pendingParent struct {
	g    *group
	line int
}

// parseINI reads data as an INI inventory.
func (m *model) parseINI(data []byte) {
	p := &iniParser{
		m:      m,
		byName: map[string]*pendingDecl{},
		group:  m.group("ungrouped"),
		state:  "hosts",
	}
	for raw := range splitLines(data) {
		p.line++
		if m.probs.full() {
			return
		}
		if len(raw) > maxLineLen {
			m.probs.add(m.pos(p.line, 1), "line longer than %d bytes", maxLineLen)
			continue
		}
		if !utf8.Valid(raw) {
			if len(raw) > 0 && (raw[0] == '#' || raw[0] == ';') {
				continue // Ansible reads such comments as empty lines
			}
			m.probs.add(m.pos(p.line, 1), "line is not UTF-8 text")
			continue
		}
		text := string(raw)
		line := strings.TrimSpace(text)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		col := 1 + utf8.RuneCountInString(text[:strings.Index(text, line)])
		p.parseLine(line, col)
	}
	p.finishPending()
}

// lineBreak returns the length of the line break at data[i:], 0 for
// none: Python's str.splitlines breaks lines at more than '\n'.
func lineBreak(data []byte, i int) int {
	switch c := data[i]; {
	case c == '\r' && i+1 < len(data) && data[i+1] == '\n':
		return 2
	case c == '\n' || c == '\r' || c == '\v' || c == '\f' || c >= 0x1c && c <= 0x1e:
		return 1
	case c == 0xc2 && i+1 < len(data) && data[i+1] == 0x85: // U+0085
		return 2
	case c == 0xe2 && i+2 < len(data) && data[i+1] == 0x80 && (data[i+2] == 0xa8 || data[i+2] == 0xa9): // U+2028, U+2029
		return 3
	}
	return 0
}

// splitLines yields the lines of data as Python's str.splitlines does.
func splitLines(data []byte) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		start := 0
		for i := 0; i < len(data); {
			n := lineBreak(data, i)
			if n == 0 {
				i++
				continue
			}
			if !yield(data[start:i]) {
				return
			}
			i += n
			start = i
		}
		if start < len(data) {
			yield(data[start:])
		}
	}
}

// countLines returns the line where the count of lines passes limit, or
// ok when it never does, without reading the lines. It runs over the
// bytes that cannot start a line break at one byte a step, as it may have
// to scan a whole 16 MiB file.
func countLines(data []byte, limit int) (int, bool) {
	n := 1
	for i := 0; i < len(data); i++ {
		if !mayBreak(data[i]) {
			continue
		}
		if b := lineBreak(data, i); b > 0 {
			if n++; n > limit {
				return n, false
			}
			i += b - 1
		}
	}
	return 0, true
}

// mayBreak reports whether c can start a line break (see lineBreak).
func mayBreak(c byte) bool {
	return c <= 0x1e && (c == '\n' || c == '\r' || c == '\v' || c == '\f' || c >= 0x1c) || c == 0xc2 || c == 0xe2
}

// parseLine reads one stripped, non-comment line starting at col.
func (p *iniParser) parseLine(line string, col int) {
	m := p.m
	pos := m.pos(p.line, col)
	if s := iniSectionRE.FindStringSubmatch(line); s != nil {
		p.startSection(s[1], s[2], pos)
		return
	}
	if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
		m.probs.add(pos, "invalid section %q: a section is [group], [group:children] or [group:vars], without spaces", line)
		return
	}
	switch p.state {
	case "hosts":
		p.hostLine(line, col)
	case "vars":
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			m.probs.add(pos, "expected key=value, got %q", line)
			return
		}
		if p.group != nil {
			m.setGroupVar(p.group, strings.TrimSpace(k), p.value(strings.TrimSpace(v)), pos)
		}
	case "children":
		s := iniGroupNameRE.FindStringSubmatch(line)
		if s == nil {
			m.probs.add(pos, "expected a group name, got %q", line)
			return
		}
		p.child(s[1], pos)
	}
}

// startSection reads a [name:state] header.
func (p *iniParser) startSection(name, state string, pos calyptos.Position) {
	m := p.m
	if state == "" {
		state = "hosts"
	}
	if state != "hosts" && state != "children" && state != "vars" {
		m.probs.add(pos, "section [%s:%s] has an unknown type %q: expected hosts, children or vars", name, state, state)
		p.group, p.state = nil, "" // its lines are skipped
		return
	}
	p.state = state
	if _, ok := m.groups[name]; !ok {
		// [x:vars] alone does not declare x: it must be declared
		// elsewhere in the file.
		if _, ok := p.byName[name]; state == "vars" && !ok {
			p.addPending(&pendingDecl{name: name, state: state, line: p.line})
		}
	}
	if p.group = m.addGroup(name, pos); p.group == nil {
		p.state = ""
		return
	}
	if d, ok := p.byName[name]; ok && state != "vars" {
		if d.state == "children" {
			p.addPendingChildren(name)
		} else {
			p.removePending(name)
		}
	}
}

func (p *iniParser) addPending(d *pendingDecl) {
	p.pending = append(p.pending, d)
	p.byName[d.name] = d
}

func (p *iniParser) removePending(name string) {
	delete(p.byName, name)
}

// addPendingChildren makes a group declared at last the child of the
// groups that listed it.
func (p *iniParser) addPendingChildren(name string) {
	d := p.byName[name]
	child := p.m.groups[name]
	for _, parent := range d.parents {
		if child != nil {
			p.m.addChild(parent.g, child, p.m.pos(parent.line, 1))
		}
		if pd, ok := p.byName[parent.g.name]; ok && pd.state == "children" {
			p.addPendingChildren(parent.g.name)
		}
	}
	p.removePending(name)
}

// child reads a line of a [group:children] section.
func (p *iniParser) child(name string, pos calyptos.Position) {
	if p.group == nil {
		return
	}
	if c, ok := p.m.groups[name]; ok {
		p.m.addChild(p.group, c, pos)
		return
	}
	d, ok := p.byName[name]
	if !ok {
		d = &pendingDecl{name: name, state: "children", line: p.line}
		p.addPending(d)
	}
	d.parents = append(d.parents, pendingParent{p.group, p.line})
}

// finishPending reports the groups used but never declared.
func (p *iniParser) finishPending() {
	for _, d := range p.pending {
		if _, ok := p.byName[d.name]; !ok {
			continue
		}
		pos := p.m.pos(d.line, 1)
		if d.state == "vars" {
			p.m.probs.add(pos, "section [%s:vars] is for a group that is declared nowhere: add [%s] or [%s:children]", d.name, d.name, d.name)
			continue
		}
		parent := d.parents[len(d.parents)-1].g.name
		p.m.probs.add(pos, "section [%s:children] includes the group %q that is declared nowhere: add a [%s] section", parent, d.name, d.name)
	}
}

// value reads a value as ast.literal_eval, else as text.
func (p *iniParser) value(v string) any {
	if x, ok := pyLiteral(v, &p.m.spent.values); ok {
		return x
	}
	return v
}

// hostLine reads "pattern key=value ..." of a hosts section.
func (p *iniParser) hostLine(line string, col int) {
	m := p.m
	toks, err := shlexSplit(line)
	if err != nil {
		m.probs.add(m.pos(p.line, col), "cannot read host line %q: %v", line, err)
		return
	}
	if len(toks) == 0 {
		m.probs.add(m.pos(p.line, col), "expected a host, got %q", line)
		return
	}
	at := func(t token) calyptos.Position { return m.pos(p.line, col+t.col) }
	pattern := toks[0].text
	hosts, port, err := m.ap.expandPattern(pattern, maxHosts-len(m.horder))
	switch {
	case err != nil:
		m.probs.add(at(toks[0]), "%v", err)
		return
	case strings.HasSuffix(strings.TrimSpace(pattern), ":") && port == "":
		m.probs.add(at(toks[0]), "host %q ends in ':', which introduces a port", pattern)
		return
	case strings.TrimSpace(pattern) == "---":
		m.probs.add(at(toks[0]), "'---' is not a host: is this a YAML file? Name it .yml or .yaml")
		return
	}
	portNum, ok := atoiPort(port)
	if !ok {
		m.probs.add(at(toks[0]), "host %q: port %s is not from 1 to 65535", pattern, port)
		return
	}
	var vars []hostVar
	for _, t := range toks[1:] {
		k, v, ok := strings.Cut(t.text, "=")
		if !ok {
			m.probs.add(at(t), "expected key=value after the host, got %q", t.text)
			return
		}
		vars = append(vars, hostVar{k, p.value(v), at(t)})
	}
	m.hostLine(hosts, p.group, portNum, at(toks[0]), vars)
}
