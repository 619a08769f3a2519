package calyptostest

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/org/calyptos"
)

// hostFiles are the files the suite puts on the host to fetch.
type hostFiles struct {
	dir string
	// bin holds every byte value, 64 times over (16 KiB); big is 16 MiB
	// of numbered lines.
	bin, big string
}

// putFiles writes the fetch tests' files on the host, through ex: bin,
// big and an empty file "empty" in a new directory, with a directory
// "sub" and a named pipe "fifo" in it.
func (s *suite) putFiles(t *testing.T, ex calyptos.Executor) hostFiles {
	t.Helper()
	f := hostFiles{dir: s.hostDir(t, ex, s.host()), bin: strings.Repeat(allBytes(false), 64)}
	big, bigCmd := numbered("f", 1<<20)
	f.big = big
	s.mustRun(t, ex, s.host(), "cd "+f.dir+" && i=0; while [ $i -lt 64 ]; do "+printfBytes(allBytes(false))+"; i=$((i + 1)); done > bin && "+
		bigCmd+" > big && : > empty && mkdir sub && mkfifo fifo")
	return f
}

// fetch calls ex.Fetch, bounded.
func (s *suite) fetch(t *testing.T, ctx context.Context, ex calyptos.Executor, host, path string, dst *recordWriter) error {
	t.Helper()
	var err error
	bounded(t, "Fetch("+path+")", s.limit(ctx), func() { err = ex.Fetch(ctx, host, path, dst) })
	dst.returned()
	return err
}

// recordWriter keeps what is written to it, and counts writes made after
// the Fetch that was given it returned. onWrite, if set, runs at the first
// write and may return an error for it.
type recordWriter struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	done    bool
	late    int
	first   time.Time // of the first write
	onWrite func() error
}

func (w *recordWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		w.late++
	}
	if w.first.IsZero() {
		w.first = time.Now()
		if w.onWrite != nil {
			if err := w.onWrite(); err != nil {
				return 0, err
			}
		}
	}
	return w.buf.Write(p)
}

func (w *recordWriter) returned() { w.mu.Lock(); w.done = true; w.mu.Unlock() }

func (w *recordWriter) String() string { w.mu.Lock(); defer w.mu.Unlock(); return w.buf.String() }

// lateWrites is how many writes came after the Fetch returned.
func (w *recordWriter) lateWrites() int { w.mu.Lock(); defer w.mu.Unlock(); return w.late }

// firstWrite is when the first write came (zero if none did).
func (w *recordWriter) firstWrite() time.Time { w.mu.Lock(); defer w.mu.Unlock(); return w.first }

// errWrite is the error of a destination that refuses a write.
var errWrite = errors.New("calyptostest: the destination refused the write")

// testFetch: Fetch copies files exactly and fails as the runner needs.
func (s *suite) testFetch(t *testing.T) {
	ex := s.h.New(t)
	f := s.putFiles(t, ex)
	s.sub(t, "exact bytes", func(t *testing.T) {
		for _, c := range []struct{ name, want string }{{"bin", f.bin}, {"empty", ""}, {"big", f.big}} {
			var w recordWriter
			err := s.fetch(t, s.ctx(t), ex, s.host(), f.dir+"/"+c.name, &w)
			if assert.NoError(t, err, c.name) {
				sameText(t, c.name, c.want, w.String())
			}
		}
	})
	s.sub(t, "missing file", func(t *testing.T) {
		var w recordWriter
		err := s.fetch(t, s.ctx(t), ex, s.host(), f.dir+"/missing", &w)
		assert.ErrorIs(t, err, fs.ErrNotExist)
		assert.NotErrorIs(t, err, calyptos.ErrTransport, "a missing file leaves the host usable")
		assert.Empty(t, w.String(), "a missing file wrote to dst")
	})
	s.sub(t, "directory", func(t *testing.T) {
		var w recordWriter
		err := s.fetch(t, s.ctx(t), ex, s.host(), f.dir+"/sub", &w)
		assert.Error(t, err, "fetching a directory")
		assert.NotErrorIs(t, err, calyptos.ErrTransport, "a directory leaves the host usable")
	})
	s.sub(t, "cancelled while copying", func(t *testing.T) { s.fetchCancelled(t, ex, f) })
	s.sub(t, "named pipe", func(t *testing.T) { s.fetchPipe(t, ex, f) })
	s.sub(t, "write error", func(t *testing.T) {
		w := &recordWriter{onWrite: func() error { return errWrite }}
		// The copy must stop at once: the call's deadline is short.
		ctx, cancel := context.WithTimeout(context.Background(), 2*s.h.Grace)
		defer cancel()
		err := s.fetch(t, ctx, ex, s.host(), f.dir+"/big", w)
		assert.ErrorIs(t, err, errWrite, "a write error of dst ends the fetch with it")
		assert.NotErrorIs(t, err, calyptos.ErrTransport, "dst's error leaves the host usable")
		s.noLateWrites(t, ex, w)
	})
}

// fetchCancelled: a fetch cancelled at its first write stops with
// context.Canceled, having written the start of the file.
func (s *suite) fetchCancelled(t *testing.T, ex calyptos.Executor, f hostFiles) {
	ctx, cancel := context.WithCancel(s.ctx(t))
	defer cancel()
	w := &recordWriter{onWrite: func() error { cancel(); return nil }}
	err := s.fetch(t, ctx, ex, s.host(), f.dir+"/big", w)
	ended := w.firstWrite()
	if ended.IsZero() {
		t.Fatalf("nothing was written: %v", err)
	}
	s.ctxEnded(t, err, context.Canceled, ended)
	assert.True(t, strings.HasPrefix(f.big, w.String()), "what was written before the cancellation is not the start of the file")
	s.noLateWrites(t, ex, w)
}

// fetchPipe: a named pipe no one writes to is refused, or waited on until
// the deadline; the executor goes on fetching from the host.
func (s *suite) fetchPipe(t *testing.T, ex calyptos.Executor, f hostFiles) {
	// Opening a pipe nobody writes to blocks. Opening it for reading and
	// writing does not, and lets a blocked open go on.
	defer func() { _, _ = s.run(t, s.ctx(t), ex, s.host(), "exec 3<>"+f.dir+"/fifo") }()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	dl, _ := ctx.Deadline()
	var w recordWriter
	err := s.fetch(t, ctx, ex, s.host(), f.dir+"/fifo", &w)
	if ctx.Err() != nil { // it waited for a writer: the deadline must end it
		s.ctxEnded(t, err, context.DeadlineExceeded, dl)
	} else {
		assert.Error(t, err, "a named pipe with no writer is no file to fetch")
		assert.NotErrorIs(t, err, calyptos.ErrTransport, "a named pipe leaves the host usable")
	}
	assert.Empty(t, w.String())
	var again recordWriter
	quick, cancel2 := context.WithTimeout(context.Background(), 2*s.h.Grace)
	defer cancel2()
	err = s.fetch(t, quick, ex, s.host(), f.dir+"/bin", &again)
	if assert.NoError(t, err, "a fetch after one that waited on a named pipe") {
		sameText(t, "bin", f.bin, again.String())
	}
}

// noLateWrites checks that w, given to a Fetch that returned, is not
// written to while ex runs another command on the host.
func (s *suite) noLateWrites(t *testing.T, ex calyptos.Executor, w *recordWriter) {
	t.Helper()
	s.usable(t, ex)
	assert.Zero(t, w.lateWrites(), "dst was written to after Fetch returned")
}
