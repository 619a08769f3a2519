package inventory

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/envfile"
	"gopkg.in/yaml.v3"
)

// parseYAMLDoc parses data as one YAML document, refusing a file with
// more than maxYAMLNodes nodes before it is parsed, and a stream of more
// than one document (Ansible's loader reads one). It returns nil for an
// empty document.
func parseYAMLDoc(file string, data []byte) (*yaml.Node, error) {
	if line, col, ok := envfile.CountNodes(data, maxYAMLNodes); !ok {
		return nil, &boundError{err: &Error{Pos: calyptos.Position{File: file, Line: line, Column: col},
			Msg: fmt.Sprintf("more than %d YAML nodes by here: refusing to parse the file (write hosts with ranges, or pass ansible-inventory --list JSON)", maxYAMLNodes)}}
	}
	if err := tooManyLines(file, data); err != nil {
		return nil, err
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, nil
		}
		return nil, yamlSyntaxError(file, data, err)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == io.EOF:
	case err != nil:
		return nil, yamlSyntaxError(file, data, err)
	default:
		return nil, &Error{Pos: calyptos.Position{File: file, Line: next.Line, Column: next.Column}, Msg: "a second YAML document starts here: an inventory is one document"}
	}
	if len(doc.Content) == 0 || isNullNode(doc.Content[0]) {
		return nil, nil
	}
	return doc.Content[0], nil
}

func isNullNode(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Style&^yaml.TaggedStyle == 0 &&
		(n.Tag == "!!null" || n.Value == "" || n.Value == "~" || n.Value == "null" || n.Value == "Null" || n.Value == "NULL")
}

// yamlSyntaxError positions yaml.v3's "yaml: line N: message" as the
// environment file's parser does (internal/envfile), as an inventory Error.
func yamlSyntaxError(file string, data []byte, err error) error {
	var pe *envfile.Error
	if errors.As(envfile.SyntaxError(file, data, err), &pe) {
		return &Error{Pos: calyptos.Position(pe.Pos), Msg: pe.Msg, Err: err}
	}
	return &Error{Pos: calyptos.Position{File: file, Line: 1}, Msg: "invalid YAML: " + err.Error(), Err: err}
}
