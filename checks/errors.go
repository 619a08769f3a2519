package checks

import (
	"errors"
	"fmt"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/words"
)

// ErrInvalid is matched (errors.Is) by every error of Load, Parse and
// File.Validate for a checks file that could be read but not accepted.
var ErrInvalid = errors.New("invalid checks file")

// Error is one problem in a checks file, with where it is. Load, Parse
// and Validate report every problem they find, each an *Error, joined
// with errors.Join; errors.As finds the first.
type Error struct {
	Pos calyptos.Position
	// Msg says what is wrong and what was expected.
	Msg string
	// Err is the underlying cause, if any (a YAML syntax error).
	Err error
}

// Error returns "file:line:col: message".
func (e *Error) Error() string {
	if p := e.Pos.String(); p != "" {
		return p + ": " + e.Msg
	}
	return e.Msg
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Is makes every Error match ErrInvalid.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// maxErrors bounds the problems reported for one file: a file of garbage
// gives a readable list, not one line per node.
const maxErrors = 100

// errList collects a file's problems.
type errList struct {
	errs []error
	more int
}

func (l *errList) add(pos calyptos.Position, format string, args ...any) {
	if len(l.errs) >= maxErrors {
		l.more++
		return
	}
	l.errs = append(l.errs, &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

func (l *errList) err() error {
	if len(l.errs) == 0 {
		return nil
	}
	errs := l.errs
	if l.more > 0 {
		errs = append(errs[:len(errs):len(errs)], &Error{Msg: fmt.Sprintf("and %d more problems", l.more)})
	}
	return errors.Join(errs...)
}

// suggest returns ` (did you mean "x"?)` for the valid name nearest to
// name, when one is near enough to be a likely misspelling, else "".
func suggest(name string, valid []string) string {
	best, bestD := "", len(name)/3+2
	for _, v := range valid {
		if d := words.Distance(strings.ToLower(name), strings.ToLower(v)); d < bestD {
			best, bestD = v, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}
