package yamlx

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Entry is one key of a YAML mapping with its resolved value.
type Entry struct {
	Key, Value *yaml.Node
}

// Entries returns the keys of mapping m in file order with their resolved
// values, followed by the keys brought in by merge keys (<<: *a, or
// <<: [*a, *b]) that m does not set itself. A key m sets more than once
// (not valid YAML, but loaded by PyYAML and Chef) is listed once, with its
// last value, where it is last written. It returns nil when m is not a
// mapping.
func Entries(m *yaml.Node) []Entry {
	m = Resolve(m)
	return entries(m, 0, map[*yaml.Node]int{m: 0})
}

// entries lists m's keys and those it merges. merged holds the mappings
// already listed, with their depth: one merged again (<<: [*a, *a], or
// nested merges that reach it twice) adds no key unless the depth limit
// cut it shorter the first time, and skipping it keeps the work linear in
// the size of the file however the merges nest.
func entries(m *yaml.Node, depth int, merged map[*yaml.Node]int) []Entry {
	if m == nil || m.Kind != yaml.MappingNode || depth > 8 {
		return nil
	}
	out := make([]Entry, 0, len(m.Content)/2)
	// Where each own key is last set; for a small mapping a scan is cheaper
	// than the map.
	var last map[string]int
	if len(m.Content) > 32 {
		last = make(map[string]int, len(m.Content)/2)
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Tag != "!!merge" {
				last[m.Content[i].Value] = i
			}
		}
	}
	var merges []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Tag == "!!merge" {
			merges = append(merges, m.Content[i+1])
			continue
		}
		if setAgain(m, i, last) {
			continue
		}
		out = append(out, Entry{m.Content[i], Resolve(m.Content[i+1])})
	}
	var have map[string]bool // the keys of out, once out is large
	for _, mg := range merges {
		mg = Resolve(mg)
		srcs := []*yaml.Node{mg}
		if mg != nil && mg.Kind == yaml.SequenceNode {
			srcs = mg.Content
		}
		for _, src := range srcs {
			src = Resolve(src)
			if d, ok := merged[src]; ok && d <= depth+1 {
				continue
			}
			merged[src] = depth + 1
			for _, e := range entries(src, depth+1, merged) {
				if have == nil && len(out) > 16 {
					have = make(map[string]bool, len(out))
					for _, o := range out {
						have[o.Key.Value] = true
					}
				}
				var dup bool
				if have != nil {
					dup = have[e.Key.Value]
				} else {
					dup = hasOwnKey(out, e.Key.Value)
				}
				if dup {
					continue
				}
				out = append(out, e)
				if have != nil {
					have[e.Key.Value] = true
				}
			}
		}
	}
	return out
}

// setAgain reports whether the key at m.Content[i] is set again later in
// mapping m, whose last value wins. last, if not nil, maps each key of m
// to the index of its last setting.
func setAgain(m *yaml.Node, i int, last map[string]int) bool {
	key := m.Content[i].Value
	if last != nil {
		return last[key] != i
	}
	for j := i + 2; j+1 < len(m.Content); j += 2 {
		if m.Content[j].Value == key && m.Content[j].Tag != "!!merge" {
			return true
		}
	}
	return false
}

func hasOwnKey(es []Entry, key string) bool {
	for _, e := range es {
		if e.Key.Value == key {
			return true
		}
	}
	return false
}

// Lookup returns the key and resolved value nodes of key in mapping m,
// honouring aliases and merge keys (the mapping's own keys win, and of a
// key set twice the last, see Entries), or nils when m is not a mapping or
// has no such key.
func Lookup(m *yaml.Node, key string) (k, v *yaml.Node) {
	m = Resolve(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := len(m.Content)&^1 - 2; i >= 0; i -= 2 {
		if m.Content[i].Tag != "!!merge" && m.Content[i].Value == key {
			return m.Content[i], Resolve(m.Content[i+1])
		}
	}
	for _, e := range Entries(m) {
		if e.Key.Value == key {
			return e.Key, e.Value
		}
	}
	return nil, nil
}

// MapValue returns the resolved value of key in mapping m (see Lookup), or nil.
func MapValue(m *yaml.Node, key string) *yaml.Node {
	_, v := Lookup(m, key)
	return v
}

// Truthy decides whether a section is present, with Python's truthiness
// (DIFFERENCES.md): null, false, 0, "" and empty collections are absent.
func Truthy(n *yaml.Node) bool {
	n = Resolve(n)
	if n == nil {
		return false
	}
	switch n.Kind {
	case yaml.MappingNode, yaml.SequenceNode:
		return len(n.Content) > 0
	case yaml.ScalarNode:
		if IsNull(n) {
			return false
		}
		if b, ok := YAML11Bool(n); ok {
			return b
		}
		switch n.Tag {
		case "!!int":
			// YAML 1.1 integers: 0x1f, 0b101, 017 (octal), 1_000. A 0o17
			// is YAML 1.2 only: a (non-empty) string to YAML 1.1.
			v := strings.TrimLeft(n.Value, "+-")
			if len(v) > 1 && (v[1] == 'o' || v[1] == 'O') {
				return true
			}
			i, err := strconv.ParseInt(v, 0, 64)
			return err != nil || i != 0
		case "!!float":
			f, err := strconv.ParseFloat(n.Value, 64)
			return err != nil || f != 0
		}
		return n.Value != ""
	}
	return true
}

// YAML11Bool reads a scalar as a YAML 1.1 loader does: true/false and,
// unquoted, yes/no and on/off in lower, title or upper case are booleans
// (yaml.v3 tags only true/false as !!bool).
func YAML11Bool(n *yaml.Node) (value, ok bool) {
	if n.Tag != "!!bool" && (n.Tag != "!!str" || n.Style != 0) {
		return false, false
	}
	switch n.Value {
	case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON":
		return true, true
	case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF":
		return false, true
	}
	return false, false
}

// KindName names a node's kind for an error message: a mapping, a list,
// null, or the scalar quoted.
func KindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if IsNull(n) {
			return "null"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "an unexpected YAML node"
}
