package inventory

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"

	"github.com/org/calyptos"
)

// This file holds the inventory as the parsers build it, with Ansible's
// rules (ansible/inventory/data.py, group.py, host.py): groups with their
// own variables, child groups and hosts; hosts with their own variables.

// group is one group as parsed.
type group struct {
	name     string
	id       int
	vars     map[string]any
	varPos   map[string]calyptos.Position // where each connection variable was set
	hosts    []*host
	children []*group
	childPos []calyptos.Position // where each child was added
	parents  []*group
	priority int // ansible_group_priority
	depth    int // the longest path from "all", set by finish
}

// host is one host as parsed.
type host struct {
	name   string
	vars   map[string]any
	varPos map[string]calyptos.Position
	groups []*group // the groups it was put in, ancestors not included
	// src is the one host line (or YAML host entry) all of the host's
	// own variables come from, so that the hosts of a range share their
	// merged variables: 0 when it has none, -1 when they come from
	// several places.
	src int
	// shared is set when vars and varPos are shared with other hosts of
	// the same line: they are copied before they are changed.
	shared bool
}

// model is an inventory being built from one or more files.
type model struct {
	file     string // the file being read, for positions
	groups   map[string]*group
	gorder   []*group
	hosts    map[string]*host
	horder   []*host
	probs    *problems
	spent    *budget
	warnings []error
	ap       *addressPatterns
	// The group_vars and host_vars files, by group or host name.
	groupFiles, hostFiles map[string]*varsFile
	sources               int // host lines read, numbering host.src
}

// varsFile is the variables of one group_vars or host_vars entry.
type varsFile struct {
	vars   map[string]any
	varPos map[string]calyptos.Position
}

func newModel() *model {
	m := &model{
		groups: map[string]*group{}, hosts: map[string]*host{},
		probs: &problems{}, spent: &budget{}, ap: addressRE,
	}
	all := m.group(calyptos.RoleAll)
	m.addChild(all, m.group("ungrouped"), calyptos.Position{})
	return m
}

// isConnVar reports whether k says how to reach a host; where such a
// variable is set is kept, to point at it when its value is refused.
func isConnVar(k string) bool {
	switch k {
	case "ansible_host", "ansible_ssh_host", "ansible_port", "ansible_ssh_port",
		"ansible_user", "ansible_ssh_user", "ansible_private_key_file", "ansible_ssh_private_key_file":
		return true
	}
	return false
}

func (m *model) pos(line, col int) calyptos.Position {
	return calyptos.Position{File: m.file, Line: line, Column: col}
}

func (m *model) warn(pos calyptos.Position, format string, args ...any) {
	if len(m.warnings) < maxProblems {
		m.warnings = append(m.warnings, &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
	}
}

// group returns the group of that name, creating it (a name already
// checked by checkGroupName).
func (m *model) group(name string) *group {
	if g, ok := m.groups[name]; ok {
		return g
	}
	g := &group{name: name, id: len(m.gorder), vars: map[string]any{}, priority: 1}
	m.groups[name] = g
	m.gorder = append(m.gorder, g)
	return g
}

// addGroup checks a group name and returns its group, or nil after
// recording why the name is refused.
func (m *model) addGroup(name string, pos calyptos.Position) *group {
	if g, ok := m.groups[name]; ok {
		return g
	}
	switch {
	case name == "":
		m.probs.add(pos, "empty group name")
		return nil
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		m.probs.add(pos, "group name %q contains a control character", name)
		return nil
	case len(m.gorder) >= maxGroups:
		m.probs.add(pos, "more than %d groups by here: refusing the rest", maxGroups)
		return nil
	}
	return m.group(name)
}

// addHost adds a host to g (nil: to no group), creating it.
func (m *model) addHost(name string, g *group, pos calyptos.Position) *host {
	h, ok := m.hosts[name]
	if !ok {
		if err := checkHostName(name); err != nil {
			m.probs.add(pos, "%v", err)
			return nil
		}
		if len(m.horder) >= maxHosts {
			m.probs.add(pos, "more than %d hosts by here: refusing the rest", maxHosts)
			return nil
		}
		h = &host{name: name}
		m.hosts[name] = h
		m.horder = append(m.horder, h)
	}
	if g != nil && !slices.Contains(h.groups, g) {
		g.hosts = append(g.hosts, h)
		h.groups = append(h.groups, g)
	}
	return h
}

// addChild makes child a child group of parent. A cycle is found once
// every file is read (finish), which keeps adding a child cheap.
func (m *model) addChild(parent, child *group, pos calyptos.Position) bool {
	if parent == child {
		m.probs.add(pos, "group %q cannot be a child of itself", child.name)
		return false
	}
	if slices.Contains(parent.children, child) {
		return true
	}
	parent.children = append(parent.children, child)
	parent.childPos = append(parent.childPos, pos)
	child.parents = append(child.parents, parent)
	return true
}

// hostLine adds the hosts of one host line (or YAML host entry) with
// their port and variables, as Ansible does: the port is set on a host
// the line creates, the variables on every host. The line is noted as
// the source of their own variables, and the hosts it creates share one
// map of them (copied when one is set again).
func (m *model) hostLine(names []string, g *group, port int, pos calyptos.Position, vars []hostVar) {
	m.sources++
	var first *host // the first host the line created
	for _, name := range names {
		old, existed := m.hosts[name]
		had := existed && len(old.vars) > 0
		h := m.addHost(name, g, pos)
		if h == nil {
			return
		}
		if !existed && first != nil {
			h.vars, h.varPos, h.shared = first.vars, first.varPos, true
		} else {
			if !existed && port > 0 {
				m.setHostVar(h, "ansible_port", port, pos)
			}
			for _, v := range vars {
				m.setHostVar(h, v.k, v.v, v.pos)
			}
			if !existed {
				first, h.shared = h, true
			}
		}
		switch {
		case len(h.vars) == 0:
		case had:
			h.src = -1
		default:
			h.src = m.sources
		}
	}
}

// hostVar is one variable of a host line.
type hostVar struct {
	k   string
	v   any
	pos calyptos.Position
}

// setGroupVar sets a variable of a group; ansible_group_priority sets the
// group's priority instead, as in Ansible.
func (m *model) setGroupVar(g *group, k string, v any, pos calyptos.Position) {
	if k == "ansible_group_priority" {
		p, ok := pyIntValue(v)
		if !ok {
			m.probs.add(pos, "ansible_group_priority of group %q must be an integer, not %s", g.name, describe(v))
			return
		}
		g.priority = p
		return
	}
	g.vars[k] = v
	if isConnVar(k) {
		if g.varPos == nil {
			g.varPos = map[string]calyptos.Position{}
		}
		g.varPos[k] = pos
	}
}

func (m *model) setHostVar(h *host, k string, v any, pos calyptos.Position) {
	if h.shared {
		h.vars, h.varPos, h.shared = maps.Clone(h.vars), maps.Clone(h.varPos), false
	}
	if h.vars == nil {
		h.vars = make(map[string]any, 2)
	}
	h.vars[k] = v
	h.src = -1 // hostLine says when the variables have one source
	if isConnVar(k) {
		if h.varPos == nil {
			h.varPos = map[string]calyptos.Position{}
		}
		h.varPos[k] = pos
	}
}

// adoptHostVars gives h the variables of a map built for it alone (from
// ansible-inventory's JSON), without copying them; at says where a
// connection variable is.
func (m *model) adoptHostVars(h *host, vars map[string]any, at func(string) calyptos.Position) {
	if len(h.vars) > 0 {
		for k, v := range vars {
			m.setHostVar(h, k, v, at(k))
		}
		return
	}
	h.vars, h.src = vars, -1
	for k := range vars {
		if isConnVar(k) {
			if h.varPos == nil {
				h.varPos = map[string]calyptos.Position{}
			}
			h.varPos[k] = at(k)
		}
	}
}

// pyIntValue is Python's int(v) for a variable value.
func pyIntValue(v any) (int, bool) {
	switch v := v.(type) {
	case int:
		return v, true
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	case float64:
		if v >= -1<<62 && v <= 1<<62 {
			return int(v), true
		}
	case string:
		if n, err := pyInt(v); err == nil && n.IsInt64() {
			return int(n.Int64()), true
		}
	}
	return 0, false
}

// describe names a value's type and value for an error message.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("the string %q", v)
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	case bool:
		return fmt.Sprintf("the boolean %v", v)
	}
	return fmt.Sprintf("%v", v)
}
