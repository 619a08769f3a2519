package calyptos

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// DefaultFactMaxOutput is how much of each of a fact command's stdout and
// stderr the host sends back when the Fact sets no MaxOutput.
const DefaultFactMaxOutput = 256 << 10

// Errors of FactResult.Err, checkable with errors.Is.
var (
	// ErrFactTimeout is wrapped when a fact's command did not finish within
	// its bound on the host; the other facts of the same session are not
	// affected.
	ErrFactTimeout = errors.New("command did not finish in time on the host")
	// ErrFactLost is wrapped when the gathering session answered but its
	// output holds no complete result for the fact (the session ended
	// early, or the executor cut the output).
	ErrFactLost = errors.New("no result for the fact in the gathering output")
	// ErrCommandNotFound matches a *ParseError of a command that exited
	// 127, the shell's status for a command it could not find.
	ErrCommandNotFound = errors.New("command not found")
)

// Fact is a named, typed piece of host state: the shell command that
// prints it (with its own fallbacks for older hosts) and the parser that
// turns the command's output into a T. Read it with Gather.
//
// A run gathers each fact at most once per host, whoever asks for it and
// however often, so the Name identifies the fact: two Fact values with the
// same Name must have the same command and parser. Put parameters (paths,
// service names) in the Name.
type Fact[T any] struct {
	// Name identifies the fact in a run ("listeners", "services:ntpd,chronyd").
	Name string
	// Command prints the fact. It runs under a POSIX sh on the host, with
	// stdin from /dev/null; any text taken from the environment must be
	// quoted with ShellQuote.
	Command string
	// Parse reads the command's output. It must not panic on any input
	// (fuzz it). A command that exits non-zero is still parsed: the exit
	// code may be part of the fact.
	Parse func(Output) (T, error)
	// Timeout bounds the command on the host, in whole seconds (a
	// watchdog on the host checks once a second, so the command may run
	// up to a second longer); zero means the run's command deadline, less
	// a margin for the answer to come back. A host's facts run one after
	// another, and one still running after a second goes on in the
	// background while the next ones start: a slow fact delays the others
	// by about a second, a hung one by no more.
	Timeout time.Duration
	// MaxOutput caps each of stdout and stderr on the host (default
	// DefaultFactMaxOutput); the cut is marked in Output.Truncated. The
	// cap is the command's file-size limit (ulimit -f) there: a write past
	// it fails with EFBIG, so a cut command usually exits non-zero, and a
	// command must not write files of its own larger than MaxOutput.
	MaxOutput int
	// Family, when set, makes the fact a member of a family (see Family):
	// Command, Timeout and MaxOutput are not used, Keys are gathered with
	// the other members' keys in one command per host, and Parse reads the
	// Outputs of the fact's Keys joined in their order.
	Family *Family
	Keys   []string
}

// AnyFact is a *Fact of any type, for lists of facts of different types
// (Need). Only *Fact implements it.
type AnyFact interface {
	spec() factSpec
}

// factSpec is the untyped part of a fact that the gathering needs.
type factSpec struct {
	name, command string
	timeout       time.Duration
	maxOutput     int
	family        *Family
	keys          []string
}

func (f *Fact[T]) spec() factSpec {
	s := factSpec{name: f.Name, command: f.Command, timeout: f.Timeout, maxOutput: f.MaxOutput}
	if f.Family != nil && f.Family.Command != nil && f.Family.Split != nil {
		s.family, s.keys = f.Family, f.Keys
	}
	return s
}

// Need is a fact a debugger reads, on the hosts it reads it on.
type Need struct {
	Fact  AnyFact
	Hosts []string
}

// FactNeeder is implemented by debuggers that declare the facts they
// read. Before the first debugger runs, the runner gathers the union of
// the needs of every debugger selected for the run (after RunOptions.Only
// and Skip) with one command per host, and the debuggers' Gather calls then
// read the cache. A fact read without having been declared is gathered
// when it is first read.
type FactNeeder interface {
	Needs(rb *RoleBuilder) []Need
}

// FactResult is one host's value of a fact.
type FactResult[T any] struct {
	Host string
	// Value is the parsed fact, valid when Err is nil.
	Value T
	// Output is what the command printed: the evidence of a finding, and
	// the input of a failed parse.
	Output Output
	// Err is nil when Value is usable. Otherwise it is a *ParseError when
	// the command ran but its output did not parse (Output holds it);
	// an error wrapping ErrFactTimeout or ErrFactLost; or the transport
	// error of the session that gathered it (wrapping ErrHostDown, a
	// context error, or the executor's error). Check.Reached tells the
	// first kind from the others.
	Err error
	// Sent is when the gathering command was sent, and Elapsed how long
	// it took to answer: the host ran the command within that window.
	// Where the host counted whole seconds of the session spent before
	// the command started or after it ended (other facts were slow), the
	// window is narrowed by them.
	Sent    time.Time
	Elapsed time.Duration
}

// ParseError reports a fact's output that its parser could not read. Its
// message is the parser's.
type ParseError struct {
	Fact     string
	ExitCode int
	Err      error
}

// Error returns the parser's message, so findings read as before facts.
func (e *ParseError) Error() string { return e.Err.Error() }

// Unwrap returns the parser's error.
func (e *ParseError) Unwrap() error { return e.Err }

// Is matches ErrCommandNotFound when the command exited 127.
func (e *ParseError) Is(target error) bool { return target == ErrCommandNotFound && e.ExitCode == 127 }

// Gather returns fact f on every host, in the order of hosts. Values
// already gathered in this run (declared needs, or an earlier Gather by
// any check) come from the run's cache; the others are gathered now, with
// one command per host at most RunOptions.Parallel at a time, and cached.
// Concurrent calls for the same fact and host share one gathering.
func Gather[T any](ctx context.Context, c *Check, f *Fact[T], hosts []string) []FactResult[T] {
	entries := c.run.facts.get(ctx, c.run, c.CommandTimeout(ctx), f.spec(), hosts)
	out := make([]FactResult[T], len(hosts))
	for i, e := range entries {
		out[i] = typedResult(e, f)
		out[i].Host = hosts[i]
	}
	return out
}

// typedResult parses an entry once and returns it as f's result.
func typedResult[T any](e *factEntry, f *Fact[T]) FactResult[T] {
	r := FactResult[T]{Output: e.out, Err: e.err, Sent: e.sent, Elapsed: e.elapsed}
	if e.err != nil {
		return r
	}
	e.once.Do(func() {
		e.perr = fmt.Errorf("fact %s: parser panicked", f.Name)
		switch {
		case e.provided:
			e.val, e.perr = e.value, nil
		case f.Parse == nil:
			e.perr = fmt.Errorf("fact %s has no parser", f.Name)
		default:
			v, err := f.Parse(e.out)
			e.val, e.perr = v, nil
			if err != nil {
				e.perr = &ParseError{Fact: f.Name, ExitCode: e.out.ExitCode, Err: err}
			}
		}
	})
	if e.perr != nil {
		r.Err = e.perr
		return r
	}
	v, ok := e.val.(T)
	if !ok && e.val != nil {
		r.Err = fmt.Errorf("fact %s: value is a %T, not a %T: two facts share a name", f.Name, e.val, r.Value)
		return r
	}
	r.Value = v
	return r
}

// Reached reports whether a fact's command ran on host, so that its
// output is known: err (a FactResult's Err) is nil or a *ParseError.
// Otherwise it reports a failure for host and returns false: a command
// stopped at its bound is one failure per fact; a host that could not be
// reached is one failure per check however many facts fail with it, as
// HostOK does.
func (c *Check) Reached(host string, err error) bool {
	var pe *ParseError
	if err == nil || errors.As(err, &pe) {
		return true
	}
	if errors.Is(err, ErrFactTimeout) || errors.Is(err, ErrFactLost) {
		c.OnHost(host).Key("fact").Hint("the host answered too slowly or the command was lost: run the debug again, or raise --timeout").
			Failuref("cannot read a fact: %v", err)
		return false
	}
	c.reportUnreachable(host, err)
	return false
}
