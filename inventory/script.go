package inventory

import (
	"fmt"
	"slices"

	"github.com/org/calyptos"
)

// This file reads the JSON that `ansible-inventory --list` prints (and
// inventory scripts print): groups with hosts, children and vars lists,
// and every host's variables under _meta.hostvars. It is how dynamic
// inventories, plugins and vaults reach calyptos: through Ansible itself.

// parseListJSON reads data if it is such JSON (an object with a "_meta"
// key); done is false when it is not, for the other formats to try.
func (m *model) parseListJSON(name string, data []byte) (done bool, err error) {
	if line, col, ok := countJSON(data, maxJSONItems); !ok {
		return true, &boundError{err: &Error{Pos: calyptos.Position{File: name, Line: line, Column: col}, Msg: fmt.Sprintf("more than %d JSON values by here: refusing to parse the file", maxJSONItems)}}
	}
	jp := &jsonParser{file: name, data: string(data), keyPos: map[jsonPath]calyptos.Position{}, keep: keepListKey}
	v, err := jp.parse()
	if err != nil {
		return false, nil
	}
	top, ok := v.(map[string]any)
	if _, meta := top["_meta"]; !ok || !meta {
		return false, nil
	}
	s := &scriptInv{m: m, pos: jp.keyPos, listed: map[string]bool{}}
	s.parse(top)
	return true, nil
}

// keepListKey chooses the keys whose place errors may name: groups and
// their entries, hosts under _meta.hostvars, and connection variables.
func keepListKey(path []string, key string) bool {
	switch len(path) {
	case 0, 1:
		return true
	case 2:
		return path[0] == "_meta" || path[1] == "vars" && isConnVar(key)
	case 3:
		return path[0] == "_meta" && isConnVar(key)
	}
	return false
}

// scriptInv reads the --list JSON into a model, as Ansible's script
// plugin does.
type scriptInv struct {
	m      *model
	pos    map[jsonPath]calyptos.Position
	listed map[string]bool
	hosts  []string // listed hosts, in order
}

// at returns the place of the key at path.
func (s *scriptInv) at(path ...string) calyptos.Position {
	if p, ok := s.pos[pathKey(path[:len(path)-1], path[len(path)-1])]; ok {
		return p
	}
	return calyptos.Position{File: s.m.file}
}

func (s *scriptInv) parse(top map[string]any) {
	names := make([]string, 0, len(top))
	for k := range top {
		if k != "_meta" {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		if s.m.probs.full() {
			return
		}
		s.group(name, top[name])
	}
	meta, ok := top["_meta"].(map[string]any)
	if !ok {
		s.m.probs.add(s.at("_meta"), "_meta must be a mapping with hostvars")
		return
	}
	hv, ok := meta["hostvars"].(map[string]any)
	if !ok {
		if meta["hostvars"] != nil {
			s.m.probs.add(s.at("_meta", "hostvars"), "_meta.hostvars must be a mapping of host names to their variables")
		}
		return
	}
	for _, name := range s.hosts {
		vars, ok := hv[name].(map[string]any)
		if !ok {
			if hv[name] != nil {
				s.m.probs.add(s.at("_meta", "hostvars", name), "the variables of host %q must be a mapping", name)
			}
			continue
		}
		s.m.adoptHostVars(s.m.hosts[name], vars, func(k string) calyptos.Position { return s.at("_meta", "hostvars", name, k) })
	}
}

// group reads one group entry.
func (s *scriptInv) group(name string, data any) {
	m := s.m
	g := m.addGroup(name, s.at(name))
	if g == nil {
		return
	}
	d, ok := data.(map[string]any)
	if !ok {
		d = map[string]any{"hosts": data}
	} else if _, h := d["hosts"]; !h {
		if _, v := d["vars"]; !v {
			if _, c := d["children"]; !c {
				// Ansible's simplified form: a host of the group's name
				// with these variables.
				d = map[string]any{"hosts": []any{name}, "vars": d}
			}
		}
	}
	if hs, ok := d["hosts"]; ok {
		s.hostList(g, hs)
	}
	if vs, ok := d["vars"]; ok {
		vars, ok := vs.(map[string]any)
		if !ok {
			m.probs.add(s.at(name, "vars"), "the vars of group %q must be a mapping", name)
		}
		for k, v := range vars {
			m.setGroupVar(g, k, v, s.at(name, "vars", k))
		}
	}
	if cs, ok := d["children"]; ok {
		list, ok := cs.([]any)
		if !ok {
			m.probs.add(s.at(name, "children"), "the children of group %q must be a list of group names", name)
			return
		}
		for _, c := range list {
			cn, _ := c.(string)
			if child := m.addGroup(cn, s.at(name, "children")); child != nil {
				m.addChild(g, child, s.at(name, "children"))
			}
		}
	}
}

// hostList reads the hosts list of group g.
func (s *scriptInv) hostList(g *group, hs any) {
	list, ok := hs.([]any)
	if !ok {
		s.m.probs.add(s.at(g.name, "hosts"), "the hosts of group %q must be a list", g.name)
		return
	}
	for _, h := range list {
		name, ok := h.(string)
		if !ok {
			s.m.probs.add(s.at(g.name, "hosts"), "group %q: host %v must be a string", g.name, h)
			continue
		}
		if s.m.addHost(name, g, s.at(g.name, "hosts")) == nil {
			continue
		}
		if !s.listed[name] {
			s.listed[name] = true
			s.hosts = append(s.hosts, name)
		}
	}
}
