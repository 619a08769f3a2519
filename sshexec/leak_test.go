package sshexec_test

import (
	"bytes"
	"context"
	"io"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos/internal/sshdtest"
	"github.com/org/calyptos/sshexec"
)

// sshGoroutines counts the goroutines running code of this package, of
// x/crypto/ssh or of pkg/sftp, and returns their stacks.
func sshGoroutines() (int, string) {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	var out strings.Builder
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "calyptos/sshexec.") || strings.Contains(g, "golang.org/x/crypto/ssh") ||
			strings.Contains(g, "github.com/pkg/sftp") {
			if strings.Contains(g, "sshexec_test.TestNoGoroutineLeftAfterClose") {
				continue
			}
			n++
			out.WriteString(g + "\n\n")
		}
	}
	return n, out.String()
}

// TestNoGoroutineLeftAfterClose drives every kind of call (direct and
// through a jump host, commands cut by their deadline, SFTP and cancelled
// fetches, keepalives) and checks that Close leaves no goroutine behind.
// It is not parallel, so that the other tests' goroutines do not count.
func TestNoGoroutineLeftAfterClose(t *testing.T) {
	bastion := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.66"}})
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.67", "127.0.1.68"}})
	require.NoError(t, bastion.AuthorizeKey(srv.ClientSigner.PublicKey()))
	before, _ := sshGoroutines()

	opts := baseOptions(srv)
	opts.KnownHostsFiles = []string{bastion.KnownHostsFile, srv.KnownHostsFile}
	opts.KeepAliveInterval = 100 * time.Millisecond
	opts.Hosts = map[string]sshexec.HostOptions{srv.Addrs[1]: {JumpHost: bastion.Addr}}
	e, err := sshexec.New(opts)
	require.NoError(t, err)
	for _, addr := range srv.Addrs {
		out, err := e.Run(ctxTimeout(t, 30*time.Second), addr, "echo ok")
		require.NoError(t, err)
		assert.Equal(t, "ok\n", out.Stdout)
		var buf bytes.Buffer
		require.NoError(t, e.Fetch(ctxTimeout(t, 30*time.Second), addr, srv.KnownHostsFile, &buf))

		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		_, err = e.Run(ctx, addr, "sleep 30")
		cancel()
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		ctx, cancel = context.WithCancel(context.Background())
		cancel()
		assert.Error(t, e.Fetch(ctx, addr, "/dev/zero", io.Discard))
	}
	// Leave a long command running: Close must end it.
	done := make(chan error, 1)
	go func() { _, err := e.Run(context.Background(), srv.Addrs[1], "sleep 60"); done <- err }()
	time.Sleep(300 * time.Millisecond)
	require.NoError(t, e.Close())
	select {
	case err := <-done:
		assert.Error(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("a command outlived Close")
	}

	// And a connection carried by a proxy command.
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is needed for the /dev/tcp proxy command")
	}
	proxied := baseOptions(srv)
	proxied.ProxyCommand = "bash -c 'exec 3<>/dev/tcp/$0/$1 && { cat <&3 & cat >&3; }' %h %p"
	pe, err := sshexec.New(proxied)
	require.NoError(t, err)
	out, err := pe.Run(ctxTimeout(t, 30*time.Second), srv.Addrs[0], "echo proxied")
	require.NoError(t, err)
	assert.Equal(t, "proxied\n", out.Stdout)
	require.NoError(t, pe.Close())

	var n int
	var stacks string
	assert.True(t, eventually(func() bool {
		n, stacks = sshGoroutines()
		return n <= before
	}), "%d goroutines before, %d left after Close:\n%s", before, n, stacks)
}
