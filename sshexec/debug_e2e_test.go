package sshexec_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/debugger"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/internal/sshdtest"
)

// TestDebugLoginShells: calyptos debug works for a tcsh or fish login
// (its gathering script is POSIX sh whatever the login shell), and a
// nologin account is reported as unable to run commands, in the host's
// own words, not as a host that answered too slowly.
func TestDebugLoginShells(t *testing.T) {
	if testing.Short() {
		t.Skip("starts sshd")
	}
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.94", "127.0.1.95"}})
	for _, shell := range []string{"tcsh", "fish", "nologin"} {
		t.Run(shell, func(t *testing.T) {
			a := sshdtest.CreateAccount(t, sshdtest.AccountOptions{Shell: shell})
			rb := eucalyptus.NewRoleBuilder(map[string][]string{
				eucalyptus.RoleCLC:        {srv.Addrs[0]},
				eucalyptus.RoleUserFacing: {srv.Addrs[0]},
				eucalyptus.RoleWalrus:     {srv.Addrs[0]},
			}, eucalyptus.Cluster{Name: "zone-a", CC: []string{srv.Addrs[1]}, SC: []string{srv.Addrs[1]}, Nodes: []string{srv.Addrs[1]}})
			opts := baseOptions(srv)
			opts.User = a.Name
			e := newExecutor(t, opts)
			ds := debugger.Default()
			for _, d := range ds {
				if vn, ok := d.(*debugger.VerifyNetworking); ok {
					vn.ProbeTimeout = 2 * time.Second
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			rep, err := calyptos.RunDebuggers(ctx, rb, e, ds, calyptos.RunOptions{ArtifactsDir: t.TempDir(), CommandTimeout: 30 * time.Second})
			require.NoError(t, err)
			unreachable := 0
			for _, c := range rep.Checks {
				for _, f := range c.Findings {
					assert.NotContains(t, f.Message, "cannot read a fact", "%s: %s", c.Name, f.Message)
					assert.NotContains(t, f.Hint, "too slowly", "%s: %s", c.Name, f.Message)
					if strings.Contains(f.Message, "cannot run commands") {
						unreachable++
						assert.Contains(t, f.Message, "This account is currently not available.", "%s: %s", c.Name, f.Message)
					}
				}
			}
			if shell == "nologin" {
				assert.Positive(t, unreachable, "the account is reported")
			} else {
				assert.Zero(t, unreachable)
			}
		})
	}
}
