package sshexec

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos/internal/sshdtest"
)

// TestCloseDuringDial: Close landing between the end of a dial and the
// moment its connection is stored must not leave that connection open (and
// in use) after Close returned.
func TestCloseDuringDial(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.65"}})
	e, err := New(Options{
		User: srv.User, IdentityFiles: []string{srv.ClientKeyFile}, KnownHostsFiles: []string{srv.KnownHostsFile},
		DisableSSHConfig: true, DisableAgent: true, ConnectTimeout: 30 * time.Second,
	})
	require.NoError(t, err)
	e.testHookDialed = func() { require.NoError(t, e.Close()) }
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := e.Run(ctx, srv.Addr, "echo ran after Close")
	assert.ErrorIs(t, err, ErrClosed, "output: %q", out.Stdout)

	e.mu.Lock()
	h := e.hosts[srv.Addr]
	e.mu.Unlock()
	require.NotNil(t, h)
	h.mu.Lock()
	leaked := h.cur
	h.mu.Unlock()
	if !assert.Nil(t, leaked, "a connection stored after Close") {
		_ = leaked.close()
	}
}
