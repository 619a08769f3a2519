package checks

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/org/calyptos/internal/yamlx"
	"gopkg.in/yaml.v3"
)

// edgeKeys are the keys of a reach edge.
var edgeKeys = []string{"from", "to", "port", "expect", "timeout", "hint", "title", "skip", "meta"}

// edges walks reach: [{from: ROLE, to: ROLE, port: N, expect: open|closed}].
func (p *parser) edges(n *yaml.Node, f *File) {
	n = yamlx.Resolve(n)
	if yamlx.IsNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		p.errs.add(p.pos(n), "reach: expected a list of edges ({from: ROLE, to: ROLE, port: N}), found %s", yamlx.KindName(n))
		return
	}
	seen := map[string]*edge{}
	for _, it := range n.Content {
		e, ok := p.edge(it)
		if !ok {
			continue
		}
		k := e.from + "\x00" + e.to + "\x00" + strconv.Itoa(e.port)
		if first, dup := seen[k]; dup {
			p.errs.add(e.pos, "the edge from %s to %s on port %d is given twice (first at line %d)", e.from, e.to, e.port, first.pos.Line)
			continue
		}
		seen[k] = e
		f.edges = append(f.edges, e)
	}
}

// edge reads one edge.
func (p *parser) edge(n *yaml.Node) (*edge, bool) {
	n = yamlx.Resolve(n)
	es, ok := p.entries(n, "an edge ({from: ROLE, to: ROLE, port: N})")
	if !ok || n == nil {
		return nil, false
	}
	e := &edge{pos: p.pos(n)}
	before := len(p.errs.errs)
	given := map[string]bool{}
	for _, en := range es {
		given[en.Key.Value] = true
		p.edgeKey(e, en)
	}
	for _, req := range []string{"from", "to", "port"} {
		if !given[req] {
			p.errs.add(e.pos, "edge: missing %q", req)
		}
	}
	return e, len(p.errs.errs) == before
}

// edgeKey reads one key of an edge.
func (p *parser) edgeKey(e *edge, en yamlx.Entry) {
	v := en.Value
	switch en.Key.Value {
	case "from", "to":
		role := p.text(v, en.Key.Value)
		if err := checkRoleName(role); err != nil {
			p.errs.add(p.pos(v), "%s: role %q: %v", en.Key.Value, role, err)
		}
		if en.Key.Value == "from" {
			e.from, e.fromPos = role, p.pos(v)
		} else {
			e.to, e.toPos = role, p.pos(v)
		}
	case "port":
		s, _ := yamlx.Scalar(v)
		port, err := strconv.Atoi(s)
		if err != nil || port < 1 || port > 65535 {
			p.errs.add(p.pos(v), "port: expected a TCP port from 1 to 65535, found %s", yamlx.KindName(yamlx.Resolve(v)))
		}
		e.port = port
	case "expect":
		switch s := strings.TrimSpace(p.text(v, "expect")); s {
		case "open", "":
		case "closed":
			e.closed = true
		default:
			p.errs.add(p.pos(v), "expect: expected open or closed, found %q", s)
		}
	case "timeout":
		d, err := scalarWith(v, parseDuration)
		if err != nil {
			p.errs.add(p.pos(v), "timeout: %v", err)
		}
		e.timeout = d
	case "hint":
		e.hint = p.text(v, "hint")
	case "title":
		e.title = p.text(v, "title")
	case "skip":
		e.skip = p.boolValue(v, "skip")
	case "meta":
	default:
		p.errs.add(p.pos(en.Key), "unknown key %q of an edge%s (valid: %s)", en.Key.Value, suggest(en.Key.Value, edgeKeys), strings.Join(edgeKeys, ", "))
	}
}

// key is the edge's finding key: reach:FROM->TO:PORT (the runner makes
// the ">" a "-").
func (e *edge) key() string { return fmt.Sprintf("reach:%s->%s:%d", e.from, e.to, e.port) }
