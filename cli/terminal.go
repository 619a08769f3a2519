package cli

import (
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
	// readPassword reads a line from the terminal r without echo.
	readPassword(r io.Reader) ([]byte, error)
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

func (realTerminal) readPassword(r io.Reader) ([]byte, error) {
	fd, ok := fdOf(r)
	if !ok {
		return nil, errors.New("not a terminal")
	}
	return term.ReadPassword(fd)
}
