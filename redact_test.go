package calyptos_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/redact"
)

func TestRedactorGrowsDuringRun(t *testing.T) {
	r := redact.NewRedactor()
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

// TestSecretsRedactedInEveryField: findings were redacted, but a probe's
// detail and label and an artifact's paths went into the report (and so
// into text, JSON and JUnit output) as the check gave them, and evidence
// was cut to its 4 KiB cap before it was redacted, so that a secret
// straddling the cut kept its first bytes.
func TestSecretsRedactedInEveryField(t *testing.T) {
	const secret = "s3cr3t-pw-0123456789"
	r := redact.NewRedactor(secret)
	dir := t.TempDir()
	exec := calyptostest.NewExecutor(t)
	exec.OnFetch("h", "/tmp/"+secret+"/log").Content("log\n")
	rb := calyptos.NewRoleBuilder(map[string][]string{"x": {"h"}})
	rep, err := calyptos.RunDebuggers(context.Background(), rb, exec, []calyptos.Debugger{
		plugin{name: "d", body: func(ctx context.Context, c *calyptos.Check) {
			c.Report(calyptos.Fail, "cut", strings.Repeat("x", 4096-10)+" "+secret)
			c.RecordProbe(calyptos.Probe{From: "h", To: "g", Port: 22, Proto: "tcp", Label: "as " + secret, Result: calyptos.ProbeError, Detail: "sshpass -p " + secret + ": refused"})
			_, err := c.FetchToDir(ctx, "h", "/tmp/"+secret+"/log", "log-"+secret)
			assert.NoError(t, err)
			c.RecordProbe(calyptos.Probe{From: "h", To: "g", Port: 80, Result: calyptos.ProbeError, Detail: "late-secret-typed"})
			r.Add("late-secret-typed")
		}},
	}, calyptos.RunOptions{Redactor: r, ArtifactsDir: dir})
	require.NoError(t, err)
	res := rep.Check("d")
	require.Len(t, res.Findings, 1)
	ev := res.Findings[0].Evidence
	assert.NotContains(t, ev, secret[:5], "no part of the secret is left at the cut")
	require.Len(t, res.Probes, 2)
	assert.Equal(t, "as [REDACTED]", res.Probes[0].Label)
	assert.Equal(t, "sshpass -p [REDACTED]: refused", res.Probes[0].Detail)
	assert.Equal(t, "[REDACTED]", res.Probes[1].Detail, "secrets learned later are redacted at the end of the run")
	require.Len(t, res.Artifacts, 1)
	assert.Equal(t, "/tmp/[REDACTED]/log", res.Artifacts[0].Remote)
	assert.NotContains(t, res.Artifacts[0].Path, secret)
}

// TestRunRedactsIgnoringCase: a check that lower-cased a value (the OS id
// is) showed a secret in it as it was, in every report format.
func TestRunRedactsIgnoringCase(t *testing.T) {
	const secret = "Hunter2-Secret"
	exec := calyptostest.NewExecutor(t)
	rb := calyptos.NewRoleBuilder(map[string][]string{"x": {"h"}})
	rep, err := calyptos.RunDebuggers(context.Background(), rb, exec, []calyptos.Debugger{
		plugin{name: "d", body: func(ctx context.Context, c *calyptos.Check) {
			c.Report(calyptos.Fail, "os id "+strings.ToLower(secret), "evidence "+strings.ToUpper(secret))
		}},
	}, calyptos.RunOptions{Secrets: []string{secret}})
	require.NoError(t, err)
	f := rep.Findings()
	require.Len(t, f, 1)
	assert.Equal(t, "os id [REDACTED]", f[0].Message)
	assert.Equal(t, "evidence [REDACTED]", f[0].Evidence)
}
