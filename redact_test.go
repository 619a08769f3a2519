package calyptos_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
)

func TestRedactor(t *testing.T) {
	var nilRedactor *calyptos.Redactor
	assert.Equal(t, "pw hunter22", nilRedactor.Redact("pw hunter22"))
	var zero calyptos.Redactor
	assert.Equal(t, "pw hunter22", zero.Redact("pw hunter22"))

	r := calyptos.NewRedactor("", "ab", "hunter2")
	assert.Equal(t, "ab [REDACTED] ab", r.Redact("ab hunter2 ab"), "values under 3 bytes are not redacted")
	r.Add("hunter22", "hunter2")
	assert.Equal(t, "[REDACTED]", r.Redact("hunter22"), "the longest secret is replaced whole")
	assert.Equal(t, "", r.Redact(""))
}

func TestRedactorGrowsDuringRun(t *testing.T) {
	r := calyptos.NewRedactor()
	exec := calyptostest.NewExecutor(t)
	exec.On("", "echo").Stdout("typed: s3cr3t-pw")
	rb := calyptos.NewRoleBuilder(map[string][]string{"x": {"h"}})
	rep, err := calyptos.RunDebuggers(context.Background(), rb, exec, []calyptos.Debugger{
		plugin{name: "d", body: func(ctx context.Context, c *calyptos.Check) {
			out, err := c.RunOnHost(ctx, "echo", "h")
			require.NoError(t, err)
			c.Info(out.Stdout)
			r.Add("s3cr3t-pw") // the password is typed at a prompt mid-run
			c.Info(out.Stdout)
		}},
	}, calyptos.RunOptions{Redactor: r, Secrets: []string{"extra-secret"}})
	require.NoError(t, err)
	f := rep.Findings()
	require.Len(t, f, 2)
	assert.Equal(t, "typed: [REDACTED]", f[0].Message, "the report is redacted again at the end of the run")
	assert.Equal(t, "typed: [REDACTED]", f[1].Message)
	assert.Equal(t, "[REDACTED]", r.Redact("extra-secret"), "the run's secrets are added to the caller's Redactor")
}

func TestRedactorConcurrentUse(t *testing.T) {
	r := calyptos.NewRedactor("first-secret")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 200 {
				r.Add("secret-" + string(rune('a'+i)) + string(rune('a'+j%26)))
				assert.Equal(t, "x [REDACTED] x", r.Redact("x first-secret x"))
			}
		})
	}
	wg.Wait()
}
