package sshexec

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/org/calyptos/executor"
)

// callLimits splits one Run or Fetch into setting up the connection and
// running the command, so that each is bounded by its own limit and an
// error names the limit that ran out.
type callLimits struct {
	start time.Time
	// setup bounds waiting for a host slot and for the connection (whose
	// dial has a limit of its own, the connect timeout).
	setup context.Context
	// ctx is the call's context; when fresh, the command gets timeout
	// from its start instead (executor.CommandLimit).
	ctx     context.Context
	timeout time.Duration
	fresh   bool
}

func splitCall(ctx context.Context) callLimits {
	if parent, d, ok := executor.CommandLimit(ctx); ok {
		return callLimits{start: time.Now(), setup: parent, ctx: ctx, timeout: d, fresh: true}
	}
	return callLimits{start: time.Now(), setup: ctx, ctx: ctx}
}

// command returns the context the command runs under, from now on.
func (l callLimits) command() (context.Context, context.CancelFunc) {
	if l.fresh {
		return context.WithTimeout(l.setup, l.timeout)
	}
	return l.ctx, func() {}
}

// explain rewrites the error of a call whose context ended at a deadline
// so that it says which limit ran out and its value, instead of a bare
// "context deadline exceeded"; cmd is the command's context, nil when
// the call ended before the connection was up.
func (l callLimits) explain(err error, cmd context.Context) error {
	var se *Error
	if !errors.As(err, &se) || !errors.Is(se.Err, context.DeadlineExceeded) || errors.Is(se.Kind, ErrDial) || errors.Is(se.Kind, ErrHandshake) {
		return err
	}
	what, limit := "did not finish", l.timeout
	if cmd == nil {
		what = "no connection"
	}
	name := "command timeout"
	if !l.fresh || l.setup.Err() != nil {
		// The caller's own deadline (or an enclosing one) ran out.
		name = "deadline of the call"
		dl, _ := l.setup.Deadline()
		if cmd != nil && !l.fresh {
			dl, _ = cmd.Deadline()
		}
		limit = dl.Sub(l.start)
	}
	se.Err = fmt.Errorf("%s within %s (%s): %w", what, roundLimit(limit), name, se.Err)
	return err
}

// roundLimit rounds a limit for messages: "2s", not "1.999981s" (a
// caller's deadline is measured from the start of the call, a little
// after the caller set it).
func roundLimit(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(10 * time.Millisecond)
}
