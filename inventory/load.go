package inventory

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/org/calyptos"
	"gopkg.in/yaml.v3"
)

// Load reads an inventory as `ansible-inventory -i path --list` does: an
// INI, YAML or ansible-inventory --list JSON file, or a directory of them,
// with the group_vars and host_vars directories beside the file (in the
// directory, for a directory). It refuses an executable file, which
// Ansible would run as an inventory script. Every error it returns for
// input it could read matches ErrInvalid; a path that cannot be opened
// gives the *fs.PathError of the open.
func Load(path string) (*Inventory, error) {
	m := newModel()
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	basedir := filepath.Dir(path)
	if st.IsDir() {
		basedir = path
		err = m.loadDir(path, 0)
	} else {
		err = m.loadFile(path)
	}
	if err != nil {
		return nil, err
	}
	if len(m.probs.errs) > 0 {
		return nil, m.probs.err()
	}
	if err := m.loadVarsDirs(basedir); err != nil {
		return nil, err
	}
	m.file = path
	return m.finish()
}

// Parse reads one inventory file's content; name names it in errors and
// chooses the format as its extension does for Ansible. No group_vars or
// host_vars are read.
func Parse(name string, data []byte) (*Inventory, error) {
	m := newModel()
	if len(data) > maxFileSize {
		return nil, &Error{Pos: calyptos.Position{File: name}, Msg: fmt.Sprintf("inventory file is larger than %d MiB: is it the right file?", maxFileSize>>20)}
	}
	if err := m.parseSource(name, data); err != nil {
		return nil, err
	}
	return m.finish()
}

// maxDirDepth bounds the nesting of directories read as an inventory.
const maxDirDepth = 16

// loadDir reads every file of a directory inventory, in name order,
// skipping what Ansible skips (hidden files, group_vars, host_vars,
// backups and the extensions of INVENTORY_IGNORE_EXTS, .ini included).
func (m *model) loadDir(dir string, depth int) error {
	if depth > maxDirDepth {
		return &Error{Pos: calyptos.Position{File: dir}, Msg: fmt.Sprintf("inventory directories nested more than %d deep", maxDirDepth)}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if !ignoredRE.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	for _, name := range names {
		p := filepath.Join(dir, name)
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		if st.IsDir() {
			err = m.loadDir(p, depth+1)
		} else {
			err = m.loadFile(p)
		}
		if err != nil {
			return err
		}
		if m.probs.full() {
			break
		}
	}
	return nil
}

// loadFile reads one inventory file.
func (m *model) loadFile(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
		return &Error{Pos: calyptos.Position{File: path}, Msg: fmt.Sprintf("inventory file %s is executable: Ansible would run it as an inventory script, and calyptos runs nothing: run `ansible-inventory -i %s --list > inv.json` and pass inv.json (or remove its execute permission if it is a plain file)", path, path)}
	}
	data, err := m.readFile(path, "inventory file "+path)
	if err != nil {
		return err
	}
	return m.parseSource(path, data)
}

// yamlExts are the extensions Ansible's yaml plugin reads ("" is none).
func isYAMLExt(ext string) bool {
	return ext == "" || ext == ".yml" || ext == ".yaml" || ext == ".json"
}

// parseSource reads one file's content into the model, choosing the
// format as Ansible does: the --list JSON (with its "_meta" key), then
// YAML for the yaml plugin's extensions, then INI.
func (m *model) parseSource(name string, data []byte) error {
	m.file = name
	ext := filepath.Ext(name)
	if ext == ".toml" {
		return &Error{Pos: calyptos.Position{File: name}, Msg: fmt.Sprintf("TOML inventories are not supported: run `ansible-inventory -i %s --list > inv.json` and pass inv.json", name)}
	}
	text := bytes.TrimLeft(data, " \t\r\n")
	if bytes.HasPrefix(text, []byte("$ANSIBLE_VAULT;")) {
		return &Error{Pos: calyptos.Position{File: name, Line: 1}, Msg: fmt.Sprintf("the file is vault-encrypted: run `ansible-inventory -i %s --ask-vault-pass --list > inv.json` and pass inv.json", name)}
	}
	var yamlErr error
	if bytes.HasPrefix(text, []byte("{")) {
		done, err := m.parseListJSON(name, data)
		if done || err != nil {
			return err
		}
	}
	if ext != "" && isYAMLExt(ext) || ext == "" && mayBeYAMLMapping(data) {
		root, err := m.yamlRoot(name, data)
		var bound *boundError
		switch {
		case errors.As(err, &bound):
			return err
		case err == nil && root != nil && root.Kind == yaml.MappingNode:
			y := &yamlInv{m: m, conv: m.newConv(name)}
			if err := y.parse(root); err != nil {
				m.probs.addErr(err)
			}
			return nil
		case err == nil && root == nil:
			err = &Error{Pos: calyptos.Position{File: name, Line: 1, Column: 1}, Msg: "an empty YAML document: a YAML inventory is a mapping of groups"}
		case err == nil:
			err = &Error{Pos: calyptos.Position{File: name, Line: root.Line, Column: root.Column}, Msg: "a YAML inventory is a mapping of groups, not a list or a scalar"}
		}
		yamlErr = err
	}
	if err := tooManyLines(name, data); err != nil {
		return err
	}
	before := len(m.probs.errs)
	m.parseINI(data)
	switch {
	case len(m.probs.errs) == before || yamlErr == nil:
	case ext != "":
		// A .yml file that is neither is best explained as YAML.
		m.probs.errs = append(m.probs.errs[:before], yamlErr)
	case looksLikeYAML(data):
		m.probs.addErr(&Error{Pos: calyptos.Position{File: name}, Msg: "(read as INI above, as it is not YAML either: " + yamlErr.Error() + ")"})
	}
	return nil
}

// boundError is a refusal for a bound passed: no other format is tried.
type boundError struct{ err *Error }

func (b *boundError) Error() string { return b.err.Error() }

func (b *boundError) Unwrap() error { return b.err }

// newConv returns a YAML value converter for file.
func (m *model) newConv(file string) *yamlConv {
	return &yamlConv{file: file, y: yaml11RE, count: &m.spent.values, memo: map[*yaml.Node]sized{}}
}

// yamlRoot parses data as Ansible's loader does: as JSON when it is
// JSON, else as YAML. It returns nil for an empty document.
func (m *model) yamlRoot(name string, data []byte) (*yaml.Node, error) {
	if text := bytes.TrimLeft(data, " \t\r\n"); bytes.HasPrefix(text, []byte("{")) || bytes.HasPrefix(text, []byte("[")) {
		if line, col, ok := countJSON(data, maxYAMLNodes); !ok {
			return nil, &boundError{err: &Error{Pos: calyptos.Position{File: name, Line: line, Column: col}, Msg: fmt.Sprintf("more than %d values by here: refusing to parse the file", maxYAMLNodes)}}
		}
		jp := &jsonParser{file: name, data: string(data), nodes: true}
		if v, err := jp.parse(); err == nil {
			n, _ := v.(*yaml.Node)
			return n, nil
		}
	}
	return parseYAMLDoc(name, data)
}

// looksLikeYAML reports whether a file without extension that is neither
// valid INI nor valid YAML was meant to be YAML: a line starts with a
// "key:" and none holds '='.
func looksLikeYAML(data []byte) bool {
	if bytes.ContainsRune(data, '=') {
		return false
	}
	return yamlKeyLineRE.Match(data)
}

// mayBeYAMLMapping reports whether data could be a YAML mapping, which
// its first line of content shows: a flow mapping, or a "key:" entry.
// Other files without an extension (most INI files) are not parsed as
// YAML first, which Ansible does to no avail: what is not a mapping is
// read as INI anyway.
func mayBeYAMLMapping(data []byte) bool {
	for line := range splitLines(data) {
		l := bytes.TrimSpace(line)
		switch {
		case len(l) == 0 || l[0] == '#' || l[0] == '%' || bytes.Equal(l, []byte("---")):
			continue
		case l[0] == '{' || l[0] == '?' || l[0] == '&' || l[0] == '!':
			return true
		}
		if i := bytes.Index(l, []byte(" #")); i >= 0 {
			l = bytes.TrimSpace(l[:i])
		}
		return bytes.HasSuffix(l, []byte(":")) || bytes.Contains(l, []byte(": ")) || bytes.Contains(l, []byte(":\t"))
	}
	return false
}

// tooManyLines refuses a file of more than maxINILines lines before it is
// parsed as INI or YAML (the bounds on hosts and nodes do not stop a file
// of 8M lines that each repeat one host, or one long plain scalar).
func tooManyLines(name string, data []byte) error {
	if line, ok := countLines(data, maxINILines); !ok {
		return &boundError{err: &Error{Pos: calyptos.Position{File: name, Line: line, Column: 1}, Msg: fmt.Sprintf("more than %d lines by here: refusing to read the file (write hosts with ranges)", maxINILines)}}
	}
	return nil
}
