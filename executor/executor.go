// Package executor is for those who implement a calyptos.Executor: what
// the runner tells an executor call through its context (the command's own
// time limit, a command that bounds itself), and the optional interface an
// executor may add (FactProvider). A plugin author does not need it.
//
// calyptostest.TestExecutor checks an implementation against the contract
// documented on calyptos.Executor.
package executor

import (
	"context"
	"time"
)

type commandLimitKey struct{}

type commandLimit struct {
	parent   context.Context
	timeout  time.Duration
	deadline time.Time // of the call's context
}

// WithCommandLimit returns ctx, whose deadline is parent's bounded by a
// command timeout, marked so that CommandLimit can tell the executor both.
// The runner calls it for every executor call it makes.
func WithCommandLimit(ctx, parent context.Context, timeout time.Duration) context.Context {
	dl, _ := ctx.Deadline()
	return context.WithValue(ctx, commandLimitKey{}, commandLimit{parent, timeout, dl})
}

// CommandLimit is for executors that set up a connection before running a
// command. When ctx is the context the runner gives an executor call, it
// returns the context the call was made under and the command timeout ctx
// adds to it: the executor may wait for its connection under parent, with
// a connection limit of its own, then give the command its whole timeout
// from the moment it starts. ok is false for any other context, and for one
// given a deadline of its own since.
func CommandLimit(ctx context.Context) (parent context.Context, timeout time.Duration, ok bool) {
	l, ok := ctx.Value(commandLimitKey{}).(commandLimit)
	if dl, _ := ctx.Deadline(); !ok || !dl.Equal(l.deadline) {
		return nil, 0, false
	}
	return l.parent, l.timeout, true
}

type selfBoundedKey struct{}

// WithSelfBounded returns ctx marked for an executor's Run: the command
// bounds itself on the host and ends within about d (the fact-gathering and
// probe scripts do). An executor may then run it without its own means of
// ending it remotely when ctx ends (sshexec runs it without its reaper).
// When ctx ends early, the client returns at once while the command runs to
// its own end on the host; a process it left in the background is not
// stopped, and a command stuck in the kernel (a dead NFS mount) may outlive d.
func WithSelfBounded(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, selfBoundedKey{}, d)
}

// SelfBounded reports whether ctx was marked by WithSelfBounded, and the
// bound it was given.
func SelfBounded(ctx context.Context) (time.Duration, bool) {
	d, ok := ctx.Value(selfBoundedKey{}).(time.Duration)
	return d, ok
}

// FactProvider is an optional interface of an Executor that knows the
// value of some facts without running their commands; the runner asks it
// first. calyptostest's fake implements it, so that a test can script a
// fact's parsed value.
type FactProvider interface {
	ProvideFact(host, name string) (value any, ok bool)
}

// HintError is an executor's error that knows what to do about an
// unreachable host better than the runner's default hint (localexec's for
// a host it does not serve): the runner's finding for the host carries
// Hint.
type HintError interface {
	error
	Hint() string
}
