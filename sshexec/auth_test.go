package sshexec_test

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/sshdtest"
	"github.com/org/calyptos/sshexec"
)

// encryptedKey is a passphrase-protected ed25519 key in testdata, made with
// ssh-keygen -a 1 so that tests do not spend seconds in bcrypt.
const (
	encryptedKey           = "testdata/id_ed25519_encrypted"
	encryptedKeyPassphrase = "test-only-passphrase"
)

func encryptedKeyPublic(t *testing.T) ssh.PublicKey {
	t.Helper()
	b, err := os.ReadFile(encryptedKey)
	require.NoError(t, err)
	s, err := ssh.ParsePrivateKeyWithPassphrase(b, []byte(encryptedKeyPassphrase))
	require.NoError(t, err)
	return s.PublicKey()
}

func TestKeyAuth(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.1"}})
	dir := t.TempDir()
	tests := []struct {
		name string
		file func(t *testing.T) (string, ssh.PublicKey)
		pass string
	}{
		{"ed25519", genFile(dir, "ed25519"), ""},
		{"ecdsa", genFile(dir, "ecdsa"), ""},
		{"rsa", genFile(dir, "rsa"), ""},
		{"ed25519 encrypted", func(t *testing.T) (string, ssh.PublicKey) {
			return encryptedKey, encryptedKeyPublic(t)
		}, encryptedKeyPassphrase},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file, pub := tt.file(t)
			require.NoError(t, srv.AuthorizeKey(pub))
			asked := 0
			opts := baseOptions(srv)
			opts.IdentityFiles = []string{file}
			opts.Passphrase = func(f string) ([]byte, error) {
				asked++
				assert.Equal(t, file, f)
				return []byte(tt.pass), nil
			}
			rec := &recordHandler{}
			opts.Logger = slogger(rec)
			e := newExecutor(t, opts)
			before := srv.Handshakes()
			out, err := e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, "echo ok")
			require.NoError(t, err)
			assert.Equal(t, "ok\n", out.Stdout)
			assert.Equal(t, map[bool]int{true: 1, false: 0}[tt.pass != ""], asked)
			// The sshd log names the key that was accepted.
			fp := ssh.FingerprintSHA256(pub)
			assert.True(t, eventually(func() bool { return strings.Contains(srv.Log(), fp) }), "sshd did not log %s", fp)
			assert.True(t, eventually(func() bool { return srv.Handshakes() == before+1 }))
			if tt.pass != "" {
				assert.NotContains(t, rec.all(), tt.pass)
			}
		})
	}
}

func genFile(dir, kind string) func(t *testing.T) (string, ssh.PublicKey) {
	return func(t *testing.T) (string, ssh.PublicKey) {
		priv, pub := genKey(t, kind)
		return writeKey(t, dir, "id_"+kind, priv, ""), pub
	}
}

func TestEncryptedKeyErrors(t *testing.T) {
	t.Parallel()
	_, err := sshexec.New(sshexec.Options{IdentityFiles: []string{encryptedKey}, DisableSSHConfig: true})
	require.ErrorIs(t, err, sshexec.ErrConfig)
	assert.Contains(t, err.Error(), "no Passphrase callback")

	_, err = sshexec.New(sshexec.Options{IdentityFiles: []string{encryptedKey}, DisableSSHConfig: true,
		Passphrase: func(string) ([]byte, error) { return []byte("wrong-passphrase"), nil }})
	require.ErrorIs(t, err, sshexec.ErrConfig)
	assert.Contains(t, err.Error(), encryptedKey)
	assert.Contains(t, err.Error(), "cannot decrypt")
	assert.NotContains(t, err.Error(), "wrong-passphrase")

	_, err = sshexec.New(sshexec.Options{IdentityFiles: []string{encryptedKey}, DisableSSHConfig: true,
		Passphrase: func(string) ([]byte, error) { return nil, errors.New("prompt cancelled") }})
	require.ErrorIs(t, err, sshexec.ErrConfig)
	assert.Contains(t, err.Error(), "prompt cancelled")

	_, err = sshexec.New(sshexec.Options{IdentityFiles: []string{filepath.Join(t.TempDir(), "missing")}, DisableSSHConfig: true})
	require.ErrorIs(t, err, sshexec.ErrConfig)

	notKey := filepath.Join(t.TempDir(), "not-a-key")
	require.NoError(t, os.WriteFile(notKey, []byte("hello"), 0o600))
	_, err = sshexec.New(sshexec.Options{IdentityFiles: []string{notKey}, DisableSSHConfig: true})
	require.ErrorIs(t, err, sshexec.ErrConfig)
}

func TestAgentAuth(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.2"}})
	priv, pub := genKey(t, "ed25519")
	require.NoError(t, srv.AuthorizeKey(pub))
	keyring := agent.NewKeyring()
	require.NoError(t, keyring.Add(agent.AddedKey{PrivateKey: priv}))
	sock := filepath.Join(t.TempDir(), "agent.sock")
	l, err := net.Listen("unix", sock)
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = agent.ServeAgent(keyring, c)
			}()
		}
	}()

	opts := baseOptions(srv)
	opts.IdentityFiles = nil
	opts.DisableAgent = false
	opts.AgentSocket = sock
	e := newExecutor(t, opts)
	out, err := e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, "echo agent")
	require.NoError(t, err)
	assert.Equal(t, "agent\n", out.Stdout)
	fp := ssh.FingerprintSHA256(pub)
	assert.True(t, eventually(func() bool {
		return strings.Contains(srv.Log(), "Accepted publickey") && strings.Contains(srv.Log(), fp)
	}), "sshd did not accept the agent key %s", fp)
}

func TestPasswordAuth(t *testing.T) {
	t.Parallel()
	name, password := sshdtest.CreateUser(t)
	tests := []struct {
		name     string
		server   sshdtest.Options
		accepted string
	}{
		{"password", sshdtest.Options{Addrs: []string{"127.0.1.3"}, Password: true}, "Accepted password for " + name},
		{"keyboard-interactive", sshdtest.Options{Addrs: []string{"127.0.1.3"}, KeyboardInteractive: true},
			"Accepted keyboard-interactive/pam for " + name},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := sshdtest.Start(t, tt.server)
			opts := baseOptions(srv)
			opts.IdentityFiles = nil
			opts.User = name
			opts.Password = password
			rec := &recordHandler{}
			opts.Logger = slogger(rec)
			e := newExecutor(t, opts)
			out, err := e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, "id -un")
			require.NoError(t, err)
			assert.Equal(t, name+"\n", out.Stdout)
			assert.True(t, eventually(func() bool { return strings.Contains(srv.Log(), tt.accepted) }), "sshd log lacks %q", tt.accepted)

			wrong := opts
			wrong.Password = password + "-wrong"
			e2 := newExecutor(t, wrong)
			_, err = e2.Run(ctxTimeout(t, 30*time.Second), srv.Addr, "id -un")
			require.Error(t, err)
			assert.ErrorIs(t, err, sshexec.ErrAuth)
			assert.ErrorIs(t, err, calyptos.ErrTransport)
			assert.Contains(t, err.Error(), srv.Addr)
			assert.NotContains(t, err.Error(), password)
			assert.NotContains(t, rec.all(), password)
		})
	}
}

func TestWrongKeyRefused(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.4"}})
	priv, _ := genKey(t, "ed25519") // never authorized
	opts := baseOptions(srv)
	opts.IdentityFiles = []string{writeKey(t, t.TempDir(), "id_other", priv, "")}
	e := newExecutor(t, opts)
	_, err := e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, "true")
	require.Error(t, err)
	assert.ErrorIs(t, err, sshexec.ErrAuth)
	assert.ErrorIs(t, err, calyptos.ErrTransport)
	var se *sshexec.Error
	require.True(t, errors.As(err, &se))
	assert.Equal(t, srv.Addr, se.Host)
	assert.Equal(t, "auth", se.Op)
	assert.Contains(t, err.Error(), `refused user "`+srv.User+`"`)
	assert.Equal(t, 0, srv.Handshakes())
}

func TestNoAuthMethod(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.4"}})
	opts := baseOptions(srv)
	opts.IdentityFiles = nil
	t.Setenv("HOME", t.TempDir()) // no default keys
	e := newExecutor(t, opts)
	_, err := e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, "true")
	assert.ErrorIs(t, err, sshexec.ErrAuth)
	assert.ErrorIs(t, err, calyptos.ErrTransport)
}

// TestHostOptionsPerHostSettings: an inventory's per-host settings reach
// the connection: the host named "web01" is dialled at its address, as its
// own user, with its own key (tried before Options.IdentityFiles), and the
// run still names it web01.
func TestHostOptionsPerHostSettings(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.5"}})
	priv, _ := genKey(t, "ed25519") // never authorized
	opts := baseOptions(srv)
	opts.IdentityFiles = []string{writeKey(t, t.TempDir(), "id_other", priv, "")}
	opts.User = "nobody-by-default"
	host, port, err := net.SplitHostPort(srv.Addr)
	require.NoError(t, err)
	p, err := strconv.Atoi(port)
	require.NoError(t, err)
	opts.Hosts = map[string]sshexec.HostOptions{"web01": {HostName: host, Port: p, User: srv.User, IdentityFiles: []string{srv.ClientKeyFile}}}
	e := newExecutor(t, opts)
	out, err := e.Run(ctxTimeout(t, 30*time.Second), "web01", "id -un")
	require.NoError(t, err)
	assert.Equal(t, srv.User+"\n", out.Stdout)
	_, err = e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, "true")
	assert.ErrorIs(t, err, sshexec.ErrAuth, "other hosts keep the defaults")
}
