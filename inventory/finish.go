package inventory

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/org/calyptos"
)

// This file turns the parsed groups and hosts into an Inventory, as
// Ansible's reconcile_inventory and VariableManager.get_vars do.

// finish checks the group graph, applies Ansible's rules to it and builds
// the Inventory.
func (m *model) finish() (*Inventory, error) {
	if len(m.probs.errs) > 0 {
		return nil, m.probs.err()
	}
	m.reconcileGroups()
	if err := m.checkCycles(); err != nil {
		return nil, err
	}
	m.reconcileHosts()
	m.setDepths()
	inv, err := m.build()
	if err != nil {
		return nil, err
	}
	if len(m.probs.errs) > 0 {
		return nil, m.probs.err()
	}
	return inv, nil
}

// checkCycles refuses children that make a cycle, naming the cycle at
// the child entry that closes it last in the file (where Ansible stops).
func (m *model) checkCycles() error {
	state := make([]uint8, len(m.gorder)) // 0 unseen, 1 on the path, 2 done
	type frame struct {
		g *group
		i int
	}
	for _, root := range m.gorder {
		if state[root.id] != 0 {
			continue
		}
		stack := []frame{{root, 0}}
		state[root.id] = 1
		for len(stack) > 0 {
			f := &stack[len(stack)-1]
			if f.i == len(f.g.children) {
				state[f.g.id] = 2
				stack = stack[:len(stack)-1]
				continue
			}
			c := f.g.children[f.i]
			f.i++
			switch state[c.id] {
			case 0:
				state[c.id] = 1
				stack = append(stack, frame{c, 0})
			case 1:
				from := slices.IndexFunc(stack, func(f frame) bool { return f.g == c })
				return cycleError(stack[from:], func(f frame) (*group, int) { return f.g, f.i - 1 })
			}
		}
	}
	return nil
}

// cycleError describes the cycle of the given path, each step a group
// and the index of the child taken.
func cycleError[F any](path []F, step func(F) (*group, int)) error {
	names := make([]string, 0, len(path)+1)
	var at calyptos.Position
	var parent, child string
	for _, f := range path {
		g, i := step(f)
		names = append(names, g.name)
		p := g.childPos[i]
		if parent == "" || cmp.Or(cmp.Compare(p.File, at.File), cmp.Compare(p.Line, at.Line), cmp.Compare(p.Column, at.Column)) > 0 {
			at, parent, child = p, g.name, g.children[i].name
		}
	}
	g, _ := step(path[0])
	names = append(names, g.name)
	return &Error{Pos: at, Msg: fmt.Sprintf("adding group %q as a child of %q makes a cycle: %s", child, parent, strings.Join(names, " → "))}
}

// reconcileGroups puts every group without a parent under "all".
func (m *model) reconcileGroups() {
	all := m.groups[calyptos.RoleAll]
	for _, g := range m.gorder {
		if g != all && len(g.parents) == 0 {
			m.addChild(all, g, calyptos.Position{File: m.file})
		}
	}
}

// reconcileHosts applies Ansible's rule for "ungrouped": it holds the
// hosts that are in no other group, and only those.
func (m *model) reconcileHosts() {
	all, ungrouped := m.groups[calyptos.RoleAll], m.groups["ungrouped"]
	for _, h := range m.horder {
		switch {
		case slices.Contains(h.groups, ungrouped):
			if m.inOtherGroup(h, all, ungrouped) {
				h.groups = slices.DeleteFunc(h.groups, func(g *group) bool { return g == ungrouped })
				ungrouped.hosts = slices.DeleteFunc(ungrouped.hosts, func(x *host) bool { return x == h })
			}
		case len(h.groups) == 0 || len(h.groups) == 1 && h.groups[0] == all:
			m.addHost(h.name, ungrouped, calyptos.Position{})
		}
	}
	for _, h := range m.horder {
		if _, ok := m.groups[h.name]; ok {
			m.warn(calyptos.Position{File: m.file}, "%q is both a group and a host", h.name)
		}
	}
}

// inOtherGroup reports whether h is in a group other than all and
// ungrouped, directly or as the ancestor of one of its groups.
func (m *model) inOtherGroup(h *host, all, ungrouped *group) bool {
	for _, g := range h.groups {
		if g != all && g != ungrouped {
			return true
		}
		for _, p := range g.parents {
			if p != all && p != ungrouped {
				return true
			}
		}
	}
	return false
}

// setDepths sets each group's depth: the longest path from "all" to it,
// which orders group variables (a child's win over its parent's).
func (m *model) setDepths() {
	indeg := make([]int, len(m.gorder))
	for _, g := range m.gorder {
		for _, c := range g.children {
			indeg[c.id]++
		}
	}
	queue := []*group{}
	for _, g := range m.gorder {
		if indeg[g.id] == 0 {
			queue = append(queue, g)
		}
	}
	for len(queue) > 0 {
		g := queue[0]
		queue = queue[1:]
		for _, c := range g.children {
			c.depth = max(c.depth, g.depth+1)
			if indeg[c.id]--; indeg[c.id] == 0 {
				queue = append(queue, c)
			}
		}
	}
}

// membership is what hosts with the same groups share: their groups,
// ancestors included, and the variables those groups give them.
type membership struct {
	groups []*group // ancestors included, "all" first, then Ansible's order
	names  []string // sorted
	vars   map[string]any
}

// memberships computes a host's membership, shared by every host put in
// the same groups.
type memberships struct {
	m     *model
	memo  map[string]*membership
	seen  []int // per group, the stamp of the last closure that reached it
	stamp int
}

func (ms *memberships) of(h *host) (*membership, error) {
	ids := make([]string, len(h.groups))
	for i, g := range h.groups {
		ids[i] = strconv.Itoa(g.id)
	}
	slices.Sort(ids)
	key := strings.Join(ids, ",")
	if got, ok := ms.memo[key]; ok {
		return got, nil
	}
	ms.stamp++
	var closure []*group
	queue := slices.Clone(h.groups)
	for len(queue) > 0 {
		g := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if ms.seen[g.id] == ms.stamp {
			continue
		}
		ms.seen[g.id] = ms.stamp
		closure = append(closure, g)
		queue = append(queue, g.parents...)
	}
	mb := &membership{}
	all := ms.m.groups[calyptos.RoleAll]
	for _, g := range closure {
		if g != all {
			mb.groups = append(mb.groups, g)
		}
		mb.names = append(mb.names, g.name)
	}
	slices.SortFunc(mb.groups, func(a, b *group) int {
		return cmp.Or(cmp.Compare(a.depth, b.depth), cmp.Compare(a.priority, b.priority), strings.Compare(a.name, b.name))
	})
	mb.groups = append([]*group{all}, mb.groups...)
	slices.Sort(mb.names)
	if ms.m.spent.cells += ms.m.groupVarCount(mb.groups); ms.m.spent.cells > maxVarCells {
		return nil, &Error{Pos: calyptos.Position{File: ms.m.file}, Msg: fmt.Sprintf("the hosts' variables, merged, pass %d entries: refusing to build them", maxVarCells)}
	}
	mb.vars = ms.m.groupLayers(mb.groups)
	ms.memo[key] = mb
	return mb, nil
}

// groupLayers merges the group variables of a host in Ansible's order:
// "all" from the inventory, the other groups from the inventory, then
// group_vars/all, then the other groups' group_vars. groups starts with
// "all".
func (m *model) groupLayers(groups []*group) map[string]any {
	out := make(map[string]any, m.groupVarCount(groups))
	for _, g := range groups {
		for k, v := range g.vars {
			out[k] = v
		}
	}
	for _, g := range groups {
		if f := m.groupFiles[g.name]; f != nil {
			for k, v := range f.vars {
				out[k] = v
			}
		}
	}
	return out
}

// groupVarCount bounds the size of the variables groups give a host.
func (m *model) groupVarCount(groups []*group) int {
	n := 0
	for _, g := range groups {
		n += len(g.vars)
		if f := m.groupFiles[g.name]; f != nil {
			n += len(f.vars)
		}
	}
	return n
}

// layers returns where a host's variables come from, lowest precedence
// first, each with the positions of its connection variables.
func (m *model) layers(h *host, mb *membership) []map[string]calyptos.Position {
	var out []map[string]calyptos.Position
	for _, g := range mb.groups {
		out = append(out, g.varPos)
	}
	for _, g := range mb.groups {
		if f := m.groupFiles[g.name]; f != nil {
			out = append(out, f.varPos)
		}
	}
	out = append(out, h.varPos)
	if f := m.hostFiles[h.name]; f != nil {
		out = append(out, f.varPos)
	}
	return out
}

// build makes the Inventory.
func (m *model) build() (*Inventory, error) {
	inv := &Inventory{byName: make(map[string]*Host, len(m.horder)), groupVars: map[string]map[string]any{}, warnings: m.warnings}
	ms := &memberships{m: m, memo: map[string]*membership{}, seen: make([]int, len(m.gorder))}
	roles := make(map[string][]string, len(m.gorder))
	for _, g := range m.gorder {
		roles[g.name] = nil
	}
	conn := &connChecker{m: m, reported: map[string]bool{}}
	shared := map[sharedKey]map[string]any{}
	for _, h := range m.horder {
		if len(h.groups) == 0 {
			// Left in no group by the "ungrouped" rule (ungrouped made a
			// child group): not a host of "all", as in Ansible.
			continue
		}
		mb, err := ms.of(h)
		if err != nil {
			return nil, err
		}
		if m.spent.members += len(mb.names); m.spent.members > maxMembers {
			return nil, &Error{Pos: calyptos.Position{File: m.file}, Msg: fmt.Sprintf("more than %d (host, group) memberships, nested groups included: refusing to build them", maxMembers)}
		}
		vars, err := m.hostVars(h, mb, shared)
		if err != nil {
			return nil, err
		}
		out := &Host{Name: h.name, Address: h.name, Groups: mb.names, Vars: vars}
		conn.settings(out, func() []map[string]calyptos.Position { return m.layers(h, mb) })
		inv.hosts = append(inv.hosts, out)
		inv.byName[h.name] = out
		for _, g := range mb.names {
			if g != calyptos.RoleAll { // NewRoleBuilder puts every host in "all"
				roles[g] = append(roles[g], h.name)
			}
		}
	}
	for _, g := range m.gorder {
		inv.groups = append(inv.groups, g.name)
		gv := make(map[string]any, len(g.vars))
		for k, v := range g.vars {
			gv[k] = v
		}
		if f := m.groupFiles[g.name]; f != nil {
			for k, v := range f.vars {
				gv[k] = v
			}
		}
		inv.groupVars[g.name] = gv
	}
	slices.Sort(inv.groups)
	inv.hosts = sortHosts(inv.hosts, inv.byName)
	inv.roles = roles
	inv.rb = sync.OnceValue(func() *calyptos.RoleBuilder { return calyptos.NewRoleBuilder(inv.roles, calyptos.WithSource(inv)) })
	return inv, nil
}

// sharedKey names the merged variables that the hosts of one host line
// in the same groups share.
type sharedKey struct {
	mb  *membership
	src int
}

// hostVars merges a host's own variables and host_vars over those of
// its groups. Hosts without their own share their groups' map, and the
// hosts of one line in the same groups share one map.
func (m *model) hostVars(h *host, mb *membership, shared map[sharedKey]map[string]any) (map[string]any, error) {
	f := m.hostFiles[h.name]
	switch {
	case len(h.vars) == 0 && f == nil:
		return mb.vars, nil
	case len(mb.vars) == 0 && f == nil:
		return h.vars, nil // ansible-inventory's JSON: every variable is the host's
	}
	key := sharedKey{mb, h.src}
	if h.src > 0 && f == nil {
		if v, ok := shared[key]; ok {
			return v, nil
		}
	}
	n := len(mb.vars) + len(h.vars)
	if f != nil {
		n += len(f.vars)
	}
	if m.spent.cells += n; m.spent.cells > maxVarCells {
		return nil, &Error{Pos: calyptos.Position{File: m.file}, Msg: fmt.Sprintf("the hosts' variables, merged, pass %d entries: refusing to build them", maxVarCells)}
	}
	vars := make(map[string]any, n)
	for k, v := range mb.vars {
		vars[k] = v
	}
	for k, v := range h.vars {
		vars[k] = v
	}
	if f != nil {
		for k, v := range f.vars {
			vars[k] = v
		}
	}
	if h.src > 0 && f == nil {
		shared[key] = vars
	}
	return vars, nil
}
