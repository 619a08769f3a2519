package report

import (
	"bytes"
	"fmt"
	"io"
	"unicode/utf8"
)

// C1Escaper writes JSON made by encoding/json with the C1 controls (U+0080
// to U+009F) and the Unicode direction controls (see IsBidiControl), which
// encoding/json leaves as they are, as \uXXXX escapes: a terminal showing
// the document takes U+009B for CSI, and a direction override reorders
// what the reader sees. Outside strings JSON is ASCII, so the document
// decodes to the same values, and its bytes are unchanged when it holds
// none of them. Call Flush after the last Write.
type C1Escaper struct {
	w       io.Writer
	pending []byte // the start of a sequence that may need escaping
	buf     []byte
}

// NewC1Escaper returns a C1Escaper writing to w.
func NewC1Escaper(w io.Writer) *C1Escaper { return &C1Escaper{w: w} }

// escapeLead reports the length of the UTF-8 sequences starting with c
// that may encode a character to escape, or 0.
func escapeLead(c byte) int {
	switch c {
	case 0xc2, 0xd8: // U+0080..U+009F, U+061C
		return 2
	case 0xe2: // U+200E, U+200F, U+202A..U+202E, U+2066..U+2069
		return 3
	}
	return 0
}

// Write writes b to the underlying writer with those controls escaped. An
// incomplete sequence at the end is held back until the next Write or Flush.
func (e *C1Escaper) Write(b []byte) (int, error) {
	if len(e.pending) == 0 && bytes.IndexByte(b, 0xc2) < 0 && bytes.IndexByte(b, 0xd8) < 0 && bytes.IndexByte(b, 0xe2) < 0 {
		return e.w.Write(b)
	}
	data := append(e.pending, b...)
	e.pending = nil
	out := e.buf[:0]
	for i := 0; i < len(data); {
		n := escapeLead(data[i])
		if n == 0 {
			out = append(out, data[i])
			i++
			continue
		}
		if i+n > len(data) {
			e.pending = append([]byte(nil), data[i:]...)
			break
		}
		r, size := utf8.DecodeRune(data[i : i+n])
		if size == n && (r >= 0x80 && r <= 0x9f || IsBidiControl(r)) {
			out = fmt.Appendf(out, "\\u%04x", r)
			i += n
			continue
		}
		out = append(out, data[i])
		i++
	}
	if cap(out) <= flushSize {
		e.buf = out[:0]
	}
	if _, err := e.w.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Flush writes an incomplete sequence held back by the last Write.
func (e *C1Escaper) Flush() error {
	if len(e.pending) == 0 {
		return nil
	}
	p := e.pending
	e.pending = nil
	_, err := e.w.Write(p)
	return err
}

// IsBidiControl reports whether r is a Unicode direction control: the
// marks U+061C, U+200E and U+200F, the embeddings and overrides U+202A to
// U+202E and the isolates U+2066 to U+2069. Shown raw, they reorder the
// text around them; every writer of text for a terminal escapes them.
func IsBidiControl(r rune) bool {
	return r == 0x061c || r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}
