package eucalyptus

import (
	"cmp"
	"errors"
	"slices"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/hostname"
	"github.com/org/calyptos/internal/yamlx"
	"github.com/org/calyptos/redact"
	"gopkg.in/yaml.v3"
)

// ErrInvalidEnvironment is matched (errors.Is) by every error that Load
// and Parse return for a file they could read but not accept.
var ErrInvalidEnvironment = errors.New("invalid environment file")

// EnvError is one problem in an environment file, with where it is.
// Several problems are joined with errors.Join; errors.As finds the first.
type EnvError struct {
	Pos calyptos.Position
	// Path is the YAML path of the offending key, dot separated
	// (default_attributes.eucalyptus.topology.clusters.one).
	Path string
	// Msg says what was expected.
	Msg string
	// Err is the underlying cause, if any (a YAML syntax error).
	Err error
}

// Error returns "file:line:col: message".
func (e *EnvError) Error() string {
	if e.Pos.File == "" && e.Pos.Line == 0 {
		return e.Msg
	}
	return e.Pos.String() + ": " + e.Msg
}

// Unwrap returns the underlying cause.
func (e *EnvError) Unwrap() error { return e.Err }

// Is makes every EnvError match ErrInvalidEnvironment.
func (e *EnvError) Is(target error) bool { return target == ErrInvalidEnvironment }

// Environment is a parsed environment file: typed accessors for what the
// library understands, and the whole YAML tree for everything else.
type Environment struct {
	// File is the name the file was loaded or parsed under.
	File        string
	Name        string
	Description string
	// Topology is the eucalyptus topology normalised from either form.
	Topology Topology

	root    *yaml.Node // the top-level mapping
	attrs   *yaml.Node // default_attributes
	hostPos map[string][]calyptos.Position
}

// HostPositions returns where host is written in the file, in file order
// (a host listed under several roles has several positions). Validators use it to point at the line to fix. It returns
// nil for a host the file does not list, and for an Environment that was
// not parsed from a file.
func (e *Environment) HostPositions(host string) []calyptos.Position {
	if e == nil {
		return nil
	}
	ps := slices.Clone(e.hostPos[host])
	slices.SortFunc(ps, func(a, b calyptos.Position) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return ps
}

// Topology is default_attributes.eucalyptus.topology, normalised: scalars
// became one-element lists, space-separated strings were split, and the
// legacy clc-1 / cc-1 / sc-1 / walrus keys map to the list form.
type Topology struct {
	// Form is "legacy" (clc-1 style), "lists" (clc: [..] style), "mixed",
	// or "" when the file has no eucalyptus topology.
	Form                  string
	CLC                   []string
	UserFacing            []string
	Console               []string
	Walrus                []string
	ObjectStorageProvider string
	// Clusters are sorted by name.
	Clusters []Cluster
}

// Cluster is one availability zone of the topology.
type Cluster struct {
	Name           string
	CC             []string
	SC             []string
	Nodes          []string
	StorageBackend string
	DASDevice      string
	// Pos is where the cluster is declared.
	Pos calyptos.Position
}

// Hosts returns every host of the cluster, sorted, without duplicates.
func (c Cluster) Hosts() []string {
	return hostname.Sort(append(append(append([]string(nil), c.CC...), c.SC...), c.Nodes...))
}

// Root returns the file's top-level YAML mapping.
func (e *Environment) Root() *yaml.Node { return e.root }

// Attr returns the YAML node at path under default_attributes, following
// aliases, or nil when any part of the path is absent.
func (e *Environment) Attr(path ...string) *yaml.Node {
	n := e.attrs
	for _, k := range path {
		n = yamlx.MapValue(n, k)
		if n == nil {
			return nil
		}
	}
	return n
}

// String returns the scalar at path under default_attributes.
func (e *Environment) String(path ...string) (string, bool) {
	n := e.Attr(path...)
	if n == nil || n.Kind != yaml.ScalarNode || yamlx.IsNull(n) {
		return "", false
	}
	return n.Value, true
}

// PosOf returns the position of the node at path under
// default_attributes, or of its deepest present ancestor.
func (e *Environment) PosOf(path ...string) calyptos.Position {
	n := e.attrs
	for _, k := range path {
		next := yamlx.MapValue(n, k)
		if next == nil {
			break
		}
		n = next
	}
	return e.Pos(n)
}

// Pos returns the position of a node of this file.
func (e *Environment) Pos(n *yaml.Node) calyptos.Position {
	if n == nil {
		return calyptos.Position{File: e.File}
	}
	return calyptos.Position{File: e.File, Line: n.Line, Column: n.Column}
}

// Decode decodes the node at path under default_attributes into v (as
// yaml.Node.Decode does). A missing path leaves v untouched and returns nil.
func (e *Environment) Decode(v any, path ...string) error {
	n := e.Attr(path...)
	if n == nil {
		return nil
	}
	if err := n.Decode(v); err != nil {
		return &EnvError{Pos: e.Pos(n), Path: attrPath(path), Msg: err.Error(), Err: err}
	}
	return nil
}

// NetworkMode returns eucalyptus.network.mode (EDGE, VPCMIDO, ...), or "".
func (e *Environment) NetworkMode() string {
	s, _ := e.String("eucalyptus", "network", "mode")
	return strings.TrimSpace(s)
}

// SystemProperties returns eucalyptus.system-properties as strings.
func (e *Environment) SystemProperties() map[string]string {
	out := map[string]string{}
	n := e.Attr("eucalyptus", "system-properties")
	if n == nil || n.Kind != yaml.MappingNode {
		return out
	}
	for _, e := range yamlx.Entries(n) {
		if e.Value != nil && e.Value.Kind == yaml.ScalarNode {
			out[e.Key.Value] = e.Value.Value
		}
	}
	return out
}

// Secrets returns the values of every attribute of the file whose key
// IsSecretKey, so that reports can redact them: every scalar under such a
// key, aliases followed (admin-password: *pw counts). Each value is listed
// once.
func (e *Environment) Secrets() []string {
	var out []string
	seen := map[string]bool{}
	// An anchored node can be reached through many aliases (a few lines of
	// nested aliases stand for billions of nodes): walk each collection
	// once in each of the two modes (again only if it is reached at a
	// smaller depth, where the depth limit cuts less of it).
	type visit struct {
		n      *yaml.Node
		secret bool
	}
	visited := map[visit]int{}
	var walk func(n *yaml.Node, secret bool, depth int)
	walk = func(n *yaml.Node, secret bool, depth int) {
		n = yamlx.Resolve(n)
		if n == nil || depth > 64 {
			return
		}
		if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
			if d, ok := visited[visit{n, secret}]; ok && d <= depth {
				return
			}
			visited[visit{n, secret}] = depth
		}
		switch n.Kind {
		case yaml.ScalarNode:
			if secret && !yamlx.IsNull(n) && !seen[n.Value] {
				seen[n.Value] = true
				out = append(out, n.Value)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i+1], secret || redact.IsSecretKey(n.Content[i].Value), depth+1)
			}
		case yaml.SequenceNode:
			for _, c := range n.Content {
				walk(c, secret, depth+1)
			}
		}
	}
	walk(e.root, false, 0)
	return out
}

func attrPath(path []string) string {
	return strings.Join(append([]string{"default_attributes"}, path...), ".")
}
