package sshexec_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos/internal/sshdtest"
	"github.com/org/calyptos/sshexec"
)

// prompter is a PasswordPrompt that answers in turn and records its calls.
type prompter struct {
	mu      sync.Mutex
	answers []string
	calls   []string // "user host attempt"
	delay   time.Duration
	block   bool // wait for ctx to end
	err     error
}

func (p *prompter) prompt(ctx context.Context, user, host string, attempt int) (string, error) {
	p.mu.Lock()
	p.calls = append(p.calls, fmt.Sprintf("%s %s %d", user, host, attempt))
	answer := ""
	if len(p.answers) > 0 {
		answer, p.answers = p.answers[0], p.answers[1:]
	}
	p.mu.Unlock()
	if p.block {
		<-ctx.Done()
		return "", ctx.Err()
	}
	time.Sleep(p.delay)
	return answer, p.err
}

func (p *prompter) called() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.calls...)
}

// passwordServer starts an sshd taking passwords on addrs, and returns it
// with options that log in as a fresh account with no key.
func passwordServer(t *testing.T, addrs ...string) (*sshdtest.Server, sshexec.Options, string) {
	t.Helper()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: addrs, Password: true})
	user, password := sshdtest.CreateUser(t)
	t.Setenv("HOME", t.TempDir()) // no default keys
	opts := baseOptions(srv)
	opts.IdentityFiles = nil
	opts.User = user
	return srv, opts, password
}

// TestPasswordPrompt: the prompt is asked when a host refuses the keys,
// again after a refused answer (attempt 2), and never again once a host
// accepted one: the other hosts log in with it.
func TestPasswordPrompt(t *testing.T) {
	srv, opts, password := passwordServer(t, "127.0.2.1", "127.0.2.2", "127.0.2.3")
	p := &prompter{answers: []string{"wrnog", password}}
	opts.PasswordPrompt = p.prompt
	rec := &recordHandler{}
	opts.Logger = slogger(rec)
	e := newExecutor(t, opts)
	out, err := e.Run(ctxTimeout(t, 60*time.Second), srv.Addrs[0], "id -un")
	require.NoError(t, err)
	assert.Equal(t, opts.User+"\n", out.Stdout)
	assert.Equal(t, []string{opts.User + " " + srv.Addrs[0] + " 1", opts.User + " " + srv.Addrs[0] + " 2"}, p.called())

	var wg sync.WaitGroup
	for _, h := range srv.Addrs[1:] {
		wg.Go(func() {
			_, err := e.Run(ctxTimeout(t, 60*time.Second), h, "true")
			assert.NoError(t, err, h)
		})
	}
	wg.Wait()
	assert.Len(t, p.called(), 2, "the accepted password is reused")
	assert.NotContains(t, rec.all(), password)
}

// TestPasswordPromptAskedOnceForHostsAtOnce: hosts that refuse the keys at
// the same time share one prompt.
func TestPasswordPromptAskedOnceForHostsAtOnce(t *testing.T) {
	srv, opts, password := passwordServer(t, "127.0.2.4", "127.0.2.5", "127.0.2.6", "127.0.2.7")
	p := &prompter{answers: []string{password}, delay: 300 * time.Millisecond}
	opts.PasswordPrompt = p.prompt
	e := newExecutor(t, opts)
	var wg sync.WaitGroup
	for _, h := range srv.Addrs {
		wg.Go(func() {
			_, err := e.Run(ctxTimeout(t, 60*time.Second), h, "true")
			assert.NoError(t, err, h)
		})
	}
	wg.Wait()
	assert.Len(t, p.called(), 1)
}

// TestPasswordPromptThreeAttempts: after three refused answers no host
// asks again; every host fails with ErrAuth saying so.
func TestPasswordPromptThreeAttempts(t *testing.T) {
	srv, opts, _ := passwordServer(t, "127.0.2.8", "127.0.2.9")
	p := &prompter{answers: []string{"a", "b", "c", "d"}}
	opts.PasswordPrompt = p.prompt
	e := newExecutor(t, opts)
	for _, h := range srv.Addrs {
		_, err := e.Run(ctxTimeout(t, 60*time.Second), h, "true")
		require.ErrorIs(t, err, sshexec.ErrAuth)
		assert.Contains(t, err.Error(), "no host accepted the password in 3 attempts")
	}
	assert.Len(t, p.called(), sshexec.MaxPasswordAttempts)
}

// TestPasswordPromptNotBoundByTheHandshakeTimeout: a person typing longer
// than the handshake timeout still logs in: the prompt comes between
// handshakes. (It fails with the prompt inside the handshake.)
func TestPasswordPromptNotBoundByTheHandshakeTimeout(t *testing.T) {
	srv, opts, password := passwordServer(t, "127.0.2.10")
	// Long enough for a handshake on a loaded machine under -race, shorter
	// than the person types.
	opts.HandshakeTimeout = 4 * time.Second
	p := &prompter{answers: []string{password}, delay: 6 * time.Second}
	opts.PasswordPrompt = p.prompt
	e := newExecutor(t, opts)
	_, err := e.Run(ctxTimeout(t, 60*time.Second), srv.Addr, "true")
	require.NoError(t, err)
}

// TestPasswordPromptError: a prompt that cannot ask (no terminal) is
// called once; every host that needs a password fails with ErrAuth
// wrapping its error.
func TestPasswordPromptError(t *testing.T) {
	srv, opts, _ := passwordServer(t, "127.0.2.11", "127.0.2.12")
	errNoTTY := errors.New("not a terminal")
	p := &prompter{err: errNoTTY}
	opts.PasswordPrompt = p.prompt
	e := newExecutor(t, opts)
	for _, h := range srv.Addrs {
		_, err := e.Run(ctxTimeout(t, 60*time.Second), h, "true")
		require.ErrorIs(t, err, sshexec.ErrAuth)
		assert.ErrorIs(t, err, errNoTTY)
		assert.Contains(t, err.Error(), `refused user "`+opts.User+`" (tried none); not a terminal`)
	}
	assert.Len(t, p.called(), 1)
}

// TestPasswordPromptEndsWithClose: Close ends a prompt waiting for a
// person; the call that needed it fails.
func TestPasswordPromptEndsWithClose(t *testing.T) {
	srv, opts, _ := passwordServer(t, "127.0.2.13")
	p := &prompter{block: true}
	opts.PasswordPrompt = p.prompt
	e, err := sshexec.New(opts)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		_, err := e.Run(ctxTimeout(t, 60*time.Second), srv.Addr, "true")
		done <- err
	}()
	require.Eventually(t, func() bool { return len(p.called()) == 1 }, 30*time.Second, 10*time.Millisecond)
	require.NoError(t, e.Close())
	select {
	case err := <-done:
		require.Error(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the prompt outlived Close")
	}
}

// TestPasswordPromptNotForAnUnreachableHost: with no key at all and the
// port closed, the host is unreachable (ErrDial), not a host that needs a
// password.
func TestPasswordPromptNotForAnUnreachableHost(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.2.14:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	t.Setenv("HOME", t.TempDir())
	p := &prompter{answers: []string{"x"}}
	e := newExecutor(t, sshexec.Options{DisableSSHConfig: true, DisableAgent: true, PasswordPrompt: p.prompt})
	_, err = e.Run(ctxTimeout(t, 30*time.Second), addr, "true")
	require.ErrorIs(t, err, sshexec.ErrDial)
	assert.NotErrorIs(t, err, sshexec.ErrAuth)
	assert.Empty(t, p.called())
}
