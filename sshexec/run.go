package sshexec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/org/calyptos/executor"
	"github.com/org/calyptos/internal/tailbuf"

	"golang.org/x/crypto/ssh"

	"github.com/org/calyptos"
)

// Run runs command on host and returns its output. The command is POSIX
// sh, run by the /bin/sh that the remote user's login shell starts (see
// the package doc). A command that ran and exited non-zero is an Output
// with its ExitCode and a nil error; one killed by a signal has ExitCode
// 128+n, as in a shell.
//
// The connection is set up first (see Options.ConnectTimeout); when ctx
// comes from the calyptos runner (executor.CommandLimit), the command
// timeout starts only then.
//
// Errors: transport failures wrap calyptos.ErrTransport (see the
// sentinels); when ctx ends, the session is closed, which ends the remote
// command and everything it started (see the package doc; a command run
// under executor.WithSelfBounded runs on to its own end instead), and Run
// returns at once with an error wrapping ctx.Err() that names the limit
// that ran out, and the output read so far; a connection lost mid-command
// gives ErrConnLost; a command that ends without an exit status gives
// ErrNoExitStatus with ExitCode -1; a login shell that ended without
// running the command gives ErrLoginShell with ExitCode -1 and what the
// shell wrote as the Output's streams (or an error that says the command
// is too long, when it is past the 128 KiB that Linux passes to a program
// and the host did not start it); so does a self-bounded script sent on
// stdin that the login shell's start-up file read.
func (e *Executor) Run(ctx context.Context, host, command string) (calyptos.Output, error) {
	h, err := e.host(host)
	if err != nil {
		return calyptos.Output{}, err
	}
	_, selfBounded := executor.SelfBounded(ctx)
	lim := splitCall(ctx)
	leave, err := e.enter(lim.setup, h)
	if err != nil {
		return calyptos.Output{}, lim.explain(&Error{Host: host, Op: "run", Err: err}, nil)
	}
	defer leave()
	if _, err := e.get(lim.setup, h); err != nil {
		return calyptos.Output{ExitCode: -1}, lim.explain(err, nil)
	}
	ctx, cancel := lim.command()
	defer cancel()
	if e.opts.Sudo {
		command = "sudo -n sh -c " + calyptos.ShellQuote(command)
	}
	stdout := &capBuffer{max: e.opts.MaxOutput}
	stderr := &capBuffer{max: e.opts.MaxOutput}
	start := time.Now()
	code, err := e.exec(ctx, h, command, !selfBounded, stdout, stderr)
	err = lim.explain(err, ctx)
	out := calyptos.Output{
		Stdout:    stdout.String(),
		Stderr:    stderr.String(),
		ExitCode:  code,
		Truncated: stdout.Truncated() || stderr.Truncated(),
	}
	e.log.Debug("ssh run", "host", host, "exit", code, "took", time.Since(start), "error", err)
	return out, err
}

// exec runs command in a new session on h's connection, copying its
// streams to stdout and stderr, and returns its exit code. The command
// reaches /bin/sh through the login shell (loginLine). With reap, it runs
// under the remote reaper; without, as it is, with stdin at its end: it
// must end by itself (executor.WithSelfBounded).
func (e *Executor) exec(ctx context.Context, h *hostConn, command string, reap bool, stdout, stderr io.Writer) (int, error) {
	select {
	case h.sem <- struct{}{}:
	case <-ctx.Done():
		return -1, &Error{Host: h.t.key, Op: "session", Err: ctx.Err()}
	}
	defer func() { <-h.sem }()
	c, sess, err := e.session(ctx, h)
	if err != nil {
		return -1, err
	}
	defer sess.Close()
	// Under the reaper, stdin is kept open (nothing is written) until the
	// command ends or the session is closed: its end is what makes the
	// remote reaper end the command. A self-bounded script may go on it,
	// and then the end of stderr may say it was refused (stdinRefused).
	var stdin io.WriteCloser
	line, script := selfBoundedLine(command)
	if reap {
		line, script = reapedLine(command), ""
	}
	out := &headRecorder{w: stdout}
	var tail *tailbuf.Buffer
	errw := stderr
	if script != "" {
		tail = &tailbuf.Buffer{Max: len(stdinRefused) + 1}
		errw = io.MultiWriter(stderr, tail)
	}
	gate := newMarkerFilter(errw)
	sess.Stdout, sess.Stderr = out, gate
	if reap || script != "" {
		stdin, err = sess.StdinPipe()
		if err != nil {
			return -1, &Error{Host: h.t.key, Op: "session", Err: err}
		}
	}
	// Start waits for the server's reply and Wait for the command: both
	// run here so that ctx bounds them even on a connection that stopped
	// answering.
	type startError struct{ error }
	done := make(chan error, 1)
	go func() {
		if err := sess.Start(line); err != nil {
			done <- startError{err}
			return
		}
		if script != "" {
			go sendScript(stdin, script)
		}
		done <- sess.Wait()
	}()
	select {
	case err = <-done:
	case <-ctx.Done():
		// No signal request (OpenSSH refuses it for root): closing the
		// channel ends the reaper's stdin, and it kills the command's
		// process group. A script's stdin is sendScript's to end (x/crypto/ssh
		// races a Write with a CloseWrite): closing the session wakes it.
		if stdin != nil && script == "" {
			_ = stdin.Close()
		}
		_ = sess.Close()
		e.checkAlive(h, c)
		cerr := ctx.Err()
		if !gate.started.Load() {
			cerr = fmt.Errorf("%w (the login shell had not started the command yet)", cerr)
		}
		return -1, &Error{Host: h.t.key, Op: "run", Err: cerr}
	}
	if se, ok := err.(startError); ok {
		if c.waitDead(100 * time.Millisecond) {
			e.drop(h, c)
			return -1, &Error{Host: h.t.key, Op: "run", Kind: ErrConnLost, Err: c.lostError()}
		}
		return -1, &Error{Host: h.t.key, Op: "run", Err: se.error}
	}
	code, err := e.exitCode(h, c, err, gate, out, len(line))
	if err == nil && refused(code, tail) {
		return -1, &Error{Host: h.t.key, Op: "run", Kind: ErrLoginShell,
			Err: errors.New("the login shell read the script that sshexec sent on its stdin (a start-up file that reads stdin?), and /bin/sh did not run it")}
	}
	return code, err
}

// refused reports whether a script sent on stdin ended as stdinCode does
// when it did not find stdinToken first: exit 125, stdinRefused last on
// stderr (tail, nil when no script was sent).
func refused(code int, tail *tailbuf.Buffer) bool {
	return tail != nil && code == 125 && tail.String() == stdinRefused+"\n"
}

// sendScript writes script to a self-bounded session's stdin, then ends
// it. Its errors are the session's: one that ended before it read the
// whole script (a login shell that refused the line, a closed session)
// says why through its exit and stderr.
func sendScript(stdin io.WriteCloser, script string) {
	_, _ = io.WriteString(stdin, script)
	_ = stdin.Close()
}

// exitCode reads the end of a session that ran to its end (err is what
// Wait returned): its exit code, or why there is none. A session whose
// stderr never carried the marker never reached /bin/sh: the login shell
// refused the command (ErrLoginShell).
func (e *Executor) exitCode(h *hostConn, c *conn, err error, gate *markerFilter, out *headRecorder, lineLen int) (int, error) {
	started := gate.end()
	code := -1
	var ee *ssh.ExitError
	switch {
	case err == nil:
		code = 0
	case errors.As(err, &ee):
		code = ee.ExitStatus()
		if n := moreSignal(ee.Signal()); n > 0 {
			code = 128 + n
		}
	}
	if code >= 0 {
		if !started {
			return -1, notStarted(h.t.key, code, gate.said, out.head, lineLen)
		}
		return code, nil
	}
	if c.waitDead(time.Second) {
		e.drop(h, c)
		return -1, &Error{Host: h.t.key, Op: "run", Kind: ErrConnLost, Err: c.lostError()}
	}
	var missing *ssh.ExitMissingError
	if errors.As(err, &missing) {
		return -1, &Error{Host: h.t.key, Op: "run", Kind: ErrNoExitStatus}
	}
	return -1, &Error{Host: h.t.key, Op: "run", Err: err}
}

// moreSignal numbers the signals OpenSSH names in an exit-signal message
// that x/crypto/ssh leaves out (it gives their ExitStatus as 128), 0 for
// the others: the command's shell is the session's process, and `kill
// -USR1 $$` ends the session by that signal. The numbers are Linux's (x86,
// ARM and most other architectures).
func moreSignal(name string) int {
	switch name {
	case "USR1":
		return 10
	case "USR2":
		return 12
	}
	return 0
}

// session opens a session on h's connection, dialling or redialling it
// once if it dropped. The caller holds a slot of h.sem.
func (e *Executor) session(ctx context.Context, h *hostConn) (*conn, *ssh.Session, error) {
	redialed := false
	backoff := time.Millisecond
	var refusedSince time.Time
	for {
		c, err := e.get(ctx, h)
		if err != nil {
			return nil, nil, err
		}
		s, err := e.newSession(ctx, h, c)
		if err == nil {
			return c, s, nil
		}
		if ctx.Err() != nil {
			return nil, nil, &Error{Host: h.t.key, Op: "session", Err: ctx.Err()}
		}
		var oce *ssh.OpenChannelError
		if errors.As(err, &oce) {
			// The server refused the session on a live connection. sshd
			// frees a closed session a little after the client sees it
			// end, so at the MaxSessions limit a refusal is usually
			// transient: retry briefly.
			e.log.Debug("ssh session refused; retrying", "host", h.t.key, "error", err, "backoff", backoff)
			if refusedSince.IsZero() {
				refusedSince = time.Now()
			}
			if time.Since(refusedSince) > sessionRetryFor {
				return nil, nil, &Error{Host: h.t.key, Op: "session", Kind: ErrSessionRefused, Err: err}
			}
			t := time.NewTimer(backoff)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return nil, nil, &Error{Host: h.t.key, Op: "session", Err: ctx.Err()}
			}
			backoff = min(2*backoff, 50*time.Millisecond)
			continue
		}
		// Anything else means the connection is gone.
		e.drop(h, c)
		if redialed {
			return nil, nil, &Error{Host: h.t.key, Op: "session", Kind: ErrConnLost, Err: fmt.Errorf("connection lost: %w", err)}
		}
		e.log.Debug("ssh connection dropped; redialling", "host", h.t.key, "error", err)
		redialed = true
	}
}

// capBuffer keeps the first max bytes written to it and counts the rest.
// Writes never fail, so the remote side is never blocked.
type capBuffer struct {
	max   int
	mu    sync.Mutex
	buf   []byte
	total int64
}

func (b *capBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.total += int64(len(p))
	if room := b.max - len(b.buf); room > 0 {
		b.buf = append(b.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// ReadFrom lets io.Copy (which x/crypto/ssh uses for each session's
// stdout and stderr) read straight into the kept bytes, with no 32 KiB
// copy buffer per stream per command. Only one goroutine writes to a
// capBuffer; the lock guards the readers of what is kept so far.
func (b *capBuffer) ReadFrom(r io.Reader) (int64, error) {
	var read int64
	var discard []byte
	for {
		b.mu.Lock()
		keep := len(b.buf) < b.max
		var dst []byte
		if keep {
			if len(b.buf) == cap(b.buf) {
				b.buf = slices.Grow(b.buf, min(max(len(b.buf), 512), b.max-len(b.buf)))
			}
			dst = b.buf[len(b.buf):min(cap(b.buf), b.max)]
		}
		b.mu.Unlock()
		if !keep {
			if discard == nil {
				discard = make([]byte, 32<<10)
			}
			dst = discard
		}
		n, err := r.Read(dst)
		read += int64(n)
		b.mu.Lock()
		b.total += int64(n)
		if keep {
			b.buf = b.buf[:len(b.buf)+n]
		}
		b.mu.Unlock()
		if err == io.EOF {
			return read, nil
		}
		if err != nil {
			return read, err
		}
	}
}

// Truncated reports whether anything was discarded.
func (b *capBuffer) Truncated() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.total > int64(len(b.buf))
}

// String returns what was kept, followed by a marker line when output was
// discarded.
func (b *capBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := string(b.buf)
	if b.total > int64(len(b.buf)) {
		if !strings.HasSuffix(s, "\n") {
			s += "\n"
		}
		s += fmt.Sprintf(TruncatedMarker+"\n", len(b.buf), b.total)
	}
	return s
}

// TruncatedMarker is the format of the line appended to a stream cut at
// Options.MaxOutput (kept bytes, total bytes).
const TruncatedMarker = "[sshexec: output truncated: kept %d of %d bytes]"

// newSession opens a session on c, giving up when ctx ends (the
// connection may have stopped answering; checkAlive finds out).
func (e *Executor) newSession(ctx context.Context, h *hostConn, c *conn) (*ssh.Session, error) {
	type result struct {
		s   *ssh.Session
		err error
	}
	ch := make(chan result, 1)
	go func() {
		s, err := c.client.NewSession()
		if err == nil {
			e.sessions.Add(1)
		}
		ch <- result{s, err}
	}()
	select {
	case r := <-ch:
		return r.s, r.err
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.s != nil {
				_ = r.s.Close()
			}
		}()
		e.checkAlive(h, c)
		return nil, ctx.Err()
	}
}

// sessionRetryFor is how long a refused session is retried before
// ErrSessionRefused.
const sessionRetryFor = 2 * time.Second

// keepaliveTimeout bounds the liveness probe of a connection that did not
// answer in time.
const keepaliveTimeout = 5 * time.Second

// checkAlive probes c in the background after a call on it timed out, and
// drops it if the server does not answer a keepalive request, so that the
// next call redials instead of waiting on a dead connection.
func (e *Executor) checkAlive(h *hostConn, c *conn) {
	go func() {
		reply := make(chan error, 1)
		go func() {
			_, _, err := c.client.SendRequest("keepalive@openssh.com", true, nil)
			reply <- err
		}()
		t := time.NewTimer(keepaliveTimeout)
		defer t.Stop()
		select {
		case err := <-reply:
			if err == nil {
				return
			}
		case <-t.C:
		case <-c.dead:
		}
		e.log.Debug("ssh connection not answering; dropping it", "host", h.t.key)
		c.giveUp(fmt.Sprintf("no answer to a keepalive within %s after a call on it timed out", keepaliveTimeout))
		e.drop(h, c)
	}()
}
