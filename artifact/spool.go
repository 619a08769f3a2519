package artifact

import (
	"bytes"
	"context"
	"io"
	"os"
)

// spool holds one member's new content: in memory up to limit bytes, then
// in a temporary file (mode 0600, reused for every member, removed at
// the end).
type spool struct {
	// ctx ends writeTo's copy (a member may be a gigabyte).
	ctx   context.Context
	dir   string
	limit int64
	// maxMember is the largest member spooled at all.
	maxMember int64
	mem       bytes.Buffer
	f         *os.File
	n         int64
}

func (s *spool) Write(p []byte) (int, error) {
	if s.f == nil && int64(s.mem.Len()+len(p)) <= s.limit {
		s.n += int64(len(p))
		return s.mem.Write(p)
	}
	if s.f == nil {
		f, err := os.CreateTemp(s.dir, ".calyptos-redact-*")
		if err != nil {
			return 0, err
		}
		s.f = f
	}
	if s.mem.Len() > 0 {
		if _, err := s.f.Write(s.mem.Bytes()); err != nil {
			return 0, err
		}
		s.mem.Reset()
	}
	n, err := s.f.Write(p)
	s.n += int64(n)
	return n, err
}

// inFile reports whether the content is in the file rather than memory.
func (s *spool) inFile() bool { return s.f != nil && s.n > int64(s.mem.Len()) }

func (s *spool) size() int64 { return s.n }

// writeTo copies the content to w.
func (s *spool) writeTo(w io.Writer) error {
	if !s.inFile() {
		_, err := w.Write(s.mem.Bytes())
		return err
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err := io.CopyN(w, ctxReader{ctx: s.ctx, r: s.f}, s.n)
	return err
}

// reset empties the spool for the next member.
func (s *spool) reset() error {
	s.mem.Reset()
	s.n = 0
	if s.f == nil {
		return nil
	}
	if err := s.f.Truncate(0); err != nil {
		return err
	}
	_, err := s.f.Seek(0, io.SeekStart)
	return err
}

// remove deletes the temporary file, if one was made.
func (s *spool) remove() {
	if s.f != nil {
		s.f.Close()
		os.Remove(s.f.Name())
	}
}
