package report

import (
	"bytes"
	"io"
)

// C1Escaper writes JSON made by encoding/json with the C1 controls (U+0080
// to U+009F), which encoding/json leaves as they are, as \u00XX escapes: a
// terminal showing the document takes U+009B for CSI. Outside strings JSON
// is ASCII, so the document decodes to the same values, and its bytes are
// unchanged when it holds no C1 control. Call Flush after the last Write.
type C1Escaper struct {
	w       io.Writer
	pending bool // the last byte given was 0xC2, not yet written
	buf     []byte
}

// NewC1Escaper returns a C1Escaper writing to w.
func NewC1Escaper(w io.Writer) *C1Escaper { return &C1Escaper{w: w} }

// Write writes b to the underlying writer with its C1 controls escaped. A
// trailing 0xC2 is held back until the next Write or Flush.
func (e *C1Escaper) Write(b []byte) (int, error) {
	if !e.pending && bytes.IndexByte(b, 0xc2) < 0 {
		return e.w.Write(b)
	}
	const hex = "0123456789abcdef"
	out := e.buf[:0]
	for _, c := range b {
		if e.pending {
			e.pending = false
			if c >= 0x80 && c <= 0x9f {
				out = append(out, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
				continue
			}
			out = append(out, 0xc2)
		}
		if c == 0xc2 {
			e.pending = true
			continue
		}
		out = append(out, c)
	}
	if cap(out) <= flushSize {
		e.buf = out[:0]
	}
	if _, err := e.w.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Flush writes a 0xC2 held back by the last Write.
func (e *C1Escaper) Flush() error {
	if !e.pending {
		return nil
	}
	e.pending = false
	_, err := e.w.Write([]byte{0xc2})
	return err
}
