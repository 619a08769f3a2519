package inventory

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/org/calyptos"
	"gopkg.in/yaml.v3"
)

// parseYAMLDoc parses data as one YAML document, refusing a file with
// more than maxYAMLNodes nodes before it is parsed, and a stream of more
// than one document (Ansible's loader reads one). It returns nil for an
// empty document.
func parseYAMLDoc(file string, data []byte) (*yaml.Node, error) {
	if line, col, ok := countNodes(data, maxYAMLNodes); !ok {
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

// yamlSyntaxError positions yaml.v3's "yaml: line N: message" as
// package calyptos does for environment files: parser errors (as opposed
// to scanner errors) carry a 0-based line, and one left open until the
// end points past the last line.
func yamlSyntaxError(file string, data []byte, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	pos := calyptos.Position{File: file}
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if n, cerr := strconv.Atoi(num); cerr == nil {
				pos.Line, msg = n, text
			}
		}
	}
	if parserProblem(msg) {
		pos.Line = min(pos.Line+1, lastTextLine(data))
	}
	pos.Line = max(pos.Line, 1)
	return &Error{Pos: pos, Msg: "invalid YAML: " + msg, Err: err}
}

// parserProblem reports whether msg is one of the problems yaml.v3's
// parser (not its scanner) reports, with a 0-based line.
func parserProblem(msg string) bool {
	switch msg {
	case "did not find expected <stream-start>", "did not find expected <document start>",
		"found duplicate %YAML directive", "found incompatible YAML document",
		"found duplicate %TAG directive", "found undefined tag handle",
		"did not find expected node content", "did not find expected '-' indicator",
		"did not find expected key", "did not find expected ',' or ']'", "did not find expected ',' or '}'":
		return true
	}
	return false
}

// lastTextLine returns the number of the last line of data that holds
// something other than white space (1 for an empty file).
func lastTextLine(data []byte) int {
	last, line := 1, 1
	for _, c := range data {
		switch c {
		case '\n':
			line++
		case ' ', '\t', '\r':
		default:
			last = line
		}
	}
	return last
}

// countNodes (a copy of package calyptos' own, which is not exported)
// returns the position in data where an upper bound of the
// number of YAML nodes passes limit, or ok when it never does. It reads
// the text once, without parsing it: outside quoted scalars and comments,
// every node but the root is introduced by an indicator (": " for a
// mapping entry counts two, "- " and "? " one, ',' two for the next
// entry (a key and its value in a flow mapping), '[' two and '{' three for
// the collection and its first entry). Indicators inside block scalars
// count too; the bound only ever over-counts.
func countNodes(data []byte, limit int) (line, col int, ok bool) {
	n := 1
	line, col = 1, 0
	var quote byte // the open quote, or 0
	spaceBefore := true
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c&0xC0 != 0x80 {
			col++
		}
		if c == '\n' {
			line, col, spaceBefore = line+1, 0, true
			continue
		}
		var next byte = '\n'
		if i+1 < len(data) {
			next = data[i+1]
		}
		blankNext := next == ' ' || next == '\t' || next == '\n' || next == '\r'
		switch {
		case quote == '"':
			if c == '\\' {
				i++ // an escaped quote or newline does not end the scalar
				if next == '\n' {
					line, col = line+1, 0
				}
			} else if c == '"' {
				quote = 0
			}
		case quote == '\'':
			if c == '\'' && next == '\'' {
				i++
			} else if c == '\'' {
				quote = 0
			}
		case c == '#' && spaceBefore:
			for i+1 < len(data) && data[i+1] != '\n' {
				i++
			}
		case (c == '"' || c == '\'') && (spaceBefore || i > 0 && byteIn(data[i-1], "[{,:-?")):
			quote = c
		case c == ':' && (blankNext || byteIn(next, ",]}")):
			n += 2
		case (c == '-' || c == '?') && spaceBefore && blankNext:
			n++
		case c == ',' || c == '[':
			n += 2
		case c == '{':
			n += 3
		}
		spaceBefore = c == ' ' || c == '\t'
		if n > limit {
			return line, col, false
		}
	}
	return 0, 0, true
}

func byteIn(c byte, set string) bool {
	for i := 0; i < len(set); i++ {
		if set[i] == c {
			return true
		}
	}
	return false
}
