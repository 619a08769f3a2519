package inventory

import (
	"errors"
	"fmt"

	"github.com/org/calyptos"
)

// ErrInvalid is matched (errors.Is) by every error Load and Parse return
// for an inventory they could read but not accept.
var ErrInvalid = errors.New("invalid inventory")

// Error is one problem in an inventory file, with where it is. Several
// problems are joined with errors.Join; errors.As finds the first.
type Error struct {
	Pos calyptos.Position
	// Msg says what is wrong and what was expected.
	Msg string
	// Err is the underlying cause, if any (a YAML syntax error).
	Err error
}

// Error returns "file:line:col: message".
func (e *Error) Error() string {
	if e.Pos.File == "" && e.Pos.Line == 0 {
		return e.Msg
	}
	return e.Pos.String() + ": " + e.Msg
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Is makes every Error match ErrInvalid.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// maxProblems bounds the problems reported for one Load: past it, one
// more says so and the rest are dropped.
const maxProblems = 100

// problems collects the errors of one Load or Parse.
type problems struct {
	errs []error
}

// add records a problem at pos.
func (p *problems) add(pos calyptos.Position, format string, args ...any) {
	p.addErr(&Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// addErr records an error, keeping at most maxProblems of them.
func (p *problems) addErr(err error) {
	switch {
	case len(p.errs) > maxProblems:
		return
	case len(p.errs) == maxProblems:
		err = &Error{Msg: fmt.Sprintf("more than %d problems: the rest are not listed", maxProblems)}
	}
	p.errs = append(p.errs, err)
}

// full reports whether no more problems are worth looking for.
func (p *problems) full() bool { return len(p.errs) > maxProblems }

func (p *problems) err() error { return errors.Join(p.errs...) }
