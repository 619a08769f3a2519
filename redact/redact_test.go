package redact_test

import (
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/org/calyptos/redact"
)

func TestRedactor(t *testing.T) {
	var nilRedactor *redact.Redactor
	assert.Equal(t, "pw hunter22", nilRedactor.Redact("pw hunter22"))
	var zero redact.Redactor
	assert.Equal(t, "pw hunter22", zero.Redact("pw hunter22"))

	r := redact.NewRedactor("", "ab", "hunter2")
	assert.Equal(t, "ab [REDACTED] ab", r.Redact("ab hunter2 ab"), "values under 3 bytes are not redacted")
	r.Add("hunter22", "hunter2")
	assert.Equal(t, "[REDACTED]", r.Redact("hunter22"), "the longest secret is replaced whole")
	assert.Equal(t, "", r.Redact(""))
}

func TestRedactorConcurrentUse(t *testing.T) {
	r := redact.NewRedactor("first-secret")
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

// TestRedactorEncodedForms: a secret shown as a URL carries it
// percent-encoded (http://user:p%40ss@host/), a command line built with
// ShellQuote carries its quotes escaped, JSON output its quotes and
// backslashes escaped, and a multi-line secret (a private key) is shown a
// line at a time. None of these matched the secret as written.
func TestRedactorEncodedForms(t *testing.T) {
	const key = "-----BEGIN KEY-----\nMIIEowIBAAKCAQEAx0123456789abcdef\nQWERTYUIOPasdfghjklzxcvbnm98765\n-----END KEY-----\n"
	const secret = `p@ss w/rd'"\`
	r := redact.NewRedactor(secret, key)
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
	r := redact.NewRedactor(secret, "p%2Fw0rd", "Ünïcode-Pässword")
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
		assert.Equal(t, tt.secret, redact.IsSecretKey(tt.key), "%q", tt.key)
	}
}

// BenchmarkRedact redacts 1 MiB of command output with ten secrets known.
func BenchmarkRedact(b *testing.B) {
	r := redact.NewRedactor()
	for i := range 10 {
		r.Add("secret-value-" + strings.Repeat(string(rune('a'+i)), 8))
	}
	out := strings.Repeat("some ordinary output line of a command, nothing secret\n", 1<<20/56)
	b.SetBytes(int64(len(out)))
	for b.Loop() {
		r.Redact(out)
	}
}
