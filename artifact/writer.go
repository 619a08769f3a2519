// Package artifact makes collected files safe to keep and to hand on: it
// rewrites tar archives (plain, gzip or xz, as sosreport writes them) with
// every secret a Redacter knows replaced, streaming, in bounded memory.
//
// A *redact.Redactor is a Redacter: a debugger gets the run's one from
// (*calyptos.Check).Redactor, so the environment's secrets and the run's
// extra secrets are replaced the same way in every host's archive as in
// the report.
package artifact

import (
	"bytes"
	"errors"
	"io"
)

// Redacter replaces secrets in text. *redact.Redactor is one.
type Redacter interface {
	Redact(s string) string
}

// Limits of Writer. A secret of up to MaxSecretLen bytes is redacted
// wherever it falls in the stream, across the writes that carry it.
const (
	// MaxSecretLen is the longest secret (in any of its shown forms)
	// Writer is sure to find whole: the text Writer keeps back between
	// two rounds of redaction.
	MaxSecretLen = 32 << 10
	// bufLen is how much text one round of redaction looks at.
	bufLen = 5 * MaxSecretLen
)

// ErrNoSafeCut is returned by Writer when, in one window of text, every
// place it could cut the stream lies inside a secret: it cannot pass the
// text on without risking a piece of a secret, so it passes none of it on.
var ErrNoSafeCut = errors.New("artifact: no place to cut the text outside a secret")

// Writer redacts the text written to it and writes the result to an
// underlying writer, holding at most a few hundred KiB however long the
// stream. A secret split across two writes (or two reads of the source)
// is still replaced: Writer keeps the last MaxSecretLen bytes of what it
// has seen until more arrives, and cuts the stream only where redacting
// the two sides apart gives what redacting them together gives. Close
// writes what is kept back; the underlying writer is not closed.
type Writer struct {
	w       io.Writer
	r       Redacter
	buf     []byte
	changed bool
	err     error
}

// NewWriter returns a Writer that writes text redacted by r to w.
func NewWriter(w io.Writer, r Redacter) *Writer {
	return &Writer{w: w, r: r} // buf grows with the text, up to bufLen
}

// Write redacts p (with what came before and what comes after it) and
// writes the result to the underlying writer, in pieces as they become
// safe to write.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n := 0
	for len(p) > 0 {
		k := min(len(p), bufLen-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		p, n = p[k:], n+k
		if len(w.buf) == bufLen {
			if w.err = w.advance(); w.err != nil {
				return n, w.err
			}
		}
	}
	return n, nil
}

// Close redacts and writes the text kept back.
func (w *Writer) Close() error {
	if w.err != nil {
		return w.err
	}
	s := string(w.buf)
	out := w.r.Redact(s)
	w.changed = w.changed || out != s
	w.buf = w.buf[:0]
	_, w.err = io.WriteString(w.w, out)
	if w.err == nil {
		w.err = errClosed
	}
	return ignoreClosed(w.err)
}

var errClosed = errors.New("artifact: write to a closed Writer")

func ignoreClosed(err error) error {
	if errors.Is(err, errClosed) {
		return nil
	}
	return err
}

// Redacted reports whether anything written so far was replaced.
func (w *Writer) Redacted() bool { return w.changed }

// advance writes the redacted first part of a full buffer and keeps the
// rest. The cut is at a place p where Redact(buf[:p]) + Redact(buf[p:])
// equals Redact(buf): no secret of up to MaxSecretLen bytes spans it.
func (w *Writer) advance() error {
	whole := w.r.Redact(string(w.buf))
	target := bufLen - MaxSecretLen
	if whole == string(w.buf) { // nothing to replace here: cut anywhere
		return w.emit(w.buf[:target], target)
	}
	queue := cutCandidates(w.buf, target)
	for tries := 0; len(queue) > 0 && tries < 40; tries++ {
		p := queue[0]
		queue = queue[1:]
		left, right := w.r.Redact(string(w.buf[:p])), w.r.Redact(string(w.buf[p:]))
		if len(left)+len(right) == len(whole) && whole[:len(left)] == left && whole[len(left):] == right {
			w.changed = true
			return w.emit([]byte(left), p)
		}
		// A secret spans p. Where left stops agreeing with whole is where
		// it starts; what follows in left is, usually, its first part as
		// it was: cutting just before it is the next thing to try.
		i := 0
		for i < len(left) && i < len(whole) && left[i] == whole[i] {
			i++
		}
		if j := p - (len(left) - i); j >= target-MaxSecretLen && j < p {
			queue = append([]int{j}, queue...)
		}
	}
	return ErrNoSafeCut
}

// emit writes out and drops the first n bytes of the buffer.
func (w *Writer) emit(out []byte, n int) error {
	if !w.changed && !bytes.Equal(out, w.buf[:n]) {
		w.changed = true
	}
	if _, err := w.w.Write(out); err != nil {
		return err
	}
	w.buf = w.buf[:copy(w.buf, w.buf[n:])]
	return nil
}

// cutCandidates returns places to try cutting buf, all within
// MaxSecretLen before target so that a secret spanning one lies wholly in
// buf: the ends of the last lines first (a secret rarely spans a line),
// then places further and further back.
func cutCandidates(buf []byte, target int) []int {
	lo := target - MaxSecretLen
	var ps []int
	end := target
	for range 8 {
		i := bytes.LastIndexByte(buf[lo:end], '\n')
		if i < 0 {
			break
		}
		ps = append(ps, lo+i+1)
		end = lo + i
	}
	for k := 0; k < MaxSecretLen; k = 2*k + 1 {
		ps = append(ps, target-k)
	}
	return ps
}
