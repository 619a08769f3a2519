package inventory

import (
	"fmt"

	"github.com/org/calyptos"
	"gopkg.in/yaml.v3"
)

// This file reads a YAML inventory as Ansible's yaml plugin does
// (ansible/plugins/inventory/yaml.py): top-level keys are groups, each
// with optional hosts, children and vars, at any depth.

// yamlInv reads one YAML inventory document into a model.
type yamlInv struct {
	m    *model
	conv *yamlConv
}

func (y *yamlInv) pos(n *yaml.Node) calyptos.Position {
	return calyptos.Position{File: y.m.file, Line: n.Line, Column: n.Column}
}

// parse reads root, a mapping.
func (y *yamlInv) parse(root *yaml.Node) error {
	entries, err := y.conv.pairs(root, 0)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.k.Value == "plugin" {
			if v, err := y.conv.value(e.v, 0); err == nil && truthy(v) {
				return &Error{Pos: y.pos(e.k), Msg: fmt.Sprintf("this is the configuration of the inventory plugin %v, not an inventory: run `ansible-inventory -i %s --list > inv.json` and pass inv.json", v, y.m.file)}
			}
		}
	}
	for _, e := range entries {
		if y.m.probs.full() {
			break
		}
		if _, err := y.group(e.k, e.v, 0); err != nil {
			return err
		}
	}
	return nil
}

// truthy is Python's truth of a value.
func truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	case string:
		return v != ""
	case int:
		return v != 0
	case float64:
		return v != 0
	case []any:
		return len(v) > 0
	case map[string]any:
		return len(v) > 0
	}
	return true
}

// name converts a group or host key, which must be a string.
func (y *yamlInv) name(k *yaml.Node, what string) (string, error) {
	k = resolveAlias(k)
	if k.Kind == yaml.ScalarNode {
		v, err := y.conv.scalar(k)
		if err != nil {
			return "", err
		}
		if s, ok := v.(string); ok && s != "" {
			return s, nil
		}
	}
	return "", &Error{Pos: y.pos(k), Msg: fmt.Sprintf("%s %q must be a non-empty string: quote it", what, k.Value)}
}

// group reads the group named by key k with its data n; it returns the
// group, or nil when Ansible skips it (a warning says why).
func (y *yamlInv) group(k, n *yaml.Node, depth int) (*group, error) {
	name, err := y.name(k, "group name")
	if err != nil {
		return nil, err
	}
	if depth > maxDepth {
		return nil, &Error{Pos: y.pos(k), Msg: fmt.Sprintf("groups nested more than %d deep", maxDepth)}
	}
	n = resolveAlias(n)
	isNull := isNullNode(n)
	if n.Kind != yaml.MappingNode && !isNull {
		y.m.warn(y.pos(k), "skipping %q: a group is a mapping of hosts, children and vars", name)
		return nil, nil
	}
	g := y.m.addGroup(name, y.pos(k))
	if g == nil || isNull {
		return g, nil
	}
	entries, err := y.conv.pairs(n, 0)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if err := y.section(g, e, depth); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// section reads one entry of a group: hosts, children or vars.
func (y *yamlInv) section(g *group, e pair, depth int) error {
	key := e.k.Value
	v := resolveAlias(e.v)
	isSection := key == "hosts" || key == "children" || key == "vars"
	switch {
	case isNullNode(v):
		return nil
	case v.Kind == yaml.ScalarNode && isSection:
		// A string is one entry with no value (hosts: web1).
		if _, ok := mustString(y.conv, v); !ok {
			return &Error{Pos: y.pos(v), Msg: fmt.Sprintf("%s of group %q must be a mapping, not %q", key, g.name, v.Value)}
		}
		v = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: v.Line, Column: v.Column,
			Content: []*yaml.Node{v, {Kind: yaml.ScalarNode, Tag: "!!null", Line: v.Line, Column: v.Column}}}
	case v.Kind != yaml.MappingNode && isSection:
		return &Error{Pos: y.pos(v), Msg: fmt.Sprintf("%s of group %q must be a mapping, not a list", key, g.name)}
	case v.Kind != yaml.MappingNode:
		y.m.warn(y.pos(e.k), "group %q: skipping %q, which is not a mapping", g.name, key)
		return nil
	case !isSection:
		y.m.warn(y.pos(e.k), "group %q: skipping %q: a group holds only hosts, children and vars", g.name, key)
		return nil
	}
	entries, err := y.conv.pairs(v, 0)
	if err != nil {
		return err
	}
	switch key {
	case "vars":
		return y.vars(entries, func(k string, val any, pos calyptos.Position) { y.m.setGroupVar(g, k, val, pos) })
	case "children":
		for _, c := range entries {
			child, err := y.group(c.k, c.v, depth+1)
			if err != nil {
				return err
			}
			y.addChild(g, child, c.k)
		}
	case "hosts":
		for _, h := range entries {
			if err := y.hosts(g, h); err != nil {
				return err
			}
		}
	}
	return nil
}

// mustString reads a scalar that must be a string.
func mustString(c *yamlConv, n *yaml.Node) (string, bool) {
	v, err := c.scalar(n)
	s, ok := v.(string)
	return s, ok && err == nil
}

// addChild adds a child read from a children entry; a child Ansible
// skipped is still added when it names a known group or host.
func (y *yamlInv) addChild(g, child *group, k *yaml.Node) {
	if child != nil {
		y.m.addChild(g, child, y.pos(k))
		return
	}
	name, _ := y.name(k, "group name")
	switch {
	case y.m.groups[name] != nil:
		y.m.addChild(g, y.m.groups[name], y.pos(k))
	case y.m.hosts[name] != nil:
		y.m.addHost(name, g, y.pos(k))
	default:
		y.m.probs.add(y.pos(k), "child %q of group %q is neither a group nor a host", name, g.name)
	}
}

// vars converts the variables of a vars mapping or of a host.
func (y *yamlInv) vars(entries []pair, set func(string, any, calyptos.Position)) error {
	for _, e := range entries {
		v, err := y.conv.value(e.v, 1)
		if err != nil {
			return err
		}
		set(e.name, v, y.pos(e.k))
	}
	return nil
}

// hosts reads one entry of a hosts mapping: a pattern and its variables.
func (y *yamlInv) hosts(g *group, e pair) error {
	pattern, err := y.name(e.k, "host")
	if err != nil {
		return err
	}
	v := resolveAlias(e.v)
	var entries []pair
	if v.Kind == yaml.MappingNode {
		if entries, err = y.conv.pairs(v, 0); err != nil {
			return err
		}
	} else if x, err := y.conv.value(v, 1); err != nil {
		return err
	} else if truthy(x) {
		// Ansible reads "host: value or {}": a false value is no vars.
		return &Error{Pos: y.pos(v), Msg: fmt.Sprintf("the variables of host %q must be a mapping", pattern)}
	}
	names, port, err := y.m.ap.expandPattern(pattern, maxHosts-len(y.m.horder))
	if err != nil {
		return &Error{Pos: y.pos(e.k), Msg: err.Error()}
	}
	portNum, ok := atoiPort(port)
	if !ok {
		return &Error{Pos: y.pos(e.k), Msg: fmt.Sprintf("host %q: port %s is not from 1 to 65535", pattern, port)}
	}
	var vars []hostVar
	if err := y.vars(entries, func(k string, val any, pos calyptos.Position) { vars = append(vars, hostVar{k, val, pos}) }); err != nil {
		return err
	}
	y.m.hostLine(names, g, portNum, y.pos(e.k), vars)
	return nil
}
