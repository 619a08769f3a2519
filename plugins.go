package calyptos

import (
	"context"
	"time"
)

// Validator checks the deployment description before anything is deployed.
// Validate reports through c and must return when ctx ends.
type Validator interface {
	Name() string
	Validate(ctx context.Context, c *Check)
}

// Debugger inspects the running deployment through c's executor helpers.
// Debug reports through c and must return when ctx ends.
type Debugger interface {
	Name() string
	Debug(ctx context.Context, c *Check)
}

// TimeoutPlugin is implemented by a Validator or Debugger that needs
// another time limit than RunOptions.CheckTimeout (a debugger that waits
// for sosreport, one that must be quick): a positive Timeout replaces the
// run's limit for that plugin.
type TimeoutPlugin interface {
	Timeout() time.Duration
}

// Reporter receives a run's events as they happen, for streaming output.
// The runner calls it from one goroutine at a time, in order: CheckStarted,
// the check's findings, CheckFinished, then the next check.
type Reporter interface {
	CheckStarted(name string)
	Finding(f Finding)
	CheckFinished(r *CheckResult)
}
