package sshexec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pkg/sftp"

	"github.com/org/calyptos"
)

// errStopped is returned to the transfer by a stopped guardWriter.
var errStopped = errors.New("transfer aborted")

// Fetch copies remotePath on host into dst, streaming in constant memory.
// It uses SFTP (one client per connection, opened on first use and
// reused), or `cat` over an exec session when the server has no sftp
// subsystem, Options.Sudo is set or MaxSessionsPerHost is 1. When ctx ends the transfer is aborted
// and Fetch returns an error wrapping ctx.Err(); dst is not written to
// after Fetch returns. A missing remote file gives an error wrapping
// fs.ErrNotExist; one that is not a regular file (a named pipe, a device,
// a directory, which could block the transfer or never end) is not read,
// and gives ErrNotRegular.
func (e *Executor) Fetch(ctx context.Context, host, remotePath string, dst io.Writer) error {
	h, err := e.host(host)
	if err != nil {
		return err
	}
	lim := splitCall(ctx)
	leave, err := e.enter(lim.setup, h)
	if err != nil {
		return lim.explain(&Error{Host: host, Op: "fetch", Err: err}, nil)
	}
	defer leave()
	if _, err := e.get(lim.setup, h); err != nil {
		return lim.explain(err, nil)
	}
	ctx, cancel := lim.command()
	defer cancel()
	start := time.Now()
	w := &guardWriter{w: dst}
	n, err := e.fetch(ctx, h, remotePath, w)
	w.stop()
	err = lim.explain(err, ctx)
	e.log.Debug("ssh fetch", "host", host, "path", remotePath, "bytes", n, "took", time.Since(start), "error", err)
	return err
}

func (e *Executor) fetch(ctx context.Context, h *hostConn, remotePath string, w *guardWriter) (int64, error) {
	fail := func(err error) error {
		return &Error{Host: h.t.key, Op: "fetch " + remotePath, Err: err}
	}
	// The SFTP session holds a session slot for the connection's life,
	// which a limit of one slot cannot spare.
	if !e.opts.Sudo && e.opts.MaxSessionsPerHost > 1 {
		for attempt := 0; attempt < 2; attempt++ {
			c, err := e.get(ctx, h)
			if err != nil {
				return 0, err
			}
			sc, err := e.sftpClient(ctx, h, c)
			if err != nil {
				if c.isDead() {
					e.drop(h, c)
					if attempt == 0 {
						continue
					}
					return 0, &Error{Host: h.t.key, Op: "fetch " + remotePath, Kind: ErrConnLost, Err: c.lostError()}
				}
				return 0, fail(err)
			}
			if sc == nil {
				break // no sftp subsystem
			}
			n, err := sftpCopy(ctx, sc, remotePath, w)
			if err == nil {
				return n, nil
			}
			if ctx.Err() != nil {
				return n, fail(ctx.Err())
			}
			if answered(err) {
				return n, fail(err)
			}
			if c.waitDead(time.Second) {
				e.drop(h, c)
				return n, &Error{Host: h.t.key, Op: "fetch " + remotePath, Kind: ErrConnLost, Err: c.lostError()}
			}
			return n, fail(err)
		}
	}
	cmd := catRegular(remotePath)
	if e.opts.Sudo {
		cmd = "sudo -n sh -c " + calyptos.ShellQuote(cmd)
	}
	stderr := &capBuffer{max: 4 << 10}
	// A failed write to dst ends the command at once: the session's copy
	// would otherwise stop reading, and cat block on a full window until
	// the deadline.
	cctx, stop := context.WithCancel(ctx)
	defer stop()
	ew := &stopOnError{w: w, stop: stop}
	code, err := e.exec(cctx, h, cmd, true, ew, stderr)
	if ew.err != nil {
		return w.written(), fail(fmt.Errorf("writing what cat sent: %w", ew.err))
	}
	if err != nil {
		var se *Error
		if errors.As(err, &se) {
			se.Op = "fetch " + remotePath
		}
		return w.written(), err
	}
	if code != 0 {
		msg := strings.TrimSpace(stderr.String())
		err := fmt.Errorf("cat exited %d: %s", code, msg)
		switch {
		case strings.Contains(msg, notRegularSaid):
			err = ErrNotRegular
		case strings.Contains(msg, "No such file"):
			err = fmt.Errorf("%w: %s", fs.ErrNotExist, msg)
		}
		return w.written(), fail(err)
	}
	return w.written(), nil
}

// sftpClient returns c's SFTP client, starting it on first use; it is nil
// (with a nil error) when the server has no sftp subsystem. The client
// holds one of the connection's session slots while it lives.
func (e *Executor) sftpClient(ctx context.Context, h *hostConn, c *conn) (*sftp.Client, error) {
	select {
	case c.sftpMu <- struct{}{}:
	case <-c.dead:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-c.sftpMu }()
	if c.sftp != nil || c.noSFTP {
		return c.sftp, nil
	}
	select {
	case c.sem <- struct{}{}:
	case <-c.dead:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	type result struct {
		sc  *sftp.Client
		err error
	}
	ch := make(chan result, 1)
	go func() {
		sc, err := sftp.NewClient(c.client)
		if err == nil {
			e.sessions.Add(1)
		}
		ch <- result{sc, err}
	}()
	var sc *sftp.Client
	var err error
	select {
	case r := <-ch:
		sc, err = r.sc, r.err
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.sc != nil {
				_ = r.sc.Close()
			}
			<-c.sem
		}()
		e.checkAlive(h, c)
		return nil, ctx.Err()
	}
	if err != nil {
		<-c.sem
		if c.waitDead(100 * time.Millisecond) {
			return nil, err
		}
		e.log.Debug("ssh: no sftp subsystem; fetching with cat", "host", h.t.key, "error", err)
		c.noSFTP = true
		return nil, nil
	}
	c.sftp = sc
	c.sftpSlot = true
	return sc, nil
}

// sftpCopy streams remotePath into w. The copy runs in its own goroutine
// so that ctx can abort it: w is stopped, which fails the copy's next
// write.
func sftpCopy(ctx context.Context, sc *sftp.Client, remotePath string, w *guardWriter) (int64, error) {
	type result struct {
		n   int64
		err error
	}
	done := make(chan result, 1)
	go func() {
		// Opening a named pipe would block the server until a writer
		// came; a device could be read for ever.
		st, err := sc.Stat(remotePath)
		if err != nil {
			done <- result{0, err}
			return
		}
		if !st.Mode().IsRegular() {
			done <- result{0, notRegular(st.Mode())}
			return
		}
		f, err := sc.Open(remotePath)
		if err != nil {
			done <- result{0, err}
			return
		}
		n, err := f.WriteTo(w)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		done <- result{n, err}
	}()
	select {
	case r := <-done:
		return r.n, r.err
	case <-ctx.Done():
		w.stop()
		return w.written(), ctx.Err()
	}
}

// answered reports whether err is the SFTP server's answer about the
// file, which shows the connection alive.
func answered(err error) bool {
	var se *sftp.StatusError
	return errors.As(err, &se) || errors.Is(err, ErrNotRegular) || errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission)
}

// notRegularSaid is what catRegular writes on stderr for a path that is
// not a regular file.
const notRegularSaid = "sshexec: not a regular file"

// catRegular returns the command that writes remotePath on stdout if it
// is a regular file (or missing: cat says so), and refuses anything else.
func catRegular(remotePath string) string {
	q := calyptos.ShellQuote(remotePath)
	return "test -f " + q + " || test ! -e " + q + " || { echo " + calyptos.ShellQuote(notRegularSaid) + " >&2; exit 1; }; exec cat -- " + q
}

// notRegular is ErrNotRegular for a file of mode m.
func notRegular(m fs.FileMode) error {
	kind := "special file"
	switch {
	case m&fs.ModeNamedPipe != 0:
		kind = "named pipe"
	case m.IsDir():
		kind = "directory"
	case m&fs.ModeSocket != 0:
		kind = "socket"
	case m&fs.ModeDevice != 0:
		kind = "device"
	}
	return fmt.Errorf("%w: a %s", ErrNotRegular, kind)
}

// guardWriter forwards writes to w until stopped; after stop returns, w is
// never written to again.
type guardWriter struct {
	mu      sync.Mutex
	w       io.Writer
	n       int64
	stopped bool
}

func (g *guardWriter) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopped {
		return 0, errStopped
	}
	n, err := g.w.Write(p)
	g.n += int64(n)
	return n, err
}

func (g *guardWriter) stop() {
	g.mu.Lock()
	g.stopped = true
	g.mu.Unlock()
}

func (g *guardWriter) written() int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.n
}

// FetchFile fetches remotePath from host into localDir/name, where name
// defaults to the remote file's base name and must be a plain file name
// (no "/", not "." or ".."; otherwise an error wrapping
// calyptos.ErrUnsafePath). It writes to a temporary file in localDir and
// renames it on success, so a failed or cancelled fetch never leaves a
// partial file under the final name. localDir must exist.
func (e *Executor) FetchFile(ctx context.Context, host, remotePath, localDir, name string) (calyptos.Artifact, error) {
	if name == "" {
		name = path.Base(strings.TrimRight(remotePath, "/"))
	}
	if name == "" || name == "." || name == ".." || name == "/" || strings.ContainsAny(name, "/\\\x00") {
		return calyptos.Artifact{}, &Error{Host: host, Op: "fetch " + remotePath,
			Err: fmt.Errorf("%w: %q is not a plain file name", calyptos.ErrUnsafePath, name)}
	}
	dst := filepath.Join(localDir, name)
	tmp, err := os.CreateTemp(localDir, "."+name+".part-*")
	if err != nil {
		return calyptos.Artifact{}, &Error{Host: host, Op: "fetch " + remotePath, Err: err}
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	ferr := e.Fetch(ctx, host, remotePath, tmp)
	cerr := tmp.Close()
	if ferr != nil {
		return calyptos.Artifact{}, ferr
	}
	if cerr != nil {
		return calyptos.Artifact{}, &Error{Host: host, Op: "fetch " + remotePath, Err: cerr}
	}
	st, err := os.Stat(tmp.Name())
	if err != nil {
		return calyptos.Artifact{}, &Error{Host: host, Op: "fetch " + remotePath, Err: err}
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return calyptos.Artifact{}, &Error{Host: host, Op: "fetch " + remotePath, Err: err}
	}
	return calyptos.Artifact{Host: host, Remote: remotePath, Path: dst, Bytes: st.Size()}, nil
}

// stopOnError passes writes to w; at the first that fails it keeps the
// error, calls stop and refuses every later one.
type stopOnError struct {
	w    io.Writer
	stop func()
	mu   sync.Mutex
	err  error
}

func (s *stopOnError) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.w.Write(p)
	if err != nil {
		s.err = err
		s.stop()
	}
	return n, err
}
