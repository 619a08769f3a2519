package checks

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/envfile"
	"github.com/org/calyptos/internal/yamlx"
	"gopkg.in/yaml.v3"
)

// Bounds on what a checks file may cost, as for an environment file: a
// file past one is refused before it is walked.
const (
	maxFileSize = 16 << 20 // bytes
	maxNodes    = 200_000  // YAML nodes, counted from the text, then walked (aliases expanded)
)

// File is a parsed checks file: per role, the resources to check on each
// of its hosts, and the reachability edges between roles. Validate it
// against the deployment's roles, then run its Debuggers.
type File struct {
	name  string
	roles []*roleChecks
	edges []*edge
}

// Load reads and parses a checks file. Like eucalyptus.Load it
// refuses what is not a regular file and a file over 16 MiB; see Parse
// for the rest.
func Load(path string) (*File, error) {
	data, err := envfile.Read(path)
	if errors.Is(err, envfile.ErrInvalid) {
		// The bounded reader speaks of environment files.
		return nil, &Error{Pos: calyptos.Position{File: path}, Msg: strings.Replace(err.Error(), "environment file "+path+" ", "", 1)}
	}
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse parses a checks file; name names it in errors and positions.
// Every problem is reported, each an *Error with file:line:col, joined
// with errors.Join, and the error matches ErrInvalid: an unknown resource
// type or attribute (with the nearest valid name), a goss resource,
// attribute or matcher calyptos does not support, a bad mode, regular
// expression, size or duration, a missing required attribute, a key set
// twice. A file of more than 16 MiB or 200,000 YAML nodes (aliases
// expanded) is refused.
func Parse(name string, data []byte) (*File, error) {
	if len(data) > maxFileSize {
		return nil, &Error{Pos: calyptos.Position{File: name}, Msg: fmt.Sprintf("larger than %d MiB: is it the right file?", maxFileSize>>20)}
	}
	if line, col, ok := envfile.CountNodes(data, maxNodes); !ok {
		return nil, &Error{Pos: calyptos.Position{File: name, Line: line, Column: col}, Err: envfile.ErrTooManyNodes,
			Msg: fmt.Sprintf("more than %d YAML nodes by here; refusing to parse it", maxNodes)}
	}
	root, err := decode(name, data)
	if err != nil {
		return nil, err
	}
	p := &parser{file: name, budget: maxNodes, types: resourceTypes()}
	f := &File{name: name}
	p.topLevel(root, f)
	if p.budget < 0 {
		p.errs.add(calyptos.Position{File: name}, "more than %d YAML nodes once aliases are expanded; refusing to read it", maxNodes)
	}
	if err := p.errs.err(); err != nil {
		return nil, err
	}
	return f, nil
}

// decode reads data's one YAML document.
func decode(name string, data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil && err != io.EOF {
		return nil, syntaxError(name, data, err)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == io.EOF:
	case err != nil:
		return nil, syntaxError(name, data, err)
	default:
		return nil, &Error{Pos: calyptos.Position{File: name, Line: next.Line, Column: next.Column},
			Msg: "a second YAML document starts here: a checks file is one document"}
	}
	root := yamlx.Resolve(&doc)
	if root == nil || root.Kind == 0 || yamlx.IsNull(root) {
		return nil, &Error{Pos: calyptos.Position{File: name, Line: 1, Column: 1}, Msg: "empty checks file: expected roles: and reach:"}
	}
	return root, nil
}

// syntaxError positions a YAML syntax error as the environment parser
// does.
func syntaxError(name string, data []byte, err error) error {
	var ee *envfile.Error
	if errors.As(envfile.SyntaxError(name, data, err), &ee) {
		return &Error{Pos: calyptos.Position(ee.Pos), Msg: ee.Msg, Err: err}
	}
	return &Error{Pos: calyptos.Position{File: name}, Msg: "invalid YAML: " + err.Error(), Err: err}
}

// Name returns the name the file was loaded or parsed under.
func (f *File) Name() string { return f.name }

// Roles returns the roles the file names, in its role sections and its
// edges, sorted.
func (f *File) Roles() []string {
	var out []string
	for _, rc := range f.roles {
		out = append(out, rc.role)
	}
	for _, e := range f.edges {
		out = append(out, e.from, e.to)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Validate checks the file against the deployment's roles: every role
// it names must be one of rb's. Each unknown role is an *Error at its
// place in the file, listing the roles (and the nearest one); the error
// matches ErrInvalid. Debuggers of a file that was not validated report
// an unknown role as a failure when they run.
func (f *File) Validate(rb *calyptos.RoleBuilder) error {
	var errs errList
	check := func(role string, pos calyptos.Position) {
		if _, err := rb.Lookup(role); err != nil {
			names := rb.RoleNames()
			errs.add(pos, "unknown role %q%s (roles: %s)", role, suggest(role, names), strings.Join(names, ", "))
		}
	}
	for _, rc := range f.roles {
		check(rc.role, rc.pos)
	}
	for _, e := range f.edges {
		check(e.from, e.fromPos)
		check(e.to, e.toPos)
	}
	return errs.err()
}

// Secrets returns the values of the file that no report may show: the
// passwords of its http resources. Add them to the run's Redactor
// (RunOptions.Secrets).
func (f *File) Secrets() []string {
	var out []string
	for _, rc := range f.roles {
		for _, r := range rc.resources {
			if pw := optString(r, "password"); pw != "" {
				out = append(out, pw)
			}
		}
	}
	return out
}
