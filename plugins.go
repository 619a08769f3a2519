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

// TimeoutPlugin is a plugin whose positive Timeout replaces
// RunOptions.CheckTimeout for it.
type TimeoutPlugin interface {
	Timeout() time.Duration
}

// Reporter receives a run's events one at a time, in order: CheckStarted,
// the findings, CheckFinished, the next check.
type Reporter interface {
	CheckStarted(name string)
	Finding(f Finding)
	CheckFinished(r *CheckResult)
}
