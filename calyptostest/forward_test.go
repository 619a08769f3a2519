package calyptostest_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/localexec"
)

// TestForward: a forwarding rule runs what the script does not answer on
// another executor; scripted rules and HostDown still win, and every call
// is recorded.
func TestForward(t *testing.T) {
	e := calyptostest.NewExecutor(t)
	e.OnMatch("", "").Forward(localexec.New(localexec.Options{}))
	e.On("", "uname -m").Stdout("scripted\n")
	e.HostDown("10.0.0.9")
	ctx := t.Context()

	out, err := e.Run(ctx, "10.0.0.1", "printf 'a\\nb'; exit 3")
	require.NoError(t, err)
	assert.Equal(t, calyptos.Output{Stdout: "a\nb", ExitCode: 3}, out)
	out, err = e.Run(ctx, "10.0.0.1", "uname -m")
	require.NoError(t, err)
	assert.Equal(t, "scripted\n", out.Stdout, "an exact rule beats the forwarding pattern")
	_, err = e.Run(ctx, "10.0.0.9", "true")
	assert.ErrorIs(t, err, calyptos.ErrTransport, "HostDown beats the forwarding rule")
	assert.Len(t, e.Calls(), 3)
}

// TestForwardFacts: the commands of a fact batch are forwarded one by
// one, each under its bound on the host.
func TestForwardFacts(t *testing.T) {
	e := calyptostest.NewExecutor(t)
	e.OnMatch("", "").Forward(localexec.New(localexec.Options{}))
	quick := &calyptos.Fact[string]{Name: "quick", Command: "printf x; printf y >&2; exit 2",
		Parse: func(o calyptos.Output) (string, error) { return o.Stdout, nil }}
	slow := &calyptos.Fact[string]{Name: "slow", Command: "sleep 30", Timeout: time.Second,
		Parse: func(o calyptos.Output) (string, error) { return o.Stdout, nil }}
	var q, s calyptos.FactResult[string]
	rep := calyptostest.RunDebugger(t, calyptos.NewRoleBuilder(nil), e, debuggerFunc(func(ctx context.Context, c *calyptos.Check) {
		q = calyptos.Gather(ctx, c, quick, []string{"h"})[0]
		s = calyptos.Gather(ctx, c, slow, []string{"h"})[0]
	}), calyptos.RunOptions{})
	calyptostest.NoFailures(t, rep)
	require.NoError(t, q.Err)
	assert.Equal(t, "x", q.Value)
	assert.Equal(t, calyptos.Output{Stdout: "x", Stderr: "y", ExitCode: 2}, q.Output)
	assert.ErrorIs(t, s.Err, calyptos.ErrFactTimeout)
	assert.Equal(t, 2, e.Sessions("h"), "one session per gathering")
}
