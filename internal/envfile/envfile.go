// Package envfile parses the Calyptos / Eucalyptus environment file into
// roles, a normalised topology and the YAML tree, within bounds on the time
// and memory any file can cost. The root package wraps it as
// eucalyptus.Parse and eucalyptus.Load, whose types
// (Environment, EnvError, Position) it converts to.
package envfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/org/calyptos/internal/yamlx"
	"gopkg.in/yaml.v3"
)

// ErrInvalid is matched by every error for a file that could be read but
// not accepted; the root package maps it to eucalyptus.ErrInvalidEnvironment.
var ErrInvalid = errors.New("invalid environment file")

// Position is a place in a file; calyptos.Position has the same fields.
type Position struct {
	File   string
	Line   int
	Column int
}

// Error is one problem in a file, with where it is. Several are joined
// with errors.Join.
type Error struct {
	Pos  Position
	Path string // the dot-separated YAML path of the offending key
	Msg  string // what was expected
	Err  error  // the underlying cause, if any
}

// Error returns "file:line:col: message".
func (e *Error) Error() string {
	switch {
	case e.Pos.File == "" && e.Pos.Line == 0:
		return e.Msg
	case e.Pos.Line == 0:
		return e.Pos.File + ": " + e.Msg
	case e.Pos.Column == 0:
		return fmt.Sprintf("%s:%d: %s", e.Pos.File, e.Pos.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.Pos.File, e.Pos.Line, e.Pos.Column, e.Msg)
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Is makes every Error match ErrInvalid.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// Cluster is one availability zone of the topology.
type Cluster struct {
	Name           string
	CC, SC, Nodes  []string
	StorageBackend string
	DASDevice      string
	Pos            Position
}

// Topology is default_attributes.eucalyptus.topology, normalised.
type Topology struct {
	Form                  string
	CLC                   []string
	UserFacing            []string
	Console               []string
	Walrus                []string
	ObjectStorageProvider string
	Clusters              []Cluster
}

// File is a parsed environment file.
type File struct {
	Name, Description string
	Topology          Topology
	Root              *yaml.Node // the top-level mapping
	Attrs             *yaml.Node // default_attributes
	// HostPos holds where each host is written.
	HostPos map[string][]Position
	// Roles maps each role the file uses to its hosts, unsorted; "all"
	// holds every host.
	Roles map[string][]string
}

// Parse parses an environment file; file names the data in errors. Every
// problem found is reported, each an *Error, joined with errors.Join.
func Parse(file string, data []byte) (*File, error) {
	if line, col, ok := CountNodes(data, maxYAMLNodes); !ok {
		return nil, &Error{Pos: Position{File: file, Line: line, Column: col}, Err: ErrTooManyNodes,
			Msg: fmt.Sprintf("more than %d YAML nodes by here: an environment file holds a few thousand; refusing to parse it", maxYAMLNodes)}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil && err != io.EOF {
		return nil, SyntaxError(file, data, err)
	}
	// A stream of several documents is refused rather than read up to its
	// first "---".
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == io.EOF:
	case err != nil:
		return nil, SyntaxError(file, data, err)
	default:
		return nil, &Error{Pos: Position{File: file, Line: next.Line, Column: next.Column}, Msg: "a second YAML document starts here: an environment file is one document (remove this '---' line, or split the file)"}
	}
	root := yamlx.Resolve(&doc)
	if root == nil || root.Kind == 0 || yamlx.IsNull(root) {
		return nil, &Error{Pos: Position{File: file, Line: 1, Column: 1}, Msg: "empty environment file: expected a mapping with default_attributes"}
	}
	p := &parser{file: file, f: &File{Root: root, HostPos: map[string][]Position{}}, roles: map[string][]string{}, seen: map[hostAt]bool{}}
	p.parse()
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	p.f.Roles = p.roles
	return p.f, nil
}

// pos returns the position of a node of the file.
func (p *parser) pos(n *yaml.Node) Position {
	if n == nil {
		return Position{File: p.file}
	}
	return Position{File: p.file, Line: n.Line, Column: n.Column}
}

// attr returns the node at path under default_attributes, or nil.
func (p *parser) attr(path ...string) *yaml.Node {
	n := p.f.Attrs
	for _, k := range path {
		if n = yamlx.MapValue(n, k); n == nil {
			return nil
		}
	}
	return n
}

// networkMode returns eucalyptus.network.mode, or "".
func (p *parser) networkMode() string {
	n := p.attr("eucalyptus", "network", "mode")
	if n == nil || n.Kind != yaml.ScalarNode || yamlx.IsNull(n) {
		return ""
	}
	return strings.TrimSpace(n.Value)
}
