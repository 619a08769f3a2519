package calyptos_test

import (
	"context"
	"net/url"
	"strings"
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

// TestSecretsRedactedInEveryField: findings were redacted, but a probe's
// detail and label and an artifact's paths went into the report (and so
// into text, JSON and JUnit output) as the check gave them, and evidence
// was cut to its 4 KiB cap before it was redacted, so that a secret
// straddling the cut kept its first bytes.
func TestSecretsRedactedInEveryField(t *testing.T) {
	const secret = "s3cr3t-pw-0123456789"
	r := calyptos.NewRedactor(secret)
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

// TestRedactorEncodedForms: a secret shown as a URL carries it
// percent-encoded (http://user:p%40ss@host/), a command line built with
// ShellQuote carries its quotes escaped, JSON output its quotes and
// backslashes escaped, and a multi-line secret (a private key) is shown a
// line at a time. None of these matched the secret as written.
func TestRedactorEncodedForms(t *testing.T) {
	const key = "-----BEGIN KEY-----\nMIIEowIBAAKCAQEAx0123456789abcdef\nQWERTYUIOPasdfghjklzxcvbnm98765\n-----END KEY-----\n"
	const secret = `p@ss w/rd'"\`
	r := calyptos.NewRedactor(secret, key)
	tests := []struct{ in, want string }{
		{`plain p@ss w/rd'"\ end`, "plain [REDACTED] end"},
		{(&url.URL{Scheme: "http", User: url.UserPassword("admin", secret), Host: "repo"}).String(), "http://admin:[REDACTED]@repo"},
		{"http://repo/?pw=" + url.QueryEscape(secret), "http://repo/?pw=[REDACTED]"},
		{"http://repo/" + url.PathEscape(secret), "http://repo/[REDACTED]"},
		{"http://repo/p%40ss%20w%2Frd%27%22%5C", "http://repo/[REDACTED]"},
		{`sshpass -p 'p@ss w/rd'\''"\' ssh h`, "sshpass -p '[REDACTED]' ssh h"},
		{`{"password":"p@ss w/rd'\"\\"}`, `{"password":"[REDACTED]"}`},
		{"key line: MIIEowIBAAKCAQEAx0123456789abcdef", "key line: [REDACTED]"},
		{"  QWERTYUIOPasdfghjklzxcvbnm98765\r\n", "  [REDACTED]\r\n"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, r.Redact(tt.in), "%q", tt.in)
	}
	assert.Equal(t, "-----END KEY----- is not secret", r.Redact("-----END KEY----- is not secret"), "lines shorter than 20 bytes are not redacted on their own")
}

// TestRedactorIgnoresCase: a check that lower-cased a value (the OS id
// is) showed a secret in it as it was, in every report format.
func TestRedactorIgnoresCase(t *testing.T) {
	const secret = "Hunter2-Secret"
	r := calyptos.NewRedactor(secret, "p%2Fw0rd", "Ünïcode-Pässword")
	tests := []struct{ in, want string }{
		{"id " + strings.ToLower(secret) + ".", "id [REDACTED]."},
		{"ID " + strings.ToUpper(secret) + ".", "ID [REDACTED]."},
		{"mixed hUNTER2-sECRET", "mixed [REDACTED]"},
		{"url P%2FW0RD", "url [REDACTED]"},
		{"unicode ünïcode-pässword and ÜNÏCODE-PÄSSWORD", "unicode [REDACTED] and [REDACTED]"},
		{"bad utf8 \xff hunter2-secret \xfe", "bad utf8 \xff [REDACTED] \xfe"},
		{"twice hunter2-secretHUNTER2-SECRET", "twice [REDACTED][REDACTED]"},
		{"nothing here", "nothing here"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, r.Redact(tt.in), "%q", tt.in)
	}

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

func TestIsSecretKey(t *testing.T) {
	tests := []struct {
		key    string
		secret bool
	}{
		{"admin-password", true}, {"repo-password", true}, {"zone-a.storage.sanpassword", true},
		{"passphrase", true}, {"secret-key", true}, {"access-key", true}, {"api_key", true},
		{"ssh_key", true}, {"ssh-key", true}, {"sshKey", true}, {"license-key", true},
		{"LICENSE_KEY", true}, {"private-key", true}, {"keys", true}, {"key", true},
		{"auth-token", true}, {"credentials", true}, {"ssh-keys", true},
		{"public-key", false}, {"ssh_public_key", false}, {"publickey", false},
		{"cephkeyringfile", false}, {"license-key-file", false}, {"chapuser", false},
		{"repo-username", false}, {"hostname", false}, {"keyboard", false}, {"", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.secret, calyptos.IsSecretKey(tt.key), "%q", tt.key)
	}
}

// BenchmarkRedact redacts 1 MiB of command output with ten secrets known.
func BenchmarkRedact(b *testing.B) {
	r := calyptos.NewRedactor()
	for i := range 10 {
		r.Add("secret-value-" + strings.Repeat(string(rune('a'+i)), 8))
	}
	out := strings.Repeat("some ordinary output line of a command, nothing secret\n", 1<<20/56)
	b.SetBytes(int64(len(out)))
	for b.Loop() {
		r.Redact(out)
	}
}
