package checks

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/yamlx"
	"gopkg.in/yaml.v3"
)

// This file walks a checks file's YAML tree into roles, resources and
// reach edges, collecting every problem with its position.

// roleChecks are the resources of one role section.
type roleChecks struct {
	role      string
	pos       calyptos.Position
	resources []*resource
	asserts   int // the number of assertions of the resources
}

// resource is one resource of a role: a service, a file, a command...
type resource struct {
	typ *resourceType
	// key is as written; target is what is checked (the key, or the
	// name attribute: path, exec, url...).
	key, target string
	// id is "<type>:<key>" cut and cleaned for finding keys.
	id          string
	pos         calyptos.Position
	hint, title string
	skip        bool
	asserts     []*assertion
	// opts are the settings: a string, bool, time.Duration or []string
	// by attribute name.
	opts map[string]any
	// failHint is the hint of its failures: hint, or the type's.
	failHint string
}

// assertion is one attribute checked: one finding per host.
type assertion struct {
	// key is the finding key, head the message's start: set once parsed.
	key, head string
	attr      string
	kind      kind
	pos       calyptos.Position
	m         matcher       // kBool, kText, kNum, kList, kLines, kMode
	size      int64         // kMinSize, kMinFree in bytes
	pct       float64       // kMinFree as a percentage, kMaxPct
	dur       time.Duration // kMaxSkew
	// isPct is set when a kMinFree is a percentage.
	isPct bool
}

// edge is one reachability expectation between two roles.
type edge struct {
	from, to    string
	port        int
	closed      bool // expect: closed
	timeout     time.Duration
	pos         calyptos.Position
	fromPos     calyptos.Position
	toPos       calyptos.Position
	hint, title string
	skip        bool
}

// parser walks one file.
type parser struct {
	file   string
	errs   errList
	budget int // YAML nodes left to visit: aliases can repeat a subtree
	types  []*resourceType
}

func (p *parser) pos(n *yaml.Node) calyptos.Position {
	if n == nil {
		return calyptos.Position{File: p.file}
	}
	return calyptos.Position{File: p.file, Line: n.Line, Column: n.Column}
}

// entries returns a mapping's entries (merge keys followed, see
// yamlx.Entries) after reporting keys set twice, which YAML forbids and
// which would silently drop checks (goss's "wrong way to write a goss
// file"), and keys that are not strings. ok is false for a node that is
// not a mapping (reported as not being what) or when the file's node
// budget is spent.
func (p *parser) entries(n *yaml.Node, what string) ([]yamlx.Entry, bool) {
	n = yamlx.Resolve(n)
	if yamlx.IsNull(n) {
		return nil, true
	}
	if n.Kind != yaml.MappingNode {
		p.errs.add(p.pos(n), "expected %s, found %s", what, yamlx.KindName(n))
		return nil, false
	}
	seen := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Tag == "!!merge" {
			continue
		}
		if k.Kind != yaml.ScalarNode {
			p.errs.add(p.pos(k), "expected a name as key, found %s", yamlx.KindName(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			p.errs.add(p.pos(k), "%q is set twice in this mapping (first at line %d): the first would be ignored; merge them", k.Value, first.Line)
		}
		seen[k.Value] = k
	}
	es := yamlx.Entries(n)
	p.budget -= len(es) + 1
	if p.budget < 0 {
		return nil, false
	}
	return es, true
}

// topLevel walks the root mapping.
func (p *parser) topLevel(root *yaml.Node, f *File) {
	es, ok := p.entries(root, "a mapping with roles: and reach:")
	if !ok {
		return
	}
	for _, e := range es {
		switch e.Key.Value {
		case "roles":
			p.roles(e.Value, f)
		case "reach":
			p.edges(e.Value, f)
		default:
			msg := fmt.Sprintf("unknown top-level key %q%s: a checks file has roles: and reach:", e.Key.Value, suggest(e.Key.Value, []string{"roles", "reach"}))
			if p.typeOf(e.Key.Value) != nil {
				msg += fmt.Sprintf("; resources go under a role (roles: {all: {%s: ...}})", e.Key.Value)
			}
			p.errs.add(p.pos(e.Key), "%s", msg)
		}
	}
	if len(f.roles) == 0 && len(f.edges) == 0 && len(p.errs.errs) == 0 {
		p.errs.add(p.pos(root), "no checks: the file has no resource under roles: and no edge under reach:")
	}
}

func (p *parser) typeOf(name string) *resourceType {
	for _, t := range p.types {
		if t.name == name {
			return t
		}
	}
	return nil
}

// roles walks roles: ROLE: TYPE: ...
func (p *parser) roles(n *yaml.Node, f *File) {
	es, ok := p.entries(n, "a mapping of role names to their resources")
	if !ok {
		return
	}
	for _, e := range es {
		name := e.Key.Value
		if err := checkRoleName(name); err != nil {
			p.errs.add(p.pos(e.Key), "role %q: %v", name, err)
			continue
		}
		rc := &roleChecks{role: name, pos: p.pos(e.Key)}
		types, ok := p.entries(e.Value, "a mapping of resource types (port, service, file...) under role "+strconv.Quote(name))
		if !ok {
			continue
		}
		for _, te := range types {
			p.resourceType(te, rc)
		}
		if len(rc.resources) > 0 {
			f.roles = append(f.roles, rc)
		}
	}
	p.assignIDs(f)
}

// checkRoleName refuses what cannot name a role, or a debugger.
func checkRoleName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty role name")
	case strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '/' }):
		return fmt.Errorf("a role name has no blank, control character or '/'")
	}
	return nil
}

// resourceType walks TYPE: KEY: ATTRS (or TYPE: ATTRS for a singleton).
func (p *parser) resourceType(te yamlx.Entry, rc *roleChecks) {
	tname := te.Key.Value
	t := p.typeOf(tname)
	if t == nil {
		if contains(gossOnly, tname) {
			p.errs.add(p.pos(te.Key), "goss resource %q is not supported by calyptos (supported: %s)", tname, strings.Join(typeNames(p.types), ", "))
		} else {
			p.errs.add(p.pos(te.Key), "unknown resource type %q%s (valid: %s)", tname, suggest(tname, typeNames(p.types)), strings.Join(typeNames(p.types), ", "))
		}
		return
	}
	if t.singleton {
		r := &resource{typ: t, key: t.name, target: t.name, pos: p.pos(te.Key), opts: map[string]any{}}
		if p.attributes(te.Value, r) {
			rc.resources = append(rc.resources, r)
		}
		return
	}
	res, ok := p.entries(te.Value, "a mapping of "+tname+" names to their attributes")
	if !ok {
		return
	}
	for _, re := range res {
		r := &resource{typ: t, key: re.Key.Value, target: re.Key.Value, pos: p.pos(re.Key), opts: map[string]any{}}
		ok := p.attributes(re.Value, r)
		if s, set := r.opts[t.nameAttr].(string); set && s != "" {
			r.target = s
		}
		if err := checkTarget(t.name, r.target); err != nil {
			p.errs.add(r.pos, "%s %q: %v", tname, shownTarget(r.target), err)
			continue
		}
		if !ok {
			continue
		}
		if t.name == "port" {
			r.target = normPort(r.target)
		}
		rc.resources = append(rc.resources, r)
	}
}

// attributes walks a resource's attributes; it returns false when the
// resource is unusable.
func (p *parser) attributes(n *yaml.Node, r *resource) bool {
	t := r.typ
	what := fmt.Sprintf("a mapping of the attributes of %s %q", t.name, r.key)
	if t.singleton {
		what = fmt.Sprintf("a mapping of the attributes of %s (%s)", t.name, strings.Join(t.attrNames()[:len(t.attrs)], ", "))
	}
	es, ok := p.entries(n, what)
	if !ok {
		return false
	}
	before := len(p.errs.errs)
	given := map[string]bool{}
	for _, e := range es {
		name := e.Key.Value
		given[name] = true
		a, ok := t.lookup(name)
		if !ok {
			if contains(t.unsupported, name) {
				p.errs.add(p.pos(e.Key), "goss attribute %q of %s is not supported by calyptos", name, t.name)
			} else {
				p.errs.add(p.pos(e.Key), "unknown attribute %q of %s%s (valid: %s)", name, t.name, suggest(name, t.attrNames()), strings.Join(t.attrNames(), ", "))
			}
			continue
		}
		p.attribute(a, e, r)
	}
	for _, req := range t.required {
		if !given[req] {
			p.errs.add(r.pos, "%s %q: missing required attribute %q", t.name, r.key, req)
		}
	}
	if len(t.anyOf) > 0 && !containsAny(given, t.anyOf) {
		p.errs.add(r.pos, "%s %q: nothing to check: give %s", t.name, r.key, strings.Join(t.anyOf, " or "))
	}
	return len(p.errs.errs) == before
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func containsAny(m map[string]bool, keys []string) bool {
	for _, k := range keys {
		if m[k] {
			return true
		}
	}
	return false
}

// assignIDs gives every resource its part of the finding keys,
// "<type>:<key>": cleaned as the runner cleans keys, cut to leave room
// for the longest attribute (with a hash of the whole key, so that two
// long keys stay apart), and made unique within its role.
func (p *parser) assignIDs(f *File) {
	for _, rc := range f.roles {
		seen := map[string]bool{}
		for _, r := range rc.resources {
			if r.typ.singleton {
				r.id = r.typ.name
				continue
			}
			longest := 0
			for _, a := range r.typ.attrs {
				longest = max(longest, len(a.name))
			}
			room := maxKey - len(r.typ.name) - 2 - longest
			k := cleanKey(r.key)
			if len(k) > room || seen[r.typ.name+":"+k] {
				k = k[:min(len(k), room-9)] + "-" + shortHash(r.key)
			}
			r.id = r.typ.name + ":" + k
			seen[r.id] = true
		}
		for _, r := range rc.resources {
			r.failHint = cmp.Or(r.hint, strings.ReplaceAll(r.typ.hint, "NAME", r.target))
			for _, a := range r.asserts {
				a.key, a.head = r.id+":"+a.attr, subject(r)+": "+a.attr+": "
			}
			rc.asserts += len(r.asserts)
		}
	}
}

// maxKey is the runner's bound on a finding key.
const maxKey = 96

// cleanKey replaces what the runner would in a finding key: every
// character but an ASCII letter, digit or one of . _ - : / @ + = by "-".
func cleanKey(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("._-:/@+=", r):
			return r
		}
		return '-'
	}, s)
}

func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:4])
}

// shownTarget is a resource's name as an error shows it: a URL's password
// replaced by xxxxx.
func shownTarget(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		return u.Redacted()
	}
	return s
}
