package sshexec_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/sshdtest"
	"github.com/org/calyptos/sshexec"
)

// runEverywhere is a debugger that runs one command on every host and
// keeps the results.
type runEverywhere struct {
	name, cmd string
	mu        sync.Mutex
	results   calyptos.Results
}

func (d *runEverywhere) Name() string { return d.name }
func (d *runEverywhere) Debug(ctx context.Context, c *calyptos.Check) {
	rs := c.RunOnHosts(ctx, d.cmd, c.Roles().All())
	d.mu.Lock()
	d.results = rs
	d.mu.Unlock()
}

// slowBanner forwards connections to srv after delay (a host slow to
// answer, far away or loaded), with a known_hosts file for its address.
func slowBanner(t *testing.T, srv *sshdtest.Server, ip string, delay time.Duration) (addr, known string) {
	addr = forward(t, ip, srv.Addr, delay, func(c, s net.Conn) {
		buf := make([]byte, 32<<10)
		for {
			n, err := s.Read(buf)
			if n > 0 {
				if _, err := c.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	})
	known = filepath.Join(t.TempDir(), "known_hosts")
	require.NoError(t, os.WriteFile(known, []byte(knownhosts.Line([]string{knownhosts.Normalize(addr)}, srv.HostKey)+"\n"), 0o600))
	return addr, known
}

// TestCommandTimeoutExcludesConnect: under the runner, the command
// timeout counts from the start of the command, not of the connection:
// `sleep 1` with a 3.5s command timeout passes on a host whose connection
// takes 3s to set up.
func TestCommandTimeoutExcludesConnect(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.43"}})
	addr, known := slowBanner(t, srv, "127.0.1.43", 3*time.Second)
	opts := baseOptions(srv)
	opts.KnownHostsFiles = []string{known}
	e := newExecutor(t, opts)
	d := &runEverywhere{name: "sleep", cmd: "sleep 1; echo done"}
	rb := calyptos.NewRoleBuilder(map[string][]string{calyptos.RoleAll: {addr}})
	// Connecting (3s) and the command (1s) take longer than the 3.5s
	// command timeout together, the command alone does not.
	_, err := calyptos.RunDebuggers(ctxTimeout(t, time.Minute), rb, e, []calyptos.Debugger{d}, calyptos.RunOptions{CommandTimeout: 3500 * time.Millisecond})
	require.NoError(t, err)
	require.Len(t, d.results, 1)
	require.NoError(t, d.results[0].Err)
	assert.Equal(t, "done\n", d.results[0].Stdout)
}

// TestConnectTimeout: a host whose connection cannot be set up within the
// connect timeout is unreachable (ErrTransport, so the runner marks it
// down and no later check redials it), whatever the command timeout, and
// the message names the limit and its value.
func TestConnectTimeout(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.44"}})
	hung := blackHole(t, "127.0.1.44")
	for _, cmdTimeout := range []time.Duration{300 * time.Millisecond, 5 * time.Second} {
		t.Run(cmdTimeout.String(), func(t *testing.T) {
			opts := baseOptions(srv)
			opts.ConnectTimeout = time.Second
			e := newExecutor(t, opts)
			first := &runEverywhere{name: "first", cmd: "true"}
			second := &runEverywhere{name: "second", cmd: "true"}
			rb := calyptos.NewRoleBuilder(map[string][]string{calyptos.RoleAll: {hung}})
			start := time.Now()
			_, err := calyptos.RunDebuggers(ctxTimeout(t, time.Minute), rb, e, []calyptos.Debugger{first, second},
				calyptos.RunOptions{CommandTimeout: cmdTimeout})
			require.NoError(t, err)
			assert.Less(t, time.Since(start), 10*time.Second, "one connect timeout, not one per check")
			require.Len(t, first.results, 1)
			err = first.results[0].Err
			assert.ErrorIs(t, err, calyptos.ErrTransport)
			assert.ErrorIs(t, err, sshexec.ErrHandshake)
			assert.NotErrorIs(t, err, context.DeadlineExceeded)
			assert.ErrorContains(t, err, "could not connect within 1s (connect timeout)")
			require.Len(t, second.results, 1)
			assert.ErrorIs(t, second.results[0].Err, calyptos.ErrHostDown)
			assert.Equal(t, int64(1), e.Stats().DialErrors, "the host is not redialled")
		})
	}
}

// TestTimeoutMessagesNameTheLimit: a command cut by its deadline says
// which limit ran out and its value.
func TestTimeoutMessagesNameTheLimit(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.45"}})
	e := newExecutor(t, baseOptions(srv))
	d := &runEverywhere{name: "slow", cmd: "sleep 30"}
	rb := calyptos.NewRoleBuilder(map[string][]string{calyptos.RoleAll: {srv.Addr}})
	_, err := calyptos.RunDebuggers(ctxTimeout(t, time.Minute), rb, e, []calyptos.Debugger{d}, calyptos.RunOptions{CommandTimeout: time.Second})
	require.NoError(t, err)
	require.Len(t, d.results, 1)
	assert.ErrorIs(t, d.results[0].Err, context.DeadlineExceeded)
	assert.ErrorContains(t, d.results[0].Err, "run: did not finish within 1s (command timeout)")

	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	_, err = e.Run(ctx, srv.Addr, "sleep 30")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorContains(t, err, "run: did not finish within ")
	assert.ErrorContains(t, err, "ms (deadline of the call)")

	// The caller's deadline passing while the connection is being set up.
	ctx, cancel = context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = e.Run(ctx, blackHole(t, "127.0.1.45"), "true")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorContains(t, err, "dial: no connection within ")
	assert.ErrorContains(t, err, "ms (deadline of the call)")
}
