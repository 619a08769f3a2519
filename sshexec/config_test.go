package sshexec_test

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/org/calyptos"
	"github.com/org/calyptos/hostname"
	"github.com/org/calyptos/internal/sshdtest"
	"github.com/org/calyptos/sshexec"
)

func TestJumpHost(t *testing.T) {
	t.Parallel()
	bastion := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.50"}})
	targets := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.51", "127.0.1.52"}})
	require.NoError(t, bastion.AuthorizeKey(targets.ClientSigner.PublicKey()))

	opts := baseOptions(targets)
	opts.KnownHostsFiles = []string{bastion.KnownHostsFile, targets.KnownHostsFile}
	opts.JumpHost = bastion.User + "@" + bastion.Addr
	e := newExecutor(t, opts)
	for range 3 {
		for _, addr := range targets.Addrs {
			out, err := e.Run(ctxTimeout(t, 30*time.Second), addr, "echo $SSH_CONNECTION")
			require.NoError(t, err)
			// sshd sees the connection coming from the bastion's side of
			// loopback and arriving at the target address.
			host, port, _ := strings.Cut(addr, ":")
			assert.True(t, strings.HasSuffix(strings.TrimSpace(out.Stdout), host+" "+port), out.Stdout)
		}
	}
	assert.True(t, eventually(func() bool { return bastion.Handshakes() == 1 && targets.Handshakes() == 2 }))
	assert.Equal(t, 1, bastion.Handshakes(), "one connection to the bastion, shared by both targets")
	assert.Equal(t, 2, targets.Handshakes(), "one connection per target")

	// A host that opts out connects directly; an unreachable bastion is a
	// transport error for the target that names the bastion.
	direct := opts
	direct.Hosts = map[string]sshexec.HostOptions{targets.Addrs[0]: {JumpHost: "none"}}
	_, err := newExecutor(t, direct).Run(ctxTimeout(t, 30*time.Second), targets.Addrs[0], "true")
	require.NoError(t, err)
	assert.Equal(t, 1, bastion.Handshakes())

	down := opts
	down.JumpHost = closedPort(t, "127.0.1.50")
	_, err = newExecutor(t, down).Run(ctxTimeout(t, 30*time.Second), targets.Addrs[0], "true")
	assert.ErrorIs(t, err, sshexec.ErrDial)
	assert.ErrorIs(t, err, calyptos.ErrTransport)
	assert.Contains(t, err.Error(), "via jump host "+down.JumpHost)
}

// TestJumpHostChain crosses two bastions, as ssh -J outer,inner does: the
// inner bastion is reached through the outer one, the targets through
// both, and each hop is one connection however many targets use it.
func TestJumpHostChain(t *testing.T) {
	t.Parallel()
	outer := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.56"}})
	inner := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.57"}})
	targets := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.58", "127.0.1.59"}})
	require.NoError(t, outer.AuthorizeKey(targets.ClientSigner.PublicKey()))
	require.NoError(t, inner.AuthorizeKey(targets.ClientSigner.PublicKey()))

	opts := baseOptions(targets)
	opts.KnownHostsFiles = []string{outer.KnownHostsFile, inner.KnownHostsFile, targets.KnownHostsFile}
	opts.JumpHost = outer.User + "@" + outer.Addr + ",ssh://" + inner.Addr
	e := newExecutor(t, opts)
	for range 2 {
		for _, addr := range targets.Addrs {
			out, err := e.Run(ctxTimeout(t, 30*time.Second), addr, "echo $SSH_CONNECTION")
			require.NoError(t, err)
			host, port, _ := strings.Cut(addr, ":")
			assert.True(t, strings.HasSuffix(strings.TrimSpace(out.Stdout), host+" "+port), out.Stdout)
		}
	}
	assert.True(t, eventually(func() bool {
		return outer.Handshakes() == 1 && inner.Handshakes() == 1 && targets.Handshakes() == 2
	}), "one connection per hop and per target: outer %d, inner %d, targets %d",
		outer.Handshakes(), inner.Handshakes(), targets.Handshakes())
	require.NoError(t, e.Close())

	// An inner hop that does not answer is named in the target's error.
	down := opts
	down.JumpHost = outer.User + "@" + outer.Addr + "," + closedPort(t, "127.0.1.57")
	_, err := newExecutor(t, down).Run(ctxTimeout(t, 30*time.Second), targets.Addrs[0], "true")
	assert.ErrorIs(t, err, sshexec.ErrDial)
	assert.ErrorIs(t, err, calyptos.ErrTransport)
	assert.Contains(t, err.Error(), "via jump host "+down.JumpHost)
}

func TestSSHConfig(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.53"}})
	bastion := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.54"}})
	require.NoError(t, bastion.AuthorizeKey(srv.ClientSigner.PublicKey()))
	dir := t.TempDir()
	known := filepath.Join(dir, "known_hosts")
	require.NoError(t, os.WriteFile(known, []byte(srv.KnownHostsLines()+bastion.KnownHostsLines()), 0o600))
	cfg := filepath.Join(dir, "config")
	require.NoError(t, os.WriteFile(cfg, fmt.Appendf(nil, `
# Generated for TestSSHConfig
Host clc-*
    HostName %[1]s
    Port %[2]d

Host clc-via-bastion
    ProxyJump %[3]s

Host bastion
    HostName %[4]s
    Port %[5]d

Host *
    User %[6]s
    IdentityFile %[7]s
    UserKnownHostsFile %[8]s
    ConnectTimeout 60
`, srv.Host, srv.Port, "bastion", bastion.Host, bastion.Port, srv.User, srv.ClientKeyFile, known), 0o600))

	base := sshexec.Options{SSHConfig: cfg, DisableAgent: true}
	e := newExecutor(t, base)
	out, err := e.Run(ctxTimeout(t, 30*time.Second), "clc-1", "echo via config")
	require.NoError(t, err)
	assert.Equal(t, "via config\n", out.Stdout)
	assert.Equal(t, 0, bastion.Handshakes())

	out, err = e.Run(ctxTimeout(t, 30*time.Second), "clc-via-bastion", "echo jumped")
	require.NoError(t, err)
	assert.Equal(t, "jumped\n", out.Stdout)
	assert.True(t, eventually(func() bool { return bastion.Handshakes() == 1 }), "ProxyJump went through the bastion")

	// Explicit options win over the file: a wrong user is refused.
	explicit := base
	explicit.User = "calyptos-nobody"
	_, err = newExecutor(t, explicit).Run(ctxTimeout(t, 30*time.Second), "clc-1", "true")
	assert.ErrorIs(t, err, sshexec.ErrAuth)

	// An explicit port in the host string wins too.
	_, err = e.Run(ctxTimeout(t, 30*time.Second), "clc-2:"+fmt.Sprint(closedPortNum(t, srv.Host)), "true")
	assert.ErrorIs(t, err, sshexec.ErrDial)

	// Turned off, the file is not read: its known_hosts is not used.
	off := base
	off.DisableSSHConfig = true
	off.User = srv.User
	off.IdentityFiles = []string{srv.ClientKeyFile}
	off.KnownHostsFiles = []string{filepath.Join(dir, "none")}
	_, err = newExecutor(t, off).Run(ctxTimeout(t, 30*time.Second), srv.Addr, "true")
	assert.ErrorIs(t, err, sshexec.ErrHostKeyUnknown)

	// A named file that does not exist is an error from New.
	_, err = sshexec.New(sshexec.Options{SSHConfig: filepath.Join(dir, "missing")})
	assert.ErrorIs(t, err, sshexec.ErrConfig)
}

func closedPortNum(t *testing.T, ip string) int {
	addr := closedPort(t, ip)
	_, port, err := hostname.Split(addr)
	require.NoError(t, err)
	return port
}

// TestProxyCommand reaches an sshd through ssh_config ProxyCommand, as
// people behind SSM or corporate proxies do: the host name does not even
// resolve, only the command knows the way.
func TestProxyCommand(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is needed for the /dev/tcp proxy command")
	}
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.62"}})
	dir := t.TempDir()
	known := filepath.Join(dir, "known_hosts")
	line := knownhosts.Line([]string{knownhosts.Normalize(fmt.Sprintf("target.invalid:%d", srv.Port))}, srv.HostKey)
	require.NoError(t, os.WriteFile(known, []byte(line+"\n"), 0o600))
	cfg := filepath.Join(dir, "config")
	require.NoError(t, os.WriteFile(cfg, fmt.Appendf(nil, `
Host behind-proxy
    HostName target.invalid
    Port %[1]d
    ProxyCommand bash -c 'exec 3<>/dev/tcp/$0/$1 && { cat <&3 & cat >&3; }' %[2]s %%p

Host broken-proxy
    ProxyCommand sh -c 'yes chatter | head -c 10000 >&2; echo "proxy: no route to $0" >&2; exit 7' %%h

Host hung-proxy
    ProxyCommand sleep 60

Host *
    User %[3]s
    IdentityFile %[4]s
    UserKnownHostsFile %[5]s
`, srv.Port, srv.Host, srv.User, srv.ClientKeyFile, known), 0o600))

	// The default handshake timeout: a loaded machine (bash, sshd and the
	// race detector on 2 cores) can take over a second to log in.
	e := newExecutor(t, sshexec.Options{SSHConfig: cfg, DisableAgent: true})
	for range 3 {
		out, err := e.Run(ctxTimeout(t, 30*time.Second), "behind-proxy", "echo through the proxy")
		require.NoError(t, err)
		assert.Equal(t, "through the proxy\n", out.Stdout)
	}
	assert.True(t, eventually(func() bool { return srv.Handshakes() == 1 }), "one proxied connection, reused")

	_, err := e.Run(ctxTimeout(t, 30*time.Second), "broken-proxy", "true")
	assert.ErrorIs(t, err, sshexec.ErrDial)
	assert.ErrorIs(t, err, calyptos.ErrTransport)
	assert.ErrorContains(t, err, "exit status 7: proxy: no route to broken-proxy", "the last line of the proxy's stderr explains the failure, however much came before it")

	hung := newExecutor(t, sshexec.Options{SSHConfig: cfg, DisableAgent: true, HandshakeTimeout: time.Second})
	start := time.Now()
	_, err = hung.Run(ctxTimeout(t, 30*time.Second), "hung-proxy", "true")
	assert.ErrorIs(t, err, sshexec.ErrHandshake)
	assert.Less(t, time.Since(start), 30*time.Second, "a proxy that never answers is cut at the handshake timeout, not after sleep 60")

	// An explicit jump host wins over the file's proxy command.
	jumped := sshexec.Options{SSHConfig: cfg, DisableAgent: true, JumpHost: "none", ProxyCommand: "none"}
	_, err = newExecutor(t, jumped).Run(ctxTimeout(t, 30*time.Second), "behind-proxy", "true")
	assert.ErrorIs(t, err, sshexec.ErrDial, "without the proxy, target.invalid does not resolve")
}

// TestProxyCommandAuthRefused: a server reached through a proxy command that
// refuses the login is an authentication failure (ErrAuth, which a CLI
// answers by asking for the password again), not a dial failure blaming the
// proxy that was only killed because the connection was being closed.
func TestProxyCommandAuthRefused(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.63"}})
	opts := baseOptions(srv)
	opts.User = "calyptos-nobody"
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is needed for the /dev/tcp proxy command")
	}
	opts.ProxyCommand = "bash -c 'exec 3<>/dev/tcp/$0/$1 && { cat <&3 & cat >&3; }' %h %p"
	_, err := newExecutor(t, opts).Run(ctxTimeout(t, 20*time.Second), srv.Addr, "true")
	assert.ErrorIs(t, err, sshexec.ErrAuth)
	assert.NotErrorIs(t, err, sshexec.ErrDial)
	assert.NotContains(t, fmt.Sprint(err), "proxy command")
}

// TestCloseAfterHostsWentDown: connections that already died (their hosts
// went down, directly or behind a jump host) are not Close's failure.
func TestCloseAfterHostsWentDown(t *testing.T) {
	t.Parallel()
	bastion := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.70"}})
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.71", "127.0.1.72"}})
	require.NoError(t, bastion.AuthorizeKey(srv.ClientSigner.PublicKey()))
	opts := baseOptions(srv)
	opts.KnownHostsFiles = []string{bastion.KnownHostsFile, srv.KnownHostsFile}
	opts.Hosts = map[string]sshexec.HostOptions{srv.Addrs[1]: {JumpHost: bastion.Addr}}
	e, err := sshexec.New(opts)
	require.NoError(t, err)
	for _, addr := range srv.Addrs {
		_, err = e.Run(ctxTimeout(t, 30*time.Second), addr, "true")
		require.NoError(t, err)
	}
	bastion.Kill()
	srv.Kill()
	time.Sleep(500 * time.Millisecond) // the connections notice; passing does not depend on it
	assert.NoError(t, e.Close())
}

// slowForward forwards TCP connections on ip to target, each after delay:
// a host whose sshd takes that long to greet (reverse DNS lookups, load).
func slowForward(t *testing.T, ip, target string, delay time.Duration) string {
	t.Helper()
	return forward(t, ip, target, delay, func(c, s net.Conn) { _, _ = io.Copy(c, s) })
}

// forward listens on ip and, delay after accepting each connection, dials
// target and copies the client's bytes to it; serverToClient copies the
// other way, as the link it plays would.
func forward(t *testing.T, ip, target string, delay time.Duration, serverToClient func(c, s net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	require.NoError(t, err)
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				time.Sleep(delay)
				s, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer s.Close()
				go func() { _, _ = io.Copy(s, c); s.Close() }()
				serverToClient(c, s)
			})
		}
	})
	return l.Addr().String()
}

// TestJumpHostSlowHandshake: a bastion that takes longer than DialTimeout
// to complete its SSH handshake (but less than HandshakeTimeout) is
// reached, as a target would be: the target's dial timeout bounds opening
// the connection through the bastion, not the bastion's own handshake.
func TestJumpHostSlowHandshake(t *testing.T) {
	t.Parallel()
	bastion := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.73"}})
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.74"}})
	require.NoError(t, bastion.AuthorizeKey(srv.ClientSigner.PublicKey()))
	slow := slowForward(t, "127.0.1.73", bastion.Addr, 3*time.Second)
	known := filepath.Join(t.TempDir(), "known_hosts")
	require.NoError(t, os.WriteFile(known, []byte(knownhosts.Line([]string{knownhosts.Normalize(slow)}, bastion.HostKey)+"\n"), 0o600))

	opts := baseOptions(srv)
	opts.KnownHostsFiles = []string{known, srv.KnownHostsFile}
	opts.JumpHost = bastion.User + "@" + slow
	opts.DialTimeout = time.Second
	out, err := newExecutor(t, opts).Run(ctxTimeout(t, 40*time.Second), srv.Addr, "echo through a slow bastion")
	require.NoError(t, err)
	assert.Equal(t, "through a slow bastion\n", out.Stdout)
}
