package sshexec

import (
	"bytes"
	"io"
	"sync/atomic"
)

// saidMax bounds how much of what the login shell wrote an ErrLoginShell
// quotes, per stream.
const saidMax = 256

// markerFilter passes a session's stderr on to w without the first
// shMarker in it, and keeps the end of what came before the marker: when
// there is no marker, the login shell's own explanation. Only the
// session's stderr copier writes to it; it is read after the session ends,
// but for started.
type markerFilter struct {
	w       io.Writer
	marker  []byte
	pending []byte // the end of the stream so far, which may be the marker's start
	seen    bool
	said    []byte // the last saidMax bytes before the marker
	// started is seen, for a caller that gives up before the session ends.
	started atomic.Bool
}

func newMarkerFilter(w io.Writer) *markerFilter {
	return &markerFilter{w: w, marker: []byte(shMarker + "\n")}
}

// Write passes p on, holding back what may be the start of the marker.
func (f *markerFilter) Write(p []byte) (int, error) {
	if f.seen {
		if _, err := f.w.Write(p); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	buf := append(f.pending, p...)
	if i := bytes.Index(buf, f.marker); i >= 0 {
		f.seen = true
		f.started.Store(true)
		f.pending = nil
		if err := f.pass(buf[:i]); err != nil {
			return 0, err
		}
		if rest := buf[i+len(f.marker):]; len(rest) > 0 {
			if _, err := f.w.Write(rest); err != nil {
				return 0, err
			}
		}
		return len(p), nil
	}
	keep := prefixSuffix(buf, f.marker)
	if err := f.pass(buf[:len(buf)-keep]); err != nil {
		return 0, err
	}
	f.pending = append(f.pending[:0], buf[len(buf)-keep:]...)
	return len(p), nil
}

// pass writes p, which came before the marker, on to w, and keeps its end.
func (f *markerFilter) pass(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	f.said = append(f.said, p[max(0, len(p)-saidMax):]...)
	if over := len(f.said) - saidMax; over > 0 {
		f.said = append(f.said[:0], f.said[over:]...)
	}
	_, err := f.w.Write(p)
	return err
}

// ReadFrom copies r through Write until the marker is found, then hands
// r to w, so that a capBuffer reads the command's stderr straight into its
// own buffer.
func (f *markerFilter) ReadFrom(r io.Reader) (int64, error) {
	var n int64
	if !f.seen {
		buf := make([]byte, 512)
		for !f.seen {
			k, err := r.Read(buf)
			n += int64(k)
			if k > 0 {
				if _, werr := f.Write(buf[:k]); werr != nil {
					return n, werr
				}
			}
			if err == io.EOF {
				return n, nil
			}
			if err != nil {
				return n, err
			}
		}
	}
	m, err := io.Copy(f.w, r)
	return n + m, err
}

// end passes on what was held back, once the stream has ended, and
// reports whether the marker came. The session's stderr is a capBuffer,
// whose writes never fail.
func (f *markerFilter) end() bool {
	if !f.seen && len(f.pending) > 0 {
		p := f.pending
		f.pending = nil
		_ = f.pass(p)
	}
	return f.seen
}

// prefixSuffix returns the length of the longest end of b that is the
// start of marker (shorter than marker itself).
func prefixSuffix(b, marker []byte) int {
	for k := min(len(b), len(marker)-1); k > 0; k-- {
		if bytes.HasPrefix(marker, b[len(b)-k:]) {
			return k
		}
	}
	return 0
}

// headRecorder passes a stream on to w and keeps its first saidMax bytes:
// the login shell's own words when it never started /bin/sh.
type headRecorder struct {
	w    io.Writer
	head []byte
}

func (h *headRecorder) Write(p []byte) (int, error) {
	h.keep(p)
	return h.w.Write(p)
}

func (h *headRecorder) keep(p []byte) {
	if room := saidMax - len(h.head); room > 0 {
		h.head = append(h.head, p[:min(room, len(p))]...)
	}
}

// ReadFrom lets w read r itself when it can (see capBuffer.ReadFrom).
func (h *headRecorder) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := h.w.(io.ReaderFrom); ok {
		return rf.ReadFrom(teeReader{r, h})
	}
	return io.Copy(struct{ io.Writer }{h}, r)
}

// teeReader records what is read through it.
type teeReader struct {
	r io.Reader
	h *headRecorder
}

func (t teeReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.h.keep(p[:n])
	return n, err
}
