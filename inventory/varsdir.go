package inventory

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/org/calyptos"
	"gopkg.in/yaml.v3"
)

// This file reads group_vars/ and host_vars/ beside an inventory as
// Ansible's host_group_vars plugin does: for a name, the first of NAME
// (a file, or a directory of files read in name order, recursively),
// NAME.yml, NAME.yaml and NAME.json.

// loadVarsDirs reads the vars files of every group and host.
func (m *model) loadVarsDirs(basedir string) error {
	m.groupFiles, m.hostFiles = map[string]*varsFile{}, map[string]*varsFile{}
	gdir, hdir := filepath.Join(basedir, "group_vars"), filepath.Join(basedir, "host_vars")
	gnames, hnames := dirNames(gdir), dirNames(hdir)
	for _, g := range m.gorder {
		f, err := m.varsFor(gdir, gnames, g.name)
		if err != nil {
			return err
		}
		if f != nil {
			m.groupFiles[g.name] = f
		}
	}
	for _, h := range m.horder {
		f, err := m.varsFor(hdir, hnames, h.name)
		if err != nil {
			return err
		}
		if f != nil {
			m.hostFiles[h.name] = f
		}
	}
	return nil
}

// dirNames returns the names in a vars directory, read once rather than
// looked up for each of thousands of hosts; nil when it is not a
// directory (Ansible warns and goes on).
func dirNames(dir string) map[string]bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	out := make(map[string]bool, len(entries))
	for _, e := range entries {
		out[e.Name()] = true
	}
	return out
}

// varsFor merges the vars files of name under dir, whose entries are
// names, or returns nil.
func (m *model) varsFor(dir string, names map[string]bool, name string) (*varsFile, error) {
	if names == nil {
		return nil, nil
	}
	if strings.ContainsRune(name, filepath.Separator) || name == "." || name == ".." {
		m.warn(calyptos.Position{File: dir}, "no vars files are read for %q: the name is not a file name", name)
		return nil, nil
	}
	var files []string
	for _, ext := range []string{"", ".yml", ".yaml", ".json"} {
		if !names[name+ext] {
			continue
		}
		p := filepath.Join(dir, name+ext)
		st, err := os.Stat(p)
		if err != nil {
			continue
		}
		if st.IsDir() {
			if files, err = m.dirVarsFiles(p, 0); err != nil {
				return nil, err
			}
		} else {
			files = []string{p}
		}
		break
	}
	var out *varsFile
	for _, p := range files {
		f, err := m.loadVarsFile(p)
		if err != nil {
			return nil, err
		}
		if f == nil {
			continue
		}
		if out == nil {
			out = &varsFile{vars: map[string]any{}, varPos: map[string]calyptos.Position{}}
		}
		for k, v := range f.vars {
			out.vars[k] = v
		}
		for k, p := range f.varPos {
			out.varPos[k] = p
		}
	}
	return out, nil
}

// dirVarsFiles lists the vars files of a NAME/ directory: in name order,
// hidden and backup (~) files left out, sub-directories without an
// extension read recursively, files without an extension or with a YAML
// or JSON one.
func (m *model) dirVarsFiles(dir string, depth int) ([]string, error) {
	if depth > maxDirDepth {
		return nil, &Error{Pos: calyptos.Position{File: dir}, Msg: fmt.Sprintf("vars directories nested more than %d deep", maxDirDepth)}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	var out []string
	for _, name := range names {
		if strings.HasPrefix(name, ".") || strings.HasSuffix(name, "~") {
			continue
		}
		p, ext := filepath.Join(dir, name), filepath.Ext(name)
		st, err := os.Stat(p)
		if err != nil {
			continue
		}
		switch {
		case st.IsDir() && ext == "":
			sub, err := m.dirVarsFiles(p, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
		case st.Mode().IsRegular() && (ext == "" || ext == ".yml" || ext == ".yaml" || ext == ".json"):
			out = append(out, p)
		}
	}
	return out, nil
}

// loadVarsFile reads one vars file: a mapping of variables, or an empty
// file (nil).
func (m *model) loadVarsFile(path string) (*varsFile, error) {
	data, err := m.readFile(path, "vars file "+path)
	if err != nil {
		return nil, err
	}
	text := bytes.TrimLeft(data, " \t\r\n")
	if bytes.HasPrefix(text, []byte(vaultPrefix)) {
		return nil, &Error{Pos: calyptos.Position{File: path, Line: 1}, Msg: "the vars file is vault-encrypted: calyptos cannot decrypt it; pass `ansible-inventory --ask-vault-pass --list` JSON instead"}
	}
	m.file = path
	f := &varsFile{vars: map[string]any{}, varPos: map[string]calyptos.Position{}}
	if bytes.HasPrefix(text, []byte("{")) {
		jp := &jsonParser{file: path, data: string(data), keyPos: map[jsonPath]calyptos.Position{},
			keep: func(path []string, key string) bool { return len(path) == 0 && isConnVar(key) }}
		if _, _, ok := countJSON(data, maxJSONItems); ok {
			if v, err := jp.parse(); err == nil {
				vars, ok := v.(map[string]any)
				switch {
				case !ok && truthy(v):
					return nil, &Error{Pos: calyptos.Position{File: path, Line: 1}, Msg: "a vars file must hold a mapping of variables"}
				case len(vars) == 0:
					return nil, nil // Ansible skips an empty file
				}
				f.vars = vars
				for p, pos := range jp.keyPos {
					f.varPos[p[0]] = pos
				}
				return f, nil
			}
		}
	}
	root, err := parseYAMLDoc(path, data)
	if err != nil {
		return nil, err
	}
	if root == nil {
		return nil, nil
	}
	conv := m.newConv(path)
	if root.Kind != yaml.MappingNode {
		if v, err := conv.value(root, 0); err == nil && !truthy(v) {
			return nil, nil // Ansible skips a false value ([], "", 0)
		}
		return nil, &Error{Pos: calyptos.Position{File: path, Line: root.Line, Column: root.Column}, Msg: "a vars file must hold a mapping of variables"}
	}
	entries, err := conv.pairs(root, 0)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		v, err := conv.value(e.v, 1)
		if err != nil {
			return nil, err
		}
		f.vars[e.name] = v
		if isConnVar(e.name) {
			f.varPos[e.name] = calyptos.Position{File: path, Line: e.k.Line, Column: e.k.Column}
		}
	}
	if len(f.vars) == 0 {
		return nil, nil
	}
	return f, nil
}
