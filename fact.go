package calyptos

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// defaultFactMaxOutput is Fact.MaxOutput's default.
const defaultFactMaxOutput = 256 << 10

// Errors of FactResult.Err, checkable with errors.Is.
var (
	// ErrFactTimeout: the command did not finish within its bound (the
	// session's other facts are not affected).
	ErrFactTimeout = errors.New("command did not finish in time on the host")
	// ErrFactLost: the session's output holds no complete result for the
	// fact (it ended early, or was cut).
	ErrFactLost = errors.New("no result for the fact in the gathering output")
	// ErrCommandNotFound matches a *ParseError of a command that exited
	// 127 (not found).
	ErrCommandNotFound = errors.New("command not found")
)

// Fact is a named, typed piece of host state: the shell command that
// prints it (with its own fallbacks for older hosts) and the parser of its
// output. Read it with Gather. A run gathers each fact at most once per
// host, so Facts of one Name must be the same fact: put parameters (paths,
// service names) in the Name.
type Fact[T any] struct {
	// Name identifies the fact in a run ("listeners", "services:ntpd,chronyd").
	Name string
	// Command prints the fact: a POSIX sh command, stdin /dev/null, run in
	// a shell the host's facts share (cwd, PATH, IFS, umask, options and
	// traps are reset before it; exit ends only it). It must leave no
	// function or exported variable, and use no name starting gather_.
	Command string
	// Parse reads the command's output, whatever its exit code. It must
	// not panic on any input (fuzz it).
	Parse func(Output) (T, error)
	// Timeout bounds the command on the host, in whole seconds, plus up to
	// one (default: the run's command deadline, less a margin). Facts run
	// in turn; one still running after a second goes on beside the next.
	Timeout time.Duration
	// MaxOutput caps stdout and stderr on the host (default 256 KiB; cut
	// output sets Output.Truncated): the command's ulimit -f, so a write
	// past it fails (EFBIG), files included.
	MaxOutput int
	// Family, when set, makes the fact a member of a family: Command,
	// Timeout and MaxOutput are unused, and Parse reads the Outputs of
	// Keys joined in their order.
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

// FactNeeder is a debugger that declares the facts it reads. Before the
// first debugger runs, the runner gathers the needs of every selected
// debugger with one command per host; Gather then reads the cache.
type FactNeeder interface {
	Needs(rb *RoleBuilder) []Need
}

// FactResult is one host's value of a fact.
type FactResult[T any] struct {
	Host string
	// Value is the parsed fact, valid when Err is nil.
	Value T
	// Output is what the command printed (evidence, or a failed parse's
	// input).
	Output Output
	// Err is nil when Value is usable; else a *ParseError (the command
	// ran), ErrFactTimeout, ErrFactLost, or the session's transport error
	// (ErrHostDown, a context's, the executor's): see Check.Reached.
	Err error
	// The host ran the command between Sent and Sent+Elapsed (narrowed by
	// the whole seconds other facts of the session took).
	Sent    time.Time
	Elapsed time.Duration
}

// ParseError is a fact's output that its parser could not read.
type ParseError struct {
	Fact     string
	ExitCode int
	Err      error
}

// Error returns the parser's message.
func (e *ParseError) Error() string { return e.Err.Error() }

// Unwrap returns the parser's error.
func (e *ParseError) Unwrap() error { return e.Err }

// Is matches ErrCommandNotFound when the command exited 127.
func (e *ParseError) Is(target error) bool { return target == ErrCommandNotFound && e.ExitCode == 127 }

// Gather returns fact f on every host, in the order of hosts: from the
// run's cache, or gathered now (one command per host, RunOptions.Parallel
// at a time) and cached. Concurrent calls share one gathering.
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

// Reached reports whether a fact's command ran on host: err (a
// FactResult's Err) is nil or a *ParseError. Otherwise it reports a
// failure: one per fact for a timeout, one per check for an unreachable
// host.
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
