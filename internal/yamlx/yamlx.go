// Package yamlx holds the yaml.v3 node helpers that the environment parser
// (package calyptos) and the built-in validators share, so that both read
// a value the same way.
package yamlx

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// maxAliasChain bounds the aliases Resolve follows.
const maxAliasChain = 16

// Resolve follows aliases and unwraps a document node, returning the node
// n stands for (nil for nil or an empty document).
func Resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && i < maxAliasChain; i++ {
		switch n.Kind {
		case yaml.AliasNode:
			n = n.Alias
		case yaml.DocumentNode:
			if len(n.Content) == 0 {
				return nil
			}
			n = n.Content[0]
		default:
			return n
		}
	}
	return n
}

// IsNull reports whether n, resolved, is absent or a YAML null.
func IsNull(n *yaml.Node) bool {
	n = Resolve(n)
	return n == nil || n.Kind == yaml.ScalarNode &&
		(n.Tag == "!!null" || n.Tag == "" && (n.Value == "" || n.Value == "~" || n.Value == "null"))
}

// Items returns the resolved elements of a sequence, or nil when n is not
// one.
func Items(n *yaml.Node) []*yaml.Node {
	n = Resolve(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		out[i] = Resolve(c)
	}
	return out
}

// Scalar returns the trimmed text of a non-null scalar.
func Scalar(n *yaml.Node) (string, bool) {
	n = Resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || IsNull(n) {
		return "", false
	}
	return strings.TrimSpace(n.Value), true
}

// IsHostSeparator reports whether r separates hosts written in one
// scalar ("10.0.0.1 10.0.0.2", "a,b").
func IsHostSeparator(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }

// Hosts reads a host value: a scalar of hosts split at IsHostSeparator, or
// a list of scalars. The parser reads hosts this way too, adding their
// positions and checks.
func Hosts(n *yaml.Node) []string {
	n = Resolve(n)
	if IsNull(n) {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		return strings.FieldsFunc(n.Value, IsHostSeparator)
	}
	var out []string
	for _, c := range Items(n) {
		if s, ok := Scalar(c); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}
