package sshexec

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/org/calyptos/hostname"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResolve(t *testing.T) {
	home := t.TempDir()
	cfg := filepath.Join(home, "config")
	require.NoError(t, os.WriteFile(cfg, []byte(`
Host web*
    HostName %h.example.test
    User deploy
    Port 2200
    IdentityFile ~/.ssh/web_key
    ProxyJump admin@gw.example.test:2222
    ConnectTimeout 7

Host *
    User fallback
`), 0o600))
	e, err := New(Options{SSHConfig: cfg, DisableAgent: true, Hosts: map[string]HostOptions{
		"db": {User: "postgres", Port: 5022, JumpHost: "none"},
	}})
	require.NoError(t, err)
	e.home, e.osUser = home, "me"
	tests := []struct {
		host     string
		addr     string
		user     string
		jump     string
		identity []string
		timeout  time.Duration
	}{
		{"10.0.0.1", "10.0.0.1:22", "fallback", "", nil, DefaultConnectTimeout},
		{"10.0.0.1:2022", "10.0.0.1:2022", "fallback", "", nil, DefaultConnectTimeout},
		{"2001:db8::1", "[2001:db8::1]:22", "fallback", "", nil, DefaultConnectTimeout},
		{"[2001:db8::1]:2022", "[2001:db8::1]:2022", "fallback", "", nil, DefaultConnectTimeout},
		{"web1", "web1.example.test:2200", "deploy", "admin@gw.example.test:2222", []string{home + "/.ssh/web_key"}, 7 * time.Second},
		{"web1:22", "web1.example.test:22", "deploy", "admin@gw.example.test:2222", []string{home + "/.ssh/web_key"}, 7 * time.Second},
		{"db", "db:5022", "postgres", "", nil, DefaultConnectTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			got, err := e.resolve(tt.host, false)
			require.NoError(t, err)
			assert.Equal(t, tt.addr, got.addr)
			assert.Equal(t, tt.user, got.user)
			assert.Equal(t, tt.jump, got.jump)
			assert.Equal(t, tt.identity, got.identityFiles)
			assert.Equal(t, tt.timeout, got.connectTimeout)
			assert.Equal(t, []string{home + "/.ssh/known_hosts", "/etc/ssh/ssh_known_hosts"}, got.knownHosts)
		})
	}

	j, err := e.resolve("ops@gw.example.test:2222", true)
	require.NoError(t, err)
	assert.Equal(t, "ops", j.user)
	assert.Equal(t, "gw.example.test:2222", j.addr)
	assert.Empty(t, j.jump, "a jump host never jumps")
	j, err = e.resolve("ops@[2001:db8::9]:2222", true)
	require.NoError(t, err)
	assert.Equal(t, "ops", j.user)
	assert.Equal(t, "[2001:db8::9]:2222", j.addr)

	e.opts.User = "explicit"
	got, err := e.resolve("web1", false)
	require.NoError(t, err)
	assert.Equal(t, "explicit", got.user, "Options win over ssh_config")

	for _, bad := range []string{"", "[::1", "a:b:c", "host:0", "host:x"} {
		_, err := e.resolve(bad, false)
		assert.Error(t, err, bad)
	}

	e.opts.JumpHost = "ops@a:2200,ssh://b"
	got, err = e.resolve("10.0.0.1", false)
	require.NoError(t, err)
	assert.Equal(t, "ops@a:2200,ssh://b", got.jump, "a target keeps the whole chain")
	j, err = e.resolve(got.jump, true)
	require.NoError(t, err)
	assert.Equal(t, "b", j.key, "the last hop is the one dialled")
	assert.Equal(t, "b:22", j.addr)
	assert.Equal(t, "ops@a:2200", j.jump, "through the rest of the chain")
	j, err = e.resolve(j.jump, true)
	require.NoError(t, err)
	assert.Equal(t, "ops@a:2200", j.key)
	assert.Equal(t, "ops", j.user)
	assert.Equal(t, "a:2200", j.addr)
	assert.Empty(t, j.jump, "the first hop is dialled directly")

	for _, bad := range []string{"a,,b", "a,", "a:0,b", "ops@,b"} {
		e.opts.JumpHost = bad
		_, err = e.resolve("10.0.0.1", false)
		assert.ErrorContains(t, err, "jump host chain", bad)
		assert.ErrorIs(t, err, hostname.ErrInvalid, bad)
	}
}

func TestPasswordChallenge(t *testing.T) {
	answers, err := passwordChallenge("pw")("", "", []string{"Password: ", "Token (echoed): ", "Again: "}, []bool{false, true, false})
	require.NoError(t, err)
	assert.Equal(t, []string{"pw", "", "pw"}, answers)
}

func TestCapBuffer(t *testing.T) {
	tests := []struct {
		max    int
		writes []string
		want   string
		trunc  bool
	}{
		{10, []string{"abc", "def"}, "abcdef", false},
		{6, []string{"abc", "def"}, "abcdef", false},
		{4, []string{"abc", "def"}, "abcd\n" + fmt.Sprintf(TruncatedMarker, 4, 6) + "\n", true},
		{3, []string{"ab\n", "def", "g"}, "ab\n" + fmt.Sprintf(TruncatedMarker, 3, 7) + "\n", true},
	}
	for _, tt := range tests {
		b := &capBuffer{max: tt.max}
		for _, w := range tt.writes {
			n, err := b.Write([]byte(w))
			require.NoError(t, err)
			require.Equal(t, len(w), n)
		}
		assert.Equal(t, tt.want, b.String())
		assert.Equal(t, tt.trunc, b.Truncated())

		// io.Copy uses ReadFrom: same result, whatever the read sizes.
		rf := &capBuffer{max: tt.max}
		n, err := io.Copy(rf, iotest.OneByteReader(strings.NewReader(strings.Join(tt.writes, ""))))
		require.NoError(t, err)
		assert.Equal(t, int64(len(strings.Join(tt.writes, ""))), n)
		assert.Equal(t, tt.want, rf.String())
		assert.Equal(t, tt.trunc, rf.Truncated())
	}
	big := &capBuffer{max: 1 << 20}
	n, err := io.Copy(big, io.LimitReader(zeroReader{}, 3<<20))
	require.NoError(t, err)
	assert.Equal(t, int64(3<<20), n)
	assert.Len(t, big.buf, 1<<20)
	assert.True(t, big.Truncated())
	_, err = io.Copy(&capBuffer{max: 8}, iotest.ErrReader(errors.New("conn reset")))
	assert.EqualError(t, err, "conn reset")
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestErrorUnwrap(t *testing.T) {
	e := &Error{Host: "h1", Op: "dial", Kind: ErrDial, Err: os.ErrDeadlineExceeded}
	assert.Equal(t, "ssh h1: dial: "+os.ErrDeadlineExceeded.Error(), e.Error())
	assert.True(t, strings.HasPrefix((&Error{Host: "h", Op: "run", Kind: ErrClosed}).Error(), "ssh h: run: executor closed"))
}

func TestResolveKeepAlive(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "config")
	require.NoError(t, os.WriteFile(cfg, []byte("Host chatty\n    ServerAliveInterval 5\n    ServerAliveCountMax 7\n"), 0o600))
	tests := []struct {
		name     string
		opts     Options
		host     string
		interval time.Duration
		count    int
	}{
		{"defaults", Options{}, "other", DefaultKeepAliveInterval, DefaultKeepAliveCountMax},
		{"ssh_config", Options{}, "chatty", 5 * time.Second, 7},
		{"options win", Options{KeepAliveInterval: time.Second, KeepAliveCountMax: 2}, "chatty", time.Second, 2},
		{"disabled", Options{KeepAliveInterval: -1}, "chatty", 0, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.SSHConfig, tt.opts.DisableAgent, tt.opts.User = cfg, true, "u"
			e, err := New(tt.opts)
			require.NoError(t, err)
			got, err := e.resolve(tt.host, false)
			require.NoError(t, err)
			assert.Equal(t, tt.interval, got.keepAlive)
			assert.Equal(t, tt.count, got.keepAliveMax)
		})
	}
}

func TestExpandTilde(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"", "", ""},
		{"/abs/key", "/abs/key", ""},
		{"rel/~/key", "rel/~/key", ""},
		{"~", "/home/me", ""},
		{"~/", "/home/me", ""},
		{"~/.ssh/id_ed25519", "/home/me/.ssh/id_ed25519", ""},
		{"~root/.ssh/id", "/root/.ssh/id", ""},
		{"~calyptos-no-such-user/id", "", "unknown user"},
	}
	for _, tt := range tests {
		got, err := expandTilde(tt.in, "/home/me")
		if tt.err != "" {
			assert.ErrorContains(t, err, tt.err, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
	_, err := expandTilde("~/x", "")
	assert.ErrorContains(t, err, "HOME is not set")
}

// TestProxyCommandRefusesShellNames: a host name from an environment file
// never reaches a ProxyCommand with shell metacharacters in it, whether the
// command comes from Options or ssh_config; without a proxy command the
// same names are only dialled (and fail there).
func TestProxyCommandRefusesShellNames(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	require.NoError(t, os.WriteFile(cfg, []byte("Host *\n    ProxyCommand sh -c \"nc %h %p\"\n"), 0o600))
	bad := []string{"a$(touch x)", "a;b", "a`id`", "a|b", "a'b", "a&b", "a<b", "a>b", "a\nb", "a b", "a\"b", "a\\b", "a(b)", "a{b}", "-oProxyCommand=x"}
	for _, opts := range []Options{
		{ProxyCommand: "nc %h %p", User: "u", DisableSSHConfig: true},
		{SSHConfig: cfg, User: "u"},
	} {
		e, err := New(opts)
		require.NoError(t, err)
		for _, h := range bad {
			tg, err := e.resolve(h, false)
			if err == nil && opts.SSHConfig != "" && strings.Contains(h, "\n") {
				// ssh_config's "Host *" does not match a name with a
				// newline: no proxy command is given it at all.
				assert.Empty(t, tg.proxyCommand)
				continue
			}
			require.Error(t, err, "%q", h)
			assert.Contains(t, err.Error(), "refused because it would be passed to the ProxyCommand", "%q", h)
		}
		for _, h := range []string{"node-1.example.com", "10.0.0.1", "fe80::1%eth0", "[2001:db8::1]:22"} {
			_, err := e.resolve(h, false)
			assert.NoError(t, err, "%q", h)
		}
		_ = e.Close()
	}
	// A user name is checked too.
	e, err := New(Options{ProxyCommand: "nc %h %p", User: "u;id", DisableSSHConfig: true})
	require.NoError(t, err)
	defer e.Close()
	_, err = e.resolve("node", false)
	assert.ErrorContains(t, err, `user name "u;id" contains ';'`)

	// Without a proxy command, the name is not a shell word anywhere.
	e2, err := New(Options{User: "u", DisableSSHConfig: true})
	require.NoError(t, err)
	defer e2.Close()
	_, err = e2.resolve("a;b", false)
	assert.NoError(t, err)
}
