package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/org/calyptos"
)

// SchemaVersion is the version of the JSON document WriteJSON writes. It
// changes only when a field is removed or changes meaning; new fields may
// be added within a version.
const SchemaVersion = 1

// flushSize is how much JSON or XML is buffered before it is written out.
const flushSize = 32 << 10

// WriteJSON writes rep as one JSON document (see the package documentation
// for the schema) followed by a newline. The document is what encoding/json
// makes of the report, with schema_version first, empty lists written as []
// rather than null, and <, > and & left unescaped. It is written as it is
// built, in chunks of about 32 KiB, so memory use does not grow with the
// size of the report.
func WriteJSON(w io.Writer, rep *calyptos.Report) error {
	if rep == nil {
		return ErrNilReport
	}
	started, err := rep.Started.MarshalJSON()
	if err != nil {
		return fmt.Errorf("report: started: %w", err)
	}
	jw := &chunkWriter{w: w, what: "json"}
	b := make([]byte, 0, flushSize+4<<10)
	b = append(b, `{"schema_version":`...)
	b = strconv.AppendInt(b, SchemaVersion, 10)
	b = append(b, `,"kind":`...)
	b = appendJSONString(b, string(rep.Kind))
	b = append(b, `,"started":`...)
	b = append(b, started...)
	b = append(b, `,"duration_ns":`...)
	b = strconv.AppendInt(b, int64(rep.Duration), 10)
	b = append(b, `,"checks":[`...)
	first := true
	for _, c := range rep.Checks {
		if c == nil {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		if b, err = jw.appendCheck(b, c); err != nil {
			return err
		}
	}
	b = append(b, `],"totals":`...)
	b = appendCounts(b, rep.Totals)
	if rep.Interrupted {
		b = append(b, `,"interrupted":true`...)
	}
	b = append(b, `,"duration_seconds":`...)
	b = appendJSONFloat(b, rep.Duration.Seconds())
	b = append(b, "}\n"...)
	return jw.write(b)
}

// chunkWriter streams a document to w in chunks of about flushSize bytes.
type chunkWriter struct {
	w    io.Writer
	what string // the format, for errors
}

// maybeFlush writes b out once it holds flushSize bytes and returns the
// emptied buffer.
func (jw *chunkWriter) maybeFlush(b []byte) ([]byte, error) {
	if len(b) < flushSize {
		return b, nil
	}
	if err := jw.write(b); err != nil {
		return nil, err
	}
	return b[:0], nil
}

func (jw *chunkWriter) write(b []byte) error {
	if _, err := jw.w.Write(b); err != nil {
		return fmt.Errorf("report: write %s: %w", jw.what, err)
	}
	return nil
}

func (jw *chunkWriter) appendCheck(b []byte, c *calyptos.CheckResult) ([]byte, error) {
	var err error
	b = append(b, `{"name":`...)
	b = appendJSONString(b, c.Name)
	b = append(b, `,"counts":`...)
	b = appendCounts(b, c.Counts)
	b = append(b, `,"findings":[`...)
	for i, f := range c.Findings {
		if i > 0 {
			b = append(b, ',')
		}
		if f.Status < calyptos.Pass || f.Status > calyptos.Skip {
			return nil, fmt.Errorf("report: check %q finding %d: %w %d", c.Name, i, ErrInvalidStatus, int(f.Status))
		}
		b = append(b, `{"check":`...)
		b = appendJSONString(b, f.Check)
		if f.Host != "" {
			b = append(b, `,"host":`...)
			b = appendJSONString(b, f.Host)
		}
		b = append(b, `,"status":"`...)
		b = append(b, f.Status.String()...)
		b = append(b, `","message":`...)
		b = appendJSONString(b, f.Message)
		if f.Evidence != "" {
			b = append(b, `,"evidence":`...)
			b = appendJSONString(b, f.Evidence)
		}
		b = append(b, '}')
		if b, err = jw.maybeFlush(b); err != nil {
			return nil, err
		}
	}
	b = append(b, ']')
	if len(c.Probes) > 0 {
		b = append(b, `,"probes":[`...)
		for i, p := range c.Probes {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"from":`...)
			b = appendJSONString(b, p.From)
			b = append(b, `,"to":`...)
			b = appendJSONString(b, p.To)
			b = append(b, `,"port":`...)
			b = strconv.AppendInt(b, int64(p.Port), 10)
			b = append(b, `,"proto":`...)
			b = appendJSONString(b, p.Proto)
			if p.Label != "" {
				b = append(b, `,"label":`...)
				b = appendJSONString(b, p.Label)
			}
			b = append(b, `,"result":`...)
			b = appendJSONString(b, string(p.Result))
			if p.Detail != "" {
				b = append(b, `,"detail":`...)
				b = appendJSONString(b, p.Detail)
			}
			b = append(b, '}')
			if b, err = jw.maybeFlush(b); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	if len(c.Artifacts) > 0 {
		b = append(b, `,"artifacts":[`...)
		for i, a := range c.Artifacts {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			if a.Host != "" {
				b = append(b, `"host":`...)
				b = appendJSONString(b, a.Host)
				b = append(b, ',')
			}
			if a.Remote != "" {
				b = append(b, `"remote":`...)
				b = appendJSONString(b, a.Remote)
				b = append(b, ',')
			}
			b = append(b, `"path":`...)
			b = appendJSONString(b, a.Path)
			b = append(b, `,"bytes":`...)
			b = strconv.AppendInt(b, a.Bytes, 10)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"duration_ns":`...)
	b = strconv.AppendInt(b, int64(c.Duration), 10)
	b = append(b, '}')
	return jw.maybeFlush(b)
}

func appendCounts(b []byte, c calyptos.Counts) []byte {
	b = append(b, `{"pass":`...)
	b = strconv.AppendInt(b, int64(c.Pass), 10)
	b = append(b, `,"warn":`...)
	b = strconv.AppendInt(b, int64(c.Warn), 10)
	b = append(b, `,"fail":`...)
	b = strconv.AppendInt(b, int64(c.Fail), 10)
	b = append(b, `,"info":`...)
	b = strconv.AppendInt(b, int64(c.Info), 10)
	b = append(b, `,"skip":`...)
	b = strconv.AppendInt(b, int64(c.Skip), 10)
	return append(b, '}')
}

// appendJSONFloat formats f as encoding/json does (ES6 number form).
func appendJSONFloat(b []byte, f float64) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return append(b, '0')
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendJSONString appends s as a JSON string exactly as encoding/json
// does with HTML escaping off: control characters escaped, invalid UTF-8
// replaced by \ufffd, U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// jsonDoc is the document ReadJSON decodes: the report's own fields plus
// the ones WriteJSON adds around them.
type jsonDoc struct {
	SchemaVersion int `json:"schema_version"`
	*plainReport
	DurationSeconds float64 `json:"duration_seconds"`
}

// plainReport is calyptos.Report without its methods, so that decoding
// into it uses the struct tags directly.
type plainReport calyptos.Report

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
