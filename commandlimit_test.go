package calyptos_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/org/calyptos/executor"

	"github.com/stretchr/testify/assert"

	"github.com/org/calyptos"
)

// limitProbe is an Executor that records what CommandLimit tells it.
type limitProbe struct {
	ok, okTighter bool
	timeout       time.Duration
	parentLeft    bool // the parent has no deadline of its own
}

func (p *limitProbe) Run(ctx context.Context, host, command string) (calyptos.Output, error) {
	parent, d, ok := executor.CommandLimit(ctx)
	p.ok, p.timeout = ok, d
	if ok {
		_, has := parent.Deadline()
		p.parentLeft = !has
	}
	tighter, cancel := context.WithTimeout(ctx, time.Millisecond)
	defer cancel()
	_, _, p.okTighter = executor.CommandLimit(tighter)
	return calyptos.Output{}, nil
}

func (p *limitProbe) Fetch(context.Context, string, string, io.Writer) error { return nil }

type runOnAll struct{}

func (runOnAll) Name() string { return "probe" }
func (runOnAll) Debug(ctx context.Context, c *calyptos.Check) {
	c.RunOnHosts(ctx, "true", c.Roles().All())
}

// TestCommandLimit: an executor called by the runner learns the command
// timeout apart from the context it was called under, and only for the
// runner's own context.
func TestCommandLimit(t *testing.T) {
	p := &limitProbe{}
	rb := calyptos.NewRoleBuilder(map[string][]string{calyptos.RoleAll: {"10.0.0.1"}})
	_, err := calyptos.RunDebuggers(t.Context(), rb, p, []calyptos.Debugger{runOnAll{}},
		calyptos.RunOptions{CommandTimeout: 7 * time.Second, CheckTimeout: time.Minute})
	assert.NoError(t, err)
	assert.True(t, p.ok)
	assert.Equal(t, 7*time.Second, p.timeout)
	assert.False(t, p.parentLeft, "the parent keeps the check's deadline")
	assert.False(t, p.okTighter, "a context given a deadline of its own since is not the runner's")

	_, _, ok := executor.CommandLimit(t.Context())
	assert.False(t, ok)
}
