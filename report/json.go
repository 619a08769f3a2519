package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/org/calyptos"
)

// SchemaVersion is the version of the JSON document WriteJSON writes. It
// changes only when a field is removed or changes meaning; new fields may
// be added within a version.
const SchemaVersion = 2

// flushSize is how much JSON or XML is buffered before it is written out.
const flushSize = 32 << 10

// jsonDoc is the document WriteJSON writes and ReadJSON decodes: the
// report's own fields plus the ones added around them.
type jsonDoc struct {
	SchemaVersion int `json:"schema_version"`
	*plainReport
	DurationSeconds float64 `json:"duration_seconds"`
	// Outcome is the run's verdict (calyptos.Report.Outcome); ReadJSON
	// ignores it, since it follows from the rest.
	Outcome calyptos.Outcome `json:"outcome,omitempty"`
}

// plainReport is calyptos.Report without its methods, so that encoding and
// decoding it use the struct tags directly.
type plainReport calyptos.Report

// WriteJSON writes rep as one JSON document (see the package documentation
// for the schema) followed by a newline. The document is what encoding/json
// makes of the report, with schema_version first, empty lists written as []
// rather than null, <, > and & left unescaped, and the C1 controls
// (U+0080 to U+009F) escaped as \u00XX so that no terminal showing the
// document takes them for control sequences (see C1Escaper). It is encoded one
// finding at a time and written out in chunks of about 32 KiB, so memory
// use grows with the largest finding, not with the report.
func WriteJSON(w io.Writer, rep *calyptos.Report) error {
	if rep == nil {
		return ErrNilReport
	}
	bw := bufio.NewWriterSize(w, flushSize)
	c1 := NewC1Escaper(bw)
	s := newJSONStream(c1)
	if err := s.report(rep); err != nil {
		return err
	}
	if err := c1.Flush(); err != nil {
		return fmt.Errorf("report: write json: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("report: write json: %w", err)
	}
	return nil
}

// jsonStream writes a report as a run of values encoded by encoding/json:
// the report and each check without their lists, split where the list
// goes, and each finding between.
type jsonStream struct {
	out  io.Writer
	enc  *json.Encoder // encodes a finding to out
	buf  bytes.Buffer
	penc *json.Encoder // encodes a report or check without its list to buf
	// The names of the lists the report and a check are split at.
	checksKey, findingsKey string
}

func newJSONStream(out io.Writer) *jsonStream {
	s := &jsonStream{
		out:         out,
		enc:         json.NewEncoder(inlineWriter{out}),
		checksKey:   jsonName[calyptos.Report]("Checks"),
		findingsKey: jsonName[calyptos.CheckResult]("Findings"),
	}
	s.penc = json.NewEncoder(&s.buf)
	s.enc.SetEscapeHTML(false)
	s.penc.SetEscapeHTML(false)
	return s
}

// report writes rep: the document without its checks, split around the
// checks list, and each check between.
func (s *jsonStream) report(rep *calyptos.Report) error {
	shell := plainReport(*rep)
	shell.Checks = []*calyptos.CheckResult{}
	head, tail, err := s.split(jsonDoc{SchemaVersion, &shell, rep.Duration.Seconds(), rep.Outcome()}, s.checksKey)
	if err != nil {
		return err
	}
	tail = bytes.Clone(tail) // buf is reused by every check
	if err := s.write(head); err != nil {
		return err
	}
	first := true
	for _, c := range rep.Checks {
		if c == nil {
			continue
		}
		if !first {
			if err := s.write([]byte{','}); err != nil {
				return err
			}
		}
		first = false
		if err := s.check(c); err != nil {
			return err
		}
	}
	return s.write(append(tail, '\n'))
}

// check writes c: the check without its findings, split around the
// findings list, and each finding between.
func (s *jsonStream) check(c *calyptos.CheckResult) error {
	shell := *c
	shell.Findings = []calyptos.Finding{}
	head, tail, err := s.split(&shell, s.findingsKey)
	if err != nil {
		return err
	}
	if err := s.write(head); err != nil {
		return err
	}
	for i, f := range c.Findings {
		if f.Status < calyptos.Pass || f.Status > calyptos.Skip {
			return fmt.Errorf("report: check %q finding %d: %w %d", c.Name, i, ErrInvalidStatus, int(f.Status))
		}
		if i > 0 {
			if err := s.write([]byte{','}); err != nil {
				return err
			}
		}
		if err := s.enc.Encode(f); err != nil {
			return fmt.Errorf("report: write json: %w", err)
		}
	}
	return s.write(tail)
}

// split encodes v, whose list named key is empty, and returns the JSON
// before and after that list's elements. Both are valid until the next
// call. A key in a string value cannot match: its quotes are escaped.
func (s *jsonStream) split(v any, key string) (head, tail []byte, err error) {
	s.buf.Reset()
	if err := s.penc.Encode(v); err != nil {
		return nil, nil, fmt.Errorf("report: write json: %w", err)
	}
	b := bytes.TrimSuffix(s.buf.Bytes(), []byte{'\n'})
	mark := `"` + key + `":[]`
	i := bytes.Index(b, []byte(mark))
	if i < 0 {
		return nil, nil, fmt.Errorf("report: write json: no %s list in %.100s", key, b)
	}
	cut := i + len(mark) - 1
	return b[:cut], b[cut:], nil
}

func (s *jsonStream) write(b []byte) error {
	if _, err := s.out.Write(b); err != nil {
		return fmt.Errorf("report: write json: %w", err)
	}
	return nil
}

// inlineWriter drops the newline json.Encoder writes after each value, so
// that the values it encodes sit inside the document. Compact JSON has no
// other newline byte: one in a string is escaped.
type inlineWriter struct{ w io.Writer }

func (iw inlineWriter) Write(p []byte) (int, error) {
	if _, err := iw.w.Write(bytes.TrimSuffix(p, []byte{'\n'})); err != nil {
		return 0, err
	}
	return len(p), nil
}

// jsonName returns the JSON name of T's field, from its tag.
func jsonName[T any](field string) string {
	f, _ := reflect.TypeFor[T]().FieldByName(field)
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}

// ReadJSON decodes a report written by WriteJSON (or by encoding/json from
// a *calyptos.Report, which has no schema_version). It returns an error
// wrapping ErrSchemaVersion for a document of a newer schema version, and
// one wrapping ErrInvalidStatus for a finding without a status. Nil
// entries in checks are dropped.
func ReadJSON(r io.Reader) (*calyptos.Report, error) {
	rep := &calyptos.Report{}
	doc := jsonDoc{plainReport: (*plainReport)(rep)}
	dec := json.NewDecoder(r)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("report: read json: %w", err)
	}
	if doc.SchemaVersion > SchemaVersion {
		return nil, fmt.Errorf("report: read json: %w %d (this version reads up to %d)", ErrSchemaVersion, doc.SchemaVersion, SchemaVersion)
	}
	checks := rep.Checks[:0]
	for _, c := range rep.Checks {
		if c == nil {
			continue
		}
		for i, f := range c.Findings {
			// A finding without a status (absent, or null) would be
			// counted nowhere and refused by WriteJSON.
			if f.Status < calyptos.Pass || f.Status > calyptos.Skip {
				return nil, fmt.Errorf("report: read json: check %q finding %d: %w (none given)", c.Name, i, ErrInvalidStatus)
			}
		}
		checks = append(checks, c)
	}
	rep.Checks = checks
	return rep, nil
}
