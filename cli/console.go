package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/org/calyptos"
)

// console is the terminal side of a command: stdout, stderr, the progress
// line drawn on stderr and the questions asked on the terminal, under one
// lock, so that no write lands after the progress line or after a
// question waiting for its answer. It is created before the transport
// (whose prompts it asks) and handed to whatever writes.
type console struct {
	name           string // the program's, for messages
	stdin          io.Reader
	stdout, stderr io.Writer
	term           terminal

	mu     sync.Mutex
	prog   *progress // nil: no progress line
	outErr error     // the first error writing stdout; nothing is written after it
}

func (p *Program) newConsole() *console {
	return &console{name: p.Name, stdin: p.Stdin, stdout: p.Stdout, stderr: p.Stderr, term: p.term}
}

// startProgress draws a progress line over total units when stderr is a
// terminal that can erase it (a dumb one cannot).
func (c *console) startProgress(total int, unit string, getenv func(string) string) {
	if !c.term.isTerminal(c.stderr) || getenv("TERM") == "dumb" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.prog = newProgress(c.stderr, c.term.width(c.stderr), total, unit)
}

// update changes the progress line with f and draws it again.
func (c *console) update(f func(*progress)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.prog != nil {
		f(c.prog)
		c.prog.draw()
	}
}

// stopProgress erases the progress line for good.
func (c *console) stopProgress() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.prog != nil {
		c.prog.erase()
		c.prog.closed = true
	}
}

// locked runs f with the progress line erased, then draws it again.
func (c *console) locked(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lockedHeld(f)
}

func (c *console) lockedHeld(f func()) {
	if c.prog != nil {
		c.prog.erase()
		defer c.prog.draw()
	}
	f()
}

// errorf prints "name: message" on stderr, on a line of its own.
func (c *console) errorf(format string, args ...any) {
	c.locked(func() { fmt.Fprintf(c.stderr, "%s: %s\n", c.name, fmt.Sprintf(format, args...)) })
}

// Write writes b to stdout. After a failed write nothing more is written
// and the first error is returned again: host blocks are written as
// hosts finish, and whether they all reached stdout is known at the end.
func (c *console) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.outErr != nil {
		return 0, c.outErr
	}
	var n int
	var err error
	c.lockedHeld(func() { n, err = stickyStdout{c}.Write(b) })
	return n, err
}

// writeOut calls f with stdout under the lock, the progress line erased:
// what f writes in several pieces stays together. The writer keeps the
// first error, as Write does.
func (c *console) writeOut(f func(io.Writer)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lockedHeld(func() { f(stickyStdout{c}) })
}

// stickyStdout writes to stdout of a console whose lock is held.
type stickyStdout struct{ c *console }

func (s stickyStdout) Write(b []byte) (int, error) {
	if s.c.outErr != nil {
		return 0, s.c.outErr
	}
	var n int
	n, s.c.outErr = s.c.stdout.Write(b)
	return n, s.c.outErr
}

// writeErr returns the first error writing stdout.
func (c *console) writeErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.outErr
}

// reporter returns the Reporter of a run: each event goes to next (if
// any) with the progress line erased, then updates and redraws the line.
func (c *console) reporter(next calyptos.Reporter) calyptos.Reporter {
	return &liveReporter{c: c, next: next}
}

// promptSecret asks for a secret on the terminal without echo. Nothing
// else is written until it is answered.
func (c *console) promptSecret(ctx context.Context, prompt string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b []byte
	var err error
	c.lockedHeld(func() {
		w, done := c.term.promptOutput(c.stderr)
		defer done()
		fmt.Fprint(w, prompt)
		b, err = c.term.readPassword(ctx, c.stdin)
		fmt.Fprintln(w)
	})
	if err != nil {
		return nil, fmt.Errorf("reading from the terminal: %w", err)
	}
	b = bytes.TrimRight(b, "\r\n")
	if len(b) == 0 {
		return nil, errors.New("nothing entered")
	}
	return b, nil
}

// liveReporter forwards a run's events to the text stream (if any) and
// keeps the progress line (if any) out of its way.
type liveReporter struct {
	c    *console
	next calyptos.Reporter
}

var _ calyptos.Reporter = (*liveReporter)(nil)

func (l *liveReporter) event(write func(calyptos.Reporter), update func(*progress)) {
	l.c.mu.Lock()
	defer l.c.mu.Unlock()
	if l.next != nil {
		if l.c.prog != nil {
			l.c.prog.erase()
		}
		write(l.next)
	}
	if l.c.prog != nil {
		update(l.c.prog)
		l.c.prog.draw()
	}
}

func (l *liveReporter) CheckStarted(name string) {
	l.event(func(r calyptos.Reporter) { r.CheckStarted(name) }, func(p *progress) { p.label = name })
}

func (l *liveReporter) Finding(f calyptos.Finding) {
	l.event(func(r calyptos.Reporter) { r.Finding(f) }, func(p *progress) {
		if f.Status == calyptos.Info {
			return
		}
		p.found++
		if f.Status == calyptos.Fail {
			p.fail++
		}
	})
}

func (l *liveReporter) CheckFinished(r *calyptos.CheckResult) {
	l.event(func(next calyptos.Reporter) { next.CheckFinished(r) }, func(p *progress) { p.done++; p.label = "" })
}
