package inventory

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/org/calyptos"
	"gopkg.in/yaml.v3"
)

// This file turns YAML nodes into variable values as Ansible's loader
// does: YAML 1.1 types (PyYAML's SafeLoader: yes/no/on/off are booleans,
// 0777 is octal, 1:30 is 90, 2001-12-14 a date), merge keys, and
// Ansible's !unsafe and !vault tags.

// yaml11 holds PyYAML's implicit resolvers (yaml11RE holds them
// compiled).
type yaml11 struct {
	boolRe, floatRe, intRe, timestampRe *regexp.Regexp
}

func newYAML11() *yaml11 {
	return &yaml11{
		boolRe:  regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`),
		floatRe: regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`),
		intRe:   regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`),
		timestampRe: regexp.MustCompile(`^([0-9][0-9][0-9][0-9])-([0-9][0-9]?)-([0-9][0-9]?)` +
			`(?:(?:[Tt]|[ \t]+)([0-9][0-9]?):([0-9][0-9]):([0-9][0-9])(?:\.([0-9]*))?` +
			`(?:[ \t]*(Z|([-+])([0-9][0-9]?)(?::([0-9][0-9]))?))?)?$`),
	}
}

// yamlConv converts the nodes of one file.
type yamlConv struct {
	file  string
	y     *yaml11
	count *int                 // values built, against maxValues
	memo  map[*yaml.Node]sized // anchored nodes already converted
}

// sized is a converted value with the number of values it holds, so that
// each use of an alias is counted at its full size.
type sized struct {
	v any
	n int
}

func (c *yamlConv) errorf(n *yaml.Node, format string, args ...any) error {
	return &Error{Pos: calyptos.Position{File: c.file, Line: n.Line, Column: n.Column}, Msg: fmt.Sprintf(format, args...)}
}

// value converts n.
func (c *yamlConv) value(n *yaml.Node, depth int) (any, error) {
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil, nil
		}
		n = n.Content[0]
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return nil, c.errorf(n, "unknown alias")
		}
		n = n.Alias
	}
	if depth > maxDepth {
		return nil, c.errorf(n, "values nested more than %d deep", maxDepth)
	}
	if s, ok := c.memo[n]; ok {
		if *c.count += s.n; *c.count > maxValues {
			return nil, c.errorf(n, "more than %d variable values by here (aliases count each time they are used): refusing the rest", maxValues)
		}
		return s.v, nil
	}
	before := *c.count
	if *c.count++; *c.count > maxValues {
		return nil, c.errorf(n, "more than %d variable values by here (aliases count each time they are used): refusing the rest", maxValues)
	}
	var v any
	var err error
	switch n.Kind {
	case yaml.ScalarNode:
		v, err = c.scalar(n)
	case yaml.SequenceNode:
		v, err = c.sequence(n, depth)
	case yaml.MappingNode:
		v, err = c.mapping(n, depth)
	default:
		err = c.errorf(n, "unexpected YAML node")
	}
	if err == nil && n.Anchor != "" {
		c.memo[n] = sized{v, *c.count - before}
	}
	return v, err
}

func (c *yamlConv) sequence(n *yaml.Node, depth int) (any, error) {
	if n.Style&yaml.TaggedStyle != 0 && n.Tag != "!!seq" {
		return nil, c.errorf(n, "tag %s is not supported", n.Tag)
	}
	out := make([]any, 0, len(n.Content))
	for _, e := range n.Content {
		v, err := c.value(e, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (c *yamlConv) mapping(n *yaml.Node, depth int) (any, error) {
	if n.Style&yaml.TaggedStyle != 0 && n.Tag != "!!map" {
		return nil, c.errorf(n, "tag %s is not supported", n.Tag)
	}
	entries, err := c.pairs(n, 0)
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(entries))
	for _, e := range entries {
		v, err := c.value(e.v, depth+1)
		if err != nil {
			return nil, err
		}
		out[e.name] = v
	}
	return out, nil
}

// pair is one entry of a mapping, with its key as Python compares it
// (1, 1.0 and true are one key) and as JSON writes it.
type pair struct {
	k, v     *yaml.Node
	id, name string
}

// pairs returns the entries of mapping n as PyYAML builds the dict: the
// merged mappings first (an earlier one of a list winning), then n's own
// keys, a key set twice keeping its first place and name and its last
// value.
func (c *yamlConv) pairs(n *yaml.Node, depth int) ([]pair, error) {
	if depth > maxDepth {
		return nil, c.errorf(n, "merge keys nested more than %d deep", maxDepth)
	}
	var all []pair
	merges := 0
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if isMergeKey(k) {
			sub, err := c.merged(v, depth)
			if err != nil {
				return nil, err
			}
			// Merged keys come before the mapping's own.
			all = append(all[:merges], append(sub, all[merges:]...)...)
			merges += len(sub)
			continue
		}
		id, name, err := c.key(k)
		if err != nil {
			return nil, err
		}
		all = append(all, pair{k, v, id, name})
	}
	return dedupePairs(all), nil
}

// merged returns the entries a merge key brings: of a mapping, or of a
// list of mappings where an earlier one wins.
func (c *yamlConv) merged(v *yaml.Node, depth int) ([]pair, error) {
	v = resolveAlias(v)
	srcs := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		srcs = nil
		for _, s := range v.Content {
			srcs = append([]*yaml.Node{resolveAlias(s)}, srcs...)
		}
	}
	var out []pair
	for _, s := range srcs {
		if s.Kind != yaml.MappingNode {
			return nil, c.errorf(s, "a merge key (<<) takes a mapping or a list of mappings")
		}
		sub, err := c.pairs(s, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, sub...)
	}
	return out, nil
}

func isMergeKey(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && (k.Tag == "!!merge" || k.Style == 0)
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; i < 16 && n.Kind == yaml.AliasNode && n.Alias != nil; i++ {
		n = n.Alias
	}
	return n
}

// dedupePairs keeps, for each key, its first place and its last value.
func dedupePairs(ps []pair) []pair {
	if len(ps) <= 8 {
		out := ps[:0:0]
	next:
		for _, p := range ps {
			for i := range out {
				if out[i].id == p.id {
					out[i].v = p.v
					continue next
				}
			}
			out = append(out, p)
		}
		return out
	}
	at := make(map[string]int, len(ps))
	out := make([]pair, 0, len(ps))
	for _, p := range ps {
		if i, ok := at[p.id]; ok {
			out[i].v = p.v
			continue
		}
		at[p.id] = len(out)
		out = append(out, p)
	}
	return out
}

// key converts a mapping key: its identity under Python's equality and
// the string JSON makes of it.
func (c *yamlConv) key(n *yaml.Node) (id, name string, err error) {
	n = resolveAlias(n)
	if n.Kind != yaml.ScalarNode {
		return "", "", c.errorf(n, "a mapping key must be a scalar, not a list or a mapping")
	}
	v, err := c.scalar(n)
	if err != nil {
		return "", "", err
	}
	id, name, ok := pyKey(v)
	if !ok {
		return "", "", c.errorf(n, "unsupported mapping key %q", n.Value)
	}
	return id, name, nil
}

// scalar converts a scalar with YAML 1.1 rules.
func (c *yamlConv) scalar(n *yaml.Node) (any, error) {
	if n.Style&yaml.TaggedStyle != 0 {
		switch n.Tag {
		case "!!str", "!unsafe", "!vault", "!vault-encrypted":
			// !vault values are kept as their ciphertext, which starts
			// with $ANSIBLE_VAULT; (see connChecker).
			return n.Value, nil
		case "!!null":
			return nil, nil
		case "!!bool":
			if !c.y.boolRe.MatchString(n.Value) {
				return nil, c.errorf(n, "%q is not a boolean", n.Value)
			}
			return yamlTrue(n.Value), nil
		case "!!int":
			return c.int(n, n.Value)
		case "!!float":
			return c.float(n, n.Value)
		case "!!timestamp":
			return c.timestamp(n, n.Value)
		}
		return nil, c.errorf(n, "tag %s is not supported (Ansible knows !unsafe and !vault)", n.Tag)
	}
	if n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return n.Value, nil
	}
	return c.plain(n)
}

// plain resolves a plain scalar as PyYAML does.
func (c *yamlConv) plain(n *yaml.Node) (any, error) {
	s := n.Value
	switch {
	case s == "" || s == "~" || s == "null" || s == "Null" || s == "NULL":
		return nil, nil
	case c.y.boolRe.MatchString(s):
		return yamlTrue(s), nil
	case s == "=" || s == "<<":
		return nil, c.errorf(n, "%q alone is not a value for Ansible's YAML loader: quote it", s)
	}
	if strings.IndexByte("-+0123456789.", s[0]) < 0 {
		return s, nil
	}
	switch {
	case c.y.floatRe.MatchString(s):
		return c.float(n, s)
	case c.y.intRe.MatchString(s):
		return c.int(n, s)
	case s[0] >= '0' && s[0] <= '9' && c.y.timestampRe.MatchString(s):
		return c.timestamp(n, s)
	}
	return s, nil
}

// yamlTrue reads a YAML 1.1 boolean that boolRe matched.
func yamlTrue(s string) bool {
	switch strings.ToLower(s) {
	case "yes", "true", "on":
		return true
	}
	return false
}

// int is PyYAML's construct_yaml_int.
func (c *yamlConv) int(n *yaml.Node, s string) (any, error) {
	v := strings.ReplaceAll(s, "_", "")
	neg := false
	if v != "" && (v[0] == '-' || v[0] == '+') {
		neg, v = v[0] == '-', v[1:]
	}
	var x *big.Int
	var ok bool
	switch {
	case v == "0":
		x, ok = new(big.Int), true
	case strings.HasPrefix(v, "0b"):
		x, ok = new(big.Int).SetString(v[2:], 2)
	case strings.HasPrefix(v, "0x"):
		x, ok = new(big.Int).SetString(v[2:], 16)
	case strings.HasPrefix(v, "0"):
		x, ok = new(big.Int).SetString(v[1:], 8)
	case strings.Contains(v, ":"):
		x, ok = new(big.Int), true
		for _, part := range strings.Split(v, ":") {
			d, err := strconv.Atoi(part)
			if err != nil {
				ok = false
				break
			}
			x.Mul(x, big.NewInt(60)).Add(x, big.NewInt(int64(d)))
		}
	case len(v) <= maxPyDigits:
		x, ok = new(big.Int).SetString(v, 10)
	}
	if !ok {
		return nil, c.errorf(n, "%q is not an integer", s)
	}
	if neg {
		x.Neg(x)
	}
	return normInt(x), nil
}

// float is PyYAML's construct_yaml_float.
func (c *yamlConv) float(n *yaml.Node, s string) (any, error) {
	v := strings.ToLower(strings.ReplaceAll(s, "_", ""))
	sign := 1.0
	if v != "" && (v[0] == '-' || v[0] == '+') {
		if v[0] == '-' {
			sign = -1
		}
		v = v[1:]
	}
	switch {
	case v == ".inf":
		return sign * math.Inf(1), nil
	case v == ".nan":
		return math.NaN(), nil
	case strings.Contains(v, ":"):
		f, base := 0.0, 1.0
		parts := strings.Split(v, ":")
		for i := len(parts) - 1; i >= 0; i-- {
			d, err := strconv.ParseFloat(parts[i], 64)
			if err != nil {
				return nil, c.errorf(n, "%q is not a number", s)
			}
			f += d * base
			base *= 60
		}
		return sign * f, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, c.errorf(n, "%q is not a number", s)
	}
	return sign * f, nil
}

// timestamp is PyYAML's construct_yaml_timestamp, written back as Python's
// isoformat() (what ansible-inventory prints): a date stays YYYY-MM-DD, a
// time becomes YYYY-MM-DDTHH:MM:SS[.ffffff][+HH:MM].
func (c *yamlConv) timestamp(n *yaml.Node, s string) (any, error) {
	m := c.y.timestampRe.FindStringSubmatch(s)
	if m == nil {
		return nil, c.errorf(n, "%q is not a timestamp", s)
	}
	num := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
	year, month, day := num(1), num(2), num(3)
	date := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if year < 1 || date.Day() != day || int(date.Month()) != month {
		return nil, c.errorf(n, "%q is not a valid date", s)
	}
	if m[4] == "" {
		return fmt.Sprintf("%04d-%02d-%02d", year, month, day), nil
	}
	hour, minute, second := num(4), num(5), num(6)
	if hour > 23 || minute > 59 || second > 59 {
		return nil, c.errorf(n, "%q is not a valid time", s)
	}
	out := fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d", year, month, day, hour, minute, second)
	if frac := m[7]; frac != "" {
		frac = (frac + "000000")[:6]
		if frac != "000000" {
			out += "." + frac
		}
	}
	switch {
	case m[9] != "":
		off := num(10)*60 + num(11)
		if off >= 24*60 {
			return nil, c.errorf(n, "%q: the time zone offset is not less than 24 hours", s)
		}
		out += fmt.Sprintf("%s%02d:%02d", m[9], off/60, off%60)
	case m[8] == "Z":
		out += "+00:00"
	}
	return out, nil
}
