package report

import (
	"errors"
	"fmt"
	"github.com/org/calyptos/baseline"
	"io"
	"strings"

	"github.com/org/calyptos"
)

// Errors returned by the renderers, checkable with errors.Is.
var (
	// ErrUnknownFormat is returned by ParseFormat and Write for a format
	// that is not one of Formats().
	ErrUnknownFormat = errors.New("unknown report format")
	// ErrNilReport is returned when a renderer is given a nil report.
	ErrNilReport = errors.New("nil report")
	// ErrInvalidStatus is returned by WriteJSON for a finding whose status
	// is not one of the calyptos statuses, and by ReadJSON for a finding
	// without one.
	ErrInvalidStatus = errors.New("invalid finding status")
	// ErrSchemaVersion is returned by ReadJSON for a document written by a
	// newer, incompatible version of this package.
	ErrSchemaVersion = errors.New("unsupported report schema version")
)

// DefaultWidth is the terminal width the text reachability matrix is fitted
// into when Options.Width is zero.
const DefaultWidth = 120

// Options tune the renderers. The zero value gives plain text without
// colour or evidence fitted into DefaultWidth columns, and JUnit in which
// warnings pass.
type Options struct {
	// Color turns on ANSI colours in text output. ColorEnabled tells
	// whether a writer should get them.
	Color bool
	// Verbose prints each failure's evidence, indented, below it, and the
	// detail of every probe that was not ok (text only).
	Verbose bool
	// Width is the number of columns text output should fit in; it decides
	// whether the reachability matrix is drawn as a grid or as a list.
	// Zero or less means DefaultWidth.
	Width int
	// Strict reports warnings as JUnit failures, to match a --strict run.
	Strict bool
	// Name, if set, names the run in JUnit output (the testsuites name and
	// the classnames) instead of the report's Kind: `calyptos execute`
	// names its suites "execute".
	Name string
	// Baseline, if set, makes text output say how each finding changed
	// since the baseline report and which waiver accepts it, and the
	// summary count each class (text only).
	Baseline *baseline.Baseline
}

func (o Options) width() int {
	if o.Width <= 0 {
		return DefaultWidth
	}
	return o.Width
}

// Format is an output format for a report. The zero value is invalid.
type Format int

// The formats a report can be written in.
const (
	Text  Format = iota + 1 // the Calyptos console style, for people
	JSON                    // the schema documented in the package doc
	JUnit                   // JUnit XML for CI servers
	HTML                    // one self-contained page (WriteHTML)
)

// Formats returns the names ParseFormat accepts, for help texts.
func Formats() []string { return []string{"text", "json", "junit", "html"} }

// ParseFormat returns the format named s: "text", "json", "junit" or
// "html" (case-insensitive).
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "text":
		return Text, nil
	case "json":
		return JSON, nil
	case "junit":
		return JUnit, nil
	case "html":
		return HTML, nil
	}
	return 0, fmt.Errorf("%w %q (valid: %s)", ErrUnknownFormat, s, strings.Join(Formats(), ", "))
}

// String returns the format's name as ParseFormat accepts it.
func (f Format) String() string {
	switch f {
	case Text:
		return "text"
	case JSON:
		return "json"
	case JUnit:
		return "junit"
	case HTML:
		return "html"
	}
	return fmt.Sprintf("format(%d)", int(f))
}

// MarshalText encodes the format as its name.
func (f Format) MarshalText() ([]byte, error) {
	if f < Text || f > HTML {
		return nil, fmt.Errorf("%w: %d", ErrUnknownFormat, int(f))
	}
	return []byte(f.String()), nil
}

// UnmarshalText decodes a format name, so that a Format can be a flag
// (flag.TextVar) or a configuration field.
func (f *Format) UnmarshalText(b []byte) error {
	v, err := ParseFormat(string(b))
	if err != nil {
		return err
	}
	*f = v
	return nil
}

// Write renders rep to w in format f. Text uses opts' Color, Verbose and
// Width, JUnit only Strict, and JSON and HTML none.
func Write(w io.Writer, rep *calyptos.Report, f Format, opts Options) error {
	switch f {
	case Text:
		return WriteText(w, rep, opts)
	case JSON:
		return WriteJSON(w, rep)
	case JUnit:
		return WriteJUnit(w, rep, opts)
	case HTML:
		return WriteHTML(w, rep, HTMLOptions{})
	}
	return fmt.Errorf("%w: %v", ErrUnknownFormat, f)
}
