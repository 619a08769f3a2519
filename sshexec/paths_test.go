package sshexec_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos/internal/sshdtest"
	"github.com/org/calyptos/sshexec"
)

// TestTildeInPaths: every path option, and the paths ssh_config gives,
// may start with ~ as for ssh (the README's snippet does).
func TestTildeInPaths(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.42"}})
	home := t.TempDir()
	t.Setenv("HOME", home)
	key, err := os.ReadFile(srv.ClientKeyFile)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(home, ".ssh", "sub"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(home, ".ssh", "sub", "id"), key, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(home, "kh"), []byte(srv.KnownHostsLines()), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(home, "cfg"), fmt.Appendf(nil,
		"Host *\n    User %s\n    IdentityFile ~/.ssh/sub/id\n    UserKnownHostsFile ~/kh\n", srv.User), 0o600))

	tests := []struct {
		name string
		opts sshexec.Options
	}{
		{"options", sshexec.Options{User: srv.User, IdentityFiles: []string{"~/.ssh/sub/id"},
			KnownHostsFiles: []string{"~/kh"}, DisableSSHConfig: true}},
		{"ssh_config path and its paths", sshexec.Options{SSHConfig: "~/cfg"}},
		{"trust on first use file", sshexec.Options{User: srv.User, IdentityFiles: []string{"~/.ssh/sub/id"},
			KnownHostsFiles: []string{"~/none"}, TrustOnFirstUse: "~/tofu", DisableSSHConfig: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.DisableAgent = true
			e := newExecutor(t, tt.opts)
			out, err := e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, "echo ok")
			require.NoError(t, err)
			assert.Equal(t, "ok\n", out.Stdout)
		})
	}
	assert.FileExists(t, filepath.Join(home, "tofu"), "TrustOnFirstUse wrote under HOME")

	_, err = sshexec.New(sshexec.Options{IdentityFiles: []string{"~calyptos-no-such-user/id"}, DisableSSHConfig: true})
	assert.ErrorIs(t, err, sshexec.ErrConfig)
	assert.ErrorContains(t, err, `unknown user "calyptos-no-such-user"`)
}
