package checks

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/org/calyptos/internal/yamlx"
	"gopkg.in/yaml.v3"
)

// This file reads attribute values: assertions into matchers and
// thresholds, settings into options.

// attribute reads one attribute of r.
func (p *parser) attribute(a attr, e yamlx.Entry, r *resource) {
	n, pos := e.Value, p.pos(e.Key)
	switch a.name {
	case "skip":
		r.skip = p.boolValue(n, "skip")
		return
	case "title":
		r.title = p.text(n, "title")
		return
	case "hint":
		r.hint = p.text(n, "hint")
		return
	case "meta":
		return
	}
	if !a.kind.asserts() {
		if v, ok := p.option(a, n); ok {
			r.opts[a.name] = v
		}
		return
	}
	as := &assertion{attr: a.name, kind: a.kind, pos: pos}
	var err error
	switch a.kind {
	case kMinSize:
		as.size, err = scalarWith(n, parseSize)
	case kMinFree:
		if s, _ := yamlx.Scalar(n); strings.HasSuffix(s, "%") {
			as.isPct = true
			as.pct, err = scalarWith(n, parsePercent)
		} else {
			as.size, err = scalarWith(n, parseSize)
		}
	case kMaxPct:
		as.pct, err = scalarWith(n, parsePercent)
	case kMaxSkew:
		as.dur, err = scalarWith(n, parseDuration)
	default:
		as.m = p.matcher(n, a.kind, a.name)
		if as.m == nil {
			return
		}
	}
	if err != nil {
		p.errs.add(p.pos(n), "%s: %v", a.name, err)
		return
	}
	r.asserts = append(r.asserts, as)
}

// scalarWith reads a scalar with parse.
func scalarWith[T any](n *yaml.Node, parse func(string) (T, error)) (T, error) {
	var zero T
	s, ok := yamlx.Scalar(n)
	if !ok {
		return zero, fmt.Errorf("expected a value, found %s", yamlx.KindName(yamlx.Resolve(n)))
	}
	return parse(s)
}

// boolValue reads true or false (YAML 1.1's yes and no too).
func (p *parser) boolValue(n *yaml.Node, name string) bool {
	n = yamlx.Resolve(n)
	if n != nil && n.Kind == yaml.ScalarNode {
		if b, ok := yamlx.YAML11Bool(n); ok {
			return b
		}
	}
	p.errs.add(p.pos(n), "%s: expected true or false, found %s", name, yamlx.KindName(n))
	return false
}

// text reads a string setting.
func (p *parser) text(n *yaml.Node, name string) string {
	n = yamlx.Resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		p.errs.add(p.pos(n), "%s: expected a string, found %s", name, yamlx.KindName(n))
		return ""
	}
	return n.Value
}

// option reads a setting.
func (p *parser) option(a attr, n *yaml.Node) (any, bool) {
	switch a.kind {
	case oBool:
		return p.boolValue(n, a.name), true
	case oDuration:
		d, err := scalarWith(n, parseDuration)
		if err != nil {
			p.errs.add(p.pos(n), "%s: %v", a.name, err)
			return nil, false
		}
		return d, true
	case oTexts:
		items := yamlx.Items(n)
		if items == nil && !yamlx.IsNull(n) {
			p.errs.add(p.pos(n), "%s: expected a list of strings, found %s", a.name, yamlx.KindName(yamlx.Resolve(n)))
			return nil, false
		}
		out := make([]string, 0, len(items))
		for _, it := range items {
			out = append(out, p.text(it, a.name))
		}
		return out, true
	case oAny:
		return nil, false
	}
	return p.text(n, a.name), true
}

// matcher reads an assertion's expectation for an attribute of kind k.
// It returns nil after reporting a problem.
func (p *parser) matcher(n *yaml.Node, k kind, name string) matcher {
	n = yamlx.Resolve(n)
	p.budget--
	if n == nil || p.budget < 0 {
		p.errs.add(p.pos(n), "%s: expected a value", name)
		return nil
	}
	switch {
	case k == kBool:
		if n.Kind == yaml.ScalarNode {
			if b, ok := yamlx.YAML11Bool(n); ok {
				return boolM(b)
			}
		}
		p.errs.add(p.pos(n), "%s: expected true or false, found %s", name, yamlx.KindName(n))
		return nil
	case k == kMode:
		m, err := scalarWith(n, parseMode)
		if err != nil {
			p.errs.add(p.pos(n), "%s: %v", name, err)
			return nil
		}
		return modeM(m)
	case n.Kind == yaml.MappingNode:
		return p.mapMatcher(n, k, name)
	case n.Kind == yaml.SequenceNode:
		return p.listMatcher(n, k, name)
	}
	s, ok := yamlx.Scalar(n)
	if !ok {
		p.errs.add(p.pos(n), "%s: expected a value or a matcher, found %s", name, yamlx.KindName(n))
		return nil
	}
	m := newEqual(s)
	if k == kNum && !m.isNum {
		p.errs.add(p.pos(n), "%s: expected a number or a numeric matcher (lt, le, gt, ge), found %q", name, s)
		return nil
	}
	if k == kList {
		return elemM{m}
	}
	return m
}

// listMatcher reads a YAML list: line patterns for text, goss's
// contain-elements otherwise.
func (p *parser) listMatcher(n *yaml.Node, k kind, name string) matcher {
	switch k {
	case kLines:
		var ps patternsM
		for _, it := range yamlx.Items(n) {
			s, ok := yamlx.Scalar(it)
			if !ok || it.Kind != yaml.ScalarNode {
				p.errs.add(p.pos(it), "%s: expected a pattern (\"text\", \"!text\", \"/regexp/\"), found %s", name, yamlx.KindName(it))
				continue
			}
			pt, err := newPattern(s)
			if err != nil {
				p.errs.add(p.pos(it), "%s: %v", name, err)
				continue
			}
			ps = append(ps, pt)
		}
		return ps
	case kList:
		ms := p.matchers(n, kText, name)
		if ms == nil {
			return nil
		}
		return elemsM(ms)
	}
	p.errs.add(p.pos(n), "%s: expected a value or a matcher, not a list", name)
	return nil
}

// matchers reads a list of matchers for the elements of a list.
func (p *parser) matchers(n *yaml.Node, k kind, name string) []matcher {
	items := yamlx.Items(n)
	if items == nil {
		p.errs.add(p.pos(n), "%s: expected a list, found %s", name, yamlx.KindName(yamlx.Resolve(n)))
		return nil
	}
	out := make([]matcher, 0, len(items))
	for _, it := range items {
		if m := p.matcher(it, k, name); m != nil {
			out = append(out, m)
		}
	}
	return out
}

// gossMatchers are goss's advanced matchers calyptos does not support.
var gossMatchers = []string{"semver-constraint", "gjson", "have-key", "have-keys", "be-numerically"}

// matcherNames are the advanced matchers.
var matcherNames = []string{"lt", "le", "gt", "ge", "equal", "not", "and", "or", "have-prefix", "have-suffix",
	"contain-substring", "match-regexp", "contain-element", "contain-elements", "consist-of", "have-len"}

// mapMatcher reads goss's advanced matchers: {gt: 200}, {not: ...},
// {and: [...]}. Several keys in one mapping must all match.
func (p *parser) mapMatcher(n *yaml.Node, k kind, name string) matcher {
	es, ok := p.entries(n, "a matcher")
	if !ok || len(es) == 0 {
		if ok {
			p.errs.add(p.pos(n), "%s: empty matcher", name)
		}
		return nil
	}
	var all andM
	for _, e := range es {
		if m := p.advanced(e, k, name); m != nil {
			all = append(all, m)
		}
	}
	switch len(all) {
	case 0:
		return nil
	case 1:
		return all[0]
	}
	return all
}

// advanced reads one advanced matcher.
func (p *parser) advanced(e yamlx.Entry, k kind, name string) matcher {
	op, v := e.Key.Value, e.Value
	s, scalar := yamlx.Scalar(v)
	switch op {
	case "lt", "le", "gt", "ge":
		f, err := strconv.ParseFloat(s, 64)
		if !scalar || err != nil {
			p.errs.add(p.pos(v), "%s: %s expects a number", name, op)
			return nil
		}
		return cmpM{op, f}
	case "have-prefix", "have-suffix", "contain-substring":
		if !scalar {
			p.errs.add(p.pos(v), "%s: %s expects a string", name, op)
			return nil
		}
		return strM{op: op, s: s}
	case "match-regexp":
		re, err := regexp.Compile(s)
		if !scalar || err != nil {
			p.errs.add(p.pos(v), "%s: bad regular expression for match-regexp: %v", name, err)
			return nil
		}
		return strM{op: op, s: s, re: re}
	case "have-len":
		n, err := strconv.Atoi(s)
		if !scalar || err != nil || n < 0 {
			p.errs.add(p.pos(v), "%s: have-len expects a whole number", name)
			return nil
		}
		return lenM(n)
	case "not":
		if m := p.matcher(v, k, name); m != nil {
			return notM{m}
		}
		return nil
	case "and", "or":
		ms := p.matchers(v, k, name)
		if len(ms) == 0 {
			return nil
		}
		if op == "and" {
			return andM(ms)
		}
		return orM(ms)
	}
	return p.listOp(e, k, name)
}

// listOp reads the advanced matchers of lists, and equal.
func (p *parser) listOp(e yamlx.Entry, k kind, name string) matcher {
	op, v := e.Key.Value, e.Value
	switch op {
	case "equal":
		if items := yamlx.Items(v); items != nil {
			var vals equalListM
			for _, it := range items {
				vals = append(vals, p.text(it, name))
			}
			return vals
		}
		s, ok := yamlx.Scalar(v)
		if !ok {
			p.errs.add(p.pos(v), "%s: equal expects a value or a list", name)
			return nil
		}
		return newEqual(s)
	case "contain-element":
		if m := p.matcher(v, kText, name); m != nil {
			return elemM{m}
		}
		return nil
	case "contain-elements", "consist-of":
		ms := p.matchers(v, kText, name)
		if ms == nil {
			return nil
		}
		if op == "consist-of" {
			return consistM(ms)
		}
		return elemsM(ms)
	}
	if contains(gossMatchers, op) {
		p.errs.add(p.pos(e.Key), "%s: goss matcher %q is not supported by calyptos", name, op)
	} else {
		p.errs.add(p.pos(e.Key), "%s: unknown matcher %q%s (valid: %s)", name, op, suggest(op, matcherNames), strings.Join(matcherNames, ", "))
	}
	return nil
}

// portKey matches a port resource's key: [PROTO:]PORT.
var portKey = regexp.MustCompile(`^(?:(tcp|tcp6|udp|udp6):)?([0-9]{1,5})$`)

// checkTarget refuses a resource name that cannot be checked: a path
// that is not absolute, a name with blanks, a bad URL. Names reach the
// hosts' shells quoted; they also frame the gathering output, so none
// holds a control character.
func checkTarget(typ, s string) error {
	if s == "" {
		return fmt.Errorf("empty name")
	}
	if typ == "command" {
		if strings.ContainsRune(s, 0) {
			return fmt.Errorf("a command has no NUL byte")
		}
		return nil
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return fmt.Errorf("a name has no control character (tab, newline...)")
	}
	switch typ {
	case "port":
		m := portKey.FindStringSubmatch(s)
		if m == nil {
			return fmt.Errorf("expected [tcp|tcp6|udp|udp6:]PORT, as tcp:443")
		}
		if n, _ := strconv.Atoi(m[2]); n < 1 || n > 65535 {
			return fmt.Errorf("port %s is not from 1 to 65535", m[2])
		}
	case "file", "mount", "disk":
		if !strings.HasPrefix(s, "/") {
			return fmt.Errorf("expected an absolute path")
		}
	case "http":
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("expected an http:// or https:// URL")
		}
		if _, set := u.User.Password(); set {
			return fmt.Errorf("a password in the URL would show in every report: give it in the password attribute")
		}
	case "kernel-param":
		if strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/:@") != "" ||
			strings.Contains(s, "..") || strings.HasPrefix(s, ".") || strings.HasPrefix(s, "/") {
			return fmt.Errorf("expected a sysctl name, as net.core.somaxconn")
		}
	default:
		if strings.HasPrefix(s, "-") || strings.ContainsAny(s, " /") && typ != "process" {
			return fmt.Errorf("expected a name without blanks or '/', not starting with '-'")
		}
	}
	return nil
}

// normPort writes a port key with its protocol: "22" is "tcp:22".
func normPort(s string) string {
	if !strings.Contains(s, ":") {
		return "tcp:" + s
	}
	return s
}
