package sshdtest_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/org/calyptos/internal/sshdtest"
)

func dial(t *testing.T, srv *sshdtest.Server, addr, user string, auth ssh.AuthMethod) (*ssh.Client, error) {
	t.Helper()
	cb, err := knownhosts.New(srv.KnownHostsFile)
	require.NoError(t, err)
	return ssh.Dial("tcp", addr, &ssh.ClientConfig{
		User:            user,
		Auth:            []ssh.AuthMethod{auth},
		HostKeyCallback: cb,
		Timeout:         5 * time.Second,
	})
}

func TestStartRunAndCount(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.0.2", "127.0.0.3"}})
	require.Len(t, srv.Addrs, 2)
	assert.Equal(t, srv.Addrs[0], srv.Addr)
	assert.True(t, strings.HasPrefix(srv.Addr, "127.0.0.2:"))
	assert.Equal(t, 0, srv.Handshakes())

	for _, addr := range srv.Addrs {
		c, err := dial(t, srv, addr, srv.User, ssh.PublicKeys(srv.ClientSigner))
		require.NoError(t, err, addr)
		sess, err := c.NewSession()
		require.NoError(t, err)
		out, err := sess.Output("echo hello")
		require.NoError(t, err)
		assert.Equal(t, "hello\n", string(out))
		require.NoError(t, c.Close())
	}
	require.Eventually(t, func() bool { return srv.Handshakes() == 2 }, 5*time.Second, 20*time.Millisecond)
}

func TestWrongKeyRefused(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.0.4"}})
	other := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.0.4"}})
	_, err := dial(t, srv, srv.Addr, srv.User, ssh.PublicKeys(other.ClientSigner))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unable to authenticate")
	assert.Equal(t, 0, srv.Handshakes())
}

func TestKillDropsConnections(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.0.5"}})
	c, err := dial(t, srv, srv.Addr, srv.User, ssh.PublicKeys(srv.ClientSigner))
	require.NoError(t, err)
	defer c.Close()
	waited := make(chan error, 1)
	go func() { waited <- c.Wait() }()
	srv.Kill()
	select {
	case <-waited:
	case <-time.After(5 * time.Second):
		t.Fatal("connection still open 5s after Kill")
	}
	_, err = net.DialTimeout("tcp", srv.Addr, time.Second)
	assert.Error(t, err, "port still open after Kill")
}

func TestPasswordUser(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.0.6"}, Password: true})
	name, pw := sshdtest.CreateUser(t)
	c, err := dial(t, srv, srv.Addr, name, ssh.Password(pw))
	require.NoError(t, err)
	defer c.Close()
	_, err = dial(t, srv, srv.Addr, name, ssh.Password(pw+"x"))
	assert.Error(t, err)
	require.Eventually(t, func() bool { return srv.Handshakes() == 1 }, 5*time.Second, 20*time.Millisecond)
}

func TestNoSFTP(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.0.7"}, NoSFTP: true})
	c, err := dial(t, srv, srv.Addr, srv.User, ssh.PublicKeys(srv.ClientSigner))
	require.NoError(t, err)
	defer c.Close()
	sess, err := c.NewSession()
	require.NoError(t, err)
	defer sess.Close()
	assert.Error(t, sess.RequestSubsystem("sftp"))
}

func TestRejectsNonLoopback(t *testing.T) {
	sshdtest.SkipIfUnavailable(t)
	for _, a := range []string{"192.0.2.1", "0.0.0.0", "::1", "localhost"} {
		_, err := sshdtest.StartProcess(sshdtest.Options{Addrs: []string{a}})
		assert.ErrorIs(t, err, sshdtest.ErrNotLoopback, a)
	}
}

func TestSameHostKeyRestart(t *testing.T) {
	a := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.0.8"}})
	b := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.0.8"}, HostKey: a.HostPrivateKey})
	assert.Equal(t, a.HostKey.Marshal(), b.HostKey.Marshal())
}

func TestFreezeThaw(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.0.10"}})
	c, err := dial(t, srv, srv.Addr, srv.User, ssh.PublicKeys(srv.ClientSigner))
	require.NoError(t, err)
	defer c.Close()
	srv.Freeze()
	opened := make(chan error, 1)
	go func() {
		s, err := c.NewSession()
		if err == nil {
			s.Close()
		}
		opened <- err
	}()
	select {
	case err := <-opened:
		t.Fatalf("session opened on a frozen server: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	srv.Thaw()
	select {
	case err := <-opened:
		assert.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("no session 5s after Thaw")
	}
}

func TestKeyboardInteractive(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.0.11"}, KeyboardInteractive: true})
	name, pw := sshdtest.CreateUser(t)
	var prompts []string
	c, err := dial(t, srv, srv.Addr, name, ssh.KeyboardInteractive(func(_, _ string, qs []string, echos []bool) ([]string, error) {
		prompts = append(prompts, qs...)
		ans := make([]string, len(qs))
		for i := range qs {
			ans[i] = pw
		}
		return ans, nil
	}))
	require.NoError(t, err)
	defer c.Close()
	assert.NotEmpty(t, prompts)
	s, err := c.NewSession()
	require.NoError(t, err)
	out, err := s.Output("id -un")
	require.NoError(t, err)
	assert.Equal(t, name+"\n", string(out))
	require.Eventually(t, func() bool { return srv.Handshakes() == 1 }, 5*time.Second, 20*time.Millisecond)
}

// An account's login shell and rc files are used as on a real host, by
// every server of the package; the server's own account keeps bash's rc
// file out (SHLVL=1).
func TestCreateAccount(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.0.12"}})
	tests := []struct {
		shell, rc, command, want string
	}{
		{"bash", ".bashrc", `echo "$0"; cat ~/rc.count`, "bash\nrc\n"},
		{"tcsh", ".tcshrc", `echo "$0"; cat ~/rc.count`, "tcsh\nrc\n"},
		{"fish", ".config/fish/config.fish", `set -q FISH_VERSION; and echo fish; cat ~/rc.count`, "fish\nrc\n"},
		{"zsh", ".zshenv", `echo "$0"; cat ~/rc.count`, "zsh\nrc\n"},
		{"busybox", ".profile", `echo "$0"; cat ~/rc.count 2>/dev/null || echo no rc`, "ash\nno rc\n"},
		{"nologin", "", `echo never`, "This account is currently not available.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.shell, func(t *testing.T) {
			files := map[string]string{}
			if tt.rc != "" {
				files[tt.rc] = "echo rc >>~/rc.count\n"
			}
			a := sshdtest.CreateAccount(t, sshdtest.AccountOptions{Shell: tt.shell, Files: files})
			c, err := dial(t, srv, srv.Addr, a.Name, ssh.PublicKeys(srv.ClientSigner))
			require.NoError(t, err)
			defer c.Close()
			s, err := c.NewSession()
			require.NoError(t, err)
			out, _ := s.Output(tt.command) // nologin exits 1
			assert.Equal(t, tt.want, string(out))
		})
	}
	c, err := dial(t, srv, srv.Addr, srv.User, ssh.PublicKeys(srv.ClientSigner))
	require.NoError(t, err)
	defer c.Close()
	s, err := c.NewSession()
	require.NoError(t, err)
	out, err := s.Output("echo $SHLVL")
	require.NoError(t, err)
	assert.NotEqual(t, "1\n", string(out), "the server's own account starts at SHLVL=1, so a bash login is at 2")
}
