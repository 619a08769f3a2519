package sshexec_test

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/sshdtest"
	"github.com/org/calyptos/sshexec"
)

func TestHostKeyVerification(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.10"}})
	other := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.11"}})
	dir := t.TempDir()
	norm := knownhosts.Normalize(srv.Addr)

	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	hashed := knownhosts.HashHostname(norm)
	tests := []struct {
		name    string
		file    string
		wantErr error
		wantMsg []string
	}{
		{"known", srv.KnownHostsFile, nil, nil},
		{"hashed entry", write("hashed", knownhosts.Line([]string{hashed}, srv.HostKey)+"\n"), nil, nil},
		{"unknown", write("empty", ""), sshexec.ErrHostKeyUnknown,
			[]string{"no known_hosts entry for " + norm, filepath.Join(dir, "empty"), ssh.FingerprintSHA256(srv.HostKey)}},
		{"other host only", other.KnownHostsFile, sshexec.ErrHostKeyUnknown, []string{other.KnownHostsFile}},
		{"missing file", filepath.Join(dir, "nonexistent"), sshexec.ErrHostKeyUnknown, []string{filepath.Join(dir, "nonexistent")}},
		{"changed", write("changed", knownhosts.Line([]string{norm}, other.HostKey)+"\n"), sshexec.ErrHostKeyChanged,
			[]string{"CHANGED", "remove line 1 of " + filepath.Join(dir, "changed"), ssh.FingerprintSHA256(srv.HostKey)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := baseOptions(srv)
			opts.KnownHostsFiles = []string{tt.file}
			e := newExecutor(t, opts)
			out, err := e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, "echo hi")
			if tt.wantErr == nil {
				require.NoError(t, err)
				assert.Equal(t, "hi\n", out.Stdout)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.wantErr)
			assert.ErrorIs(t, err, calyptos.ErrTransport)
			assert.True(t, strings.HasPrefix(err.Error(), "ssh "+srv.Addr+": host key: "), err.Error())
			for _, m := range tt.wantMsg {
				assert.Contains(t, err.Error(), m)
			}
		})
	}
	assert.Equal(t, 2, srv.Handshakes(), "only the two trusted connections log in")
}

func TestInsecureWarnsOnce(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.12", "127.0.1.13"}})
	opts := baseOptions(srv)
	opts.KnownHostsFiles = []string{filepath.Join(t.TempDir(), "empty")}
	opts.InsecureIgnoreHostKey = true
	var warnings []string
	opts.OnInsecure = func(w string) { warnings = append(warnings, w) }
	rec := &recordHandler{}
	opts.Logger = slogger(rec)
	e := newExecutor(t, opts)
	assert.True(t, e.InsecureHostKeys())
	for _, addr := range append(srv.Addrs, srv.Addrs...) {
		out, err := e.Run(ctxTimeout(t, 30*time.Second), addr, "echo hi")
		require.NoError(t, err)
		assert.Equal(t, "hi\n", out.Stdout)
	}
	require.Len(t, warnings, 1)
	assert.Contains(t, warnings[0], "NOT being verified")
	assert.Equal(t, 1, rec.count(slog.LevelWarn))
}

func TestTrustOnFirstUse(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.14", "127.0.1.15"}})
	dir := t.TempDir()
	tofu := filepath.Join(dir, "sub", "known_hosts")

	opts := baseOptions(srv)
	opts.KnownHostsFiles = []string{filepath.Join(dir, "empty")}
	opts.TrustOnFirstUse = tofu
	e := newExecutor(t, opts)
	for range 3 {
		for _, addr := range srv.Addrs {
			_, err := e.Run(ctxTimeout(t, 30*time.Second), addr, "true")
			require.NoError(t, err)
		}
	}
	b, err := os.ReadFile(tofu)
	require.NoError(t, err)
	want := knownhosts.Line([]string{knownhosts.Normalize(srv.Addrs[0])}, srv.HostKey) + "\n" +
		knownhosts.Line([]string{knownhosts.Normalize(srv.Addrs[1])}, srv.HostKey) + "\n"
	assert.Equal(t, want, string(b))

	// The recorded file now verifies the hosts strictly.
	strict := baseOptions(srv)
	strict.KnownHostsFiles = []string{tofu}
	_, err = newExecutor(t, strict).Run(ctxTimeout(t, 30*time.Second), srv.Addrs[1], "true")
	require.NoError(t, err)

	// A host whose key differs from the recorded one is refused even in
	// TOFU mode, and nothing is appended.
	other := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.16"}})
	changed := filepath.Join(dir, "changed")
	require.NoError(t, os.WriteFile(changed, []byte(knownhosts.Line([]string{knownhosts.Normalize(other.Addr)}, srv.HostKey)+"\n"), 0o600))
	opts2 := baseOptions(other)
	opts2.KnownHostsFiles = []string{changed}
	opts2.TrustOnFirstUse = changed
	_, err = newExecutor(t, opts2).Run(ctxTimeout(t, 30*time.Second), other.Addr, "true")
	assert.ErrorIs(t, err, sshexec.ErrHostKeyChanged)
	b, err = os.ReadFile(changed)
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(string(b), "\n"))
}

// A server with several host keys must be asked for the one known_hosts
// has, or the check would fail as "changed".
func TestHostKeyAlgorithmsFollowKnownHosts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ecPriv, ecPub := genKey(t, "ecdsa")
	ecFile := writeKey(t, dir, "ssh_host_ecdsa_key", ecPriv, "")
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.17"}, ExtraConfig: []string{"HostKey " + ecFile}})
	norm := knownhosts.Normalize(srv.Addr)
	for _, key := range []ssh.PublicKey{srv.HostKey, ecPub} {
		t.Run(key.Type(), func(t *testing.T) {
			known := filepath.Join(t.TempDir(), "known_hosts")
			require.NoError(t, os.WriteFile(known, []byte(knownhosts.Line([]string{norm}, key)+"\n"), 0o600))
			opts := baseOptions(srv)
			opts.KnownHostsFiles = []string{known}
			out, err := newExecutor(t, opts).Run(ctxTimeout(t, 30*time.Second), srv.Addr, "echo ok")
			require.NoError(t, err)
			assert.Equal(t, "ok\n", out.Stdout)
		})
	}
}
