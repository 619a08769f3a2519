package cli

import (
	"context"
	"errors"
	"io"
	"os"

	"golang.org/x/term"
)

// terminal answers the questions the command line asks about its standard
// streams. Tests replace it to exercise the terminal-only behaviour.
type terminal interface {
	// isTerminal reports whether v (a stream) is a terminal.
	isTerminal(v any) bool
	// width returns the number of columns of the terminal w, or 0.
	width(w io.Writer) int
	// promptOutput returns where to write a question whose answer is
	// read from the terminal: stderr when it is a terminal, else the
	// controlling terminal, so that 2>file does not hide the question
	// while the program waits for its answer. done releases it.
	promptOutput(stderr io.Writer) (w io.Writer, done func())
	// readPassword reads a line from the terminal r without echo. When
	// ctx ends first it restores the terminal and returns ctx's error.
	readPassword(ctx context.Context, r io.Reader) ([]byte, error)
}

type realTerminal struct{}

func fdOf(v any) (int, bool) {
	f, ok := v.(*os.File)
	if !ok || f == nil {
		return 0, false
	}
	return int(f.Fd()), true
}

func (realTerminal) isTerminal(v any) bool {
	fd, ok := fdOf(v)
	return ok && term.IsTerminal(fd)
}

func (realTerminal) width(w io.Writer) int {
	fd, ok := fdOf(w)
	if !ok {
		return 0
	}
	cols, _, err := term.GetSize(fd)
	if err != nil {
		return 0
	}
	return cols
}

func (t realTerminal) promptOutput(stderr io.Writer) (io.Writer, func()) {
	if t.isTerminal(stderr) {
		return stderr, func() {}
	}
	tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0)
	if err != nil {
		return stderr, func() {} // no controlling terminal
	}
	return tty, func() { tty.Close() }
}

func (realTerminal) readPassword(ctx context.Context, r io.Reader) ([]byte, error) {
	fd, ok := fdOf(r)
	if !ok {
		return nil, errors.New("not a terminal")
	}
	state, err := term.GetState(fd)
	if err != nil {
		return nil, err
	}
	type answer struct {
		b   []byte
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		b, err := term.ReadPassword(fd)
		ch <- answer{b, err}
	}()
	select {
	case a := <-ch:
		return a.b, a.err
	case <-ctx.Done():
		// Ctrl-C while typing: put echo back before the process exits.
		// The read goroutine ends with the process.
		_ = term.Restore(fd, state)
		return nil, ctx.Err()
	}
}
