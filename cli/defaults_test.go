package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/debugger"
	"github.com/org/calyptos/sshexec"
	"github.com/org/calyptos/validator"
)

func TestDefaultValidatorsGetTheFlags(t *testing.T) {
	vs := defaultValidators(ValidateConfig{Timeout: 3 * time.Second, Parallel: 5})
	assert.Equal(t, []string{"structure", "topology", "hosts", "network", "storage", "nc", "vpc", "repos", "pinghosts"}, pluginNames(vs))
	var ping *validator.PingHosts
	var repos *validator.Repos
	for _, v := range vs {
		switch v := v.(type) {
		case *validator.PingHosts:
			ping = v
		case *validator.Repos:
			repos = v
		}
	}
	require.NotNil(t, ping)
	require.NotNil(t, repos)
	assert.Equal(t, 3*time.Second, ping.Timeout)
	assert.Equal(t, 5, ping.Parallel)
	assert.Equal(t, 3*time.Second, repos.Timeout)
}

func TestDefaultDebuggersGetTheFlags(t *testing.T) {
	for _, allow := range []bool{false, true} {
		ds := defaultDebuggers(DebugConfig{InstallPackages: allow, AllowSideEffects: allow})
		require.Len(t, ds, 10)
		found := 0
		for _, d := range ds {
			switch d := d.(type) {
			case *debugger.EucalyptusSosreports:
				assert.Equal(t, allow, d.InstallPackages)
				found++
			case *debugger.VerifyComponentNetworking:
				assert.Equal(t, allow, d.InstallPackages)
				assert.Equal(t, allow, d.AllowSideEffects)
				found++
			}
		}
		assert.Equal(t, 2, found)
	}
}

func TestIsAuthError(t *testing.T) {
	assert.True(t, isAuthError(&sshexec.Error{Host: "h", Op: "auth", Kind: sshexec.ErrAuth}))
	assert.False(t, isAuthError(&sshexec.Error{Host: "h", Op: "dial", Kind: sshexec.ErrDial}))
	assert.False(t, isAuthError(fmt.Errorf("%w", calyptos.ErrTransport)))
}

func TestLazyPasswordFetch(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.withSSH(func(cfg SSHConfig, e *calyptostest.Executor) {
		if cfg.Password == "" {
			e.OnFetch("", "/etc/motd").Err(fmt.Errorf("%w: %w", calyptos.ErrTransport, errFakeAuth))
			return
		}
		e.OnFetch("", "/etc/motd").Content("hello")
	})
	h.term.password = "pw1"
	lp, first := newLazyPassword(t, h, nil)
	var buf bytes.Buffer
	require.NoError(t, lp.Fetch(t.Context(), "127.0.0.1", "/etc/motd", &buf))
	assert.Equal(t, "hello", buf.String())
	assert.Equal(t, "login [REDACTED]", lp.redactor.Redact("login pw1"), "the typed password is redacted from then on")
	require.NoError(t, lp.Close())
	assert.True(t, first.(*fakeTransport).closed)
	assert.True(t, lp.all[1].(*fakeTransport).closed)
}

// newLazyPassword returns the lazy-password transport of a run whose
// context is runCtx, over h's fake SSH (set up before with withSSH), and
// its first, key-only transport. The terminal is stdin.
func newLazyPassword(t *testing.T, h *harness, runCtx context.Context) (*lazyPassword, Transport) {
	t.Helper()
	h.term.ttys = []any{h.p.Stdin}
	h.p.defaults()
	first, err := h.p.SSH(SSHConfig{})
	require.NoError(t, err)
	lp := &lazyPassword{p: h.p, cur: first, all: []Transport{first}, prog: func() *progress { return nil },
		redactor: calyptos.NewRedactor(), runCtx: runCtx}
	t.Cleanup(func() { _ = lp.Close() })
	return lp, first
}

// refuseWithoutPassword scripts h's fake SSH: command (a regexp) fails
// authentication without a password and answers stdout with one.
func refuseWithoutPassword(h *harness, command, stdout string) {
	h.withSSH(func(cfg SSHConfig, e *calyptostest.Executor) {
		if cfg.Password == "" {
			e.OnMatch("", command).Err(fmt.Errorf("%w: %w", calyptos.ErrTransport, errFakeAuth))
			return
		}
		e.OnMatch("", command).Stdout(stdout)
	})
}

// waitForPrompt waits until some host of lp is at the password prompt.
func waitForPrompt(t *testing.T, lp *lazyPassword) {
	t.Helper()
	require.Eventually(t, func() bool {
		lp.mu.Lock()
		defer lp.mu.Unlock()
		return lp.asking != nil
	}, 5*time.Second, time.Millisecond, "a host reaches the prompt")
}

// TestLazyPasswordWaiters: while one host's command is at the password
// prompt, other hosts wait for the answer however short their --timeout
// (a person types slower than a command runs), then retry with their full
// time limit; once typed, later hosts reuse the password without a second
// prompt. Only the end of the run (Ctrl-C) stops a waiter.
func TestLazyPasswordWaiters(t *testing.T) {
	h := newHarness(t, nil, nil)
	refuseWithoutPassword(h, "^uptime$", "up\n")
	h.term.password = "pw1"
	h.term.typing = make(chan struct{})
	runCtx, stopRun := context.WithCancel(t.Context())
	defer stopRun()
	lp, _ := newLazyPassword(t, h, runCtx)

	prompted := make(chan error, 1)
	go func() {
		_, err := lp.Run(t.Context(), "192.0.2.1", "uptime")
		prompted <- err
	}()
	waitForPrompt(t, lp)

	waiter := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		_, err := lp.Run(ctx, "192.0.2.2", "uptime")
		waiter <- err
	}()
	time.Sleep(200 * time.Millisecond) // the waiter's 50ms --timeout passes while the password is typed
	close(h.term.typing)
	require.NoError(t, <-prompted)
	require.NoError(t, <-waiter, "the waiter retried with the password, with a fresh time limit")
	out, err := lp.Run(t.Context(), "192.0.2.3", "uptime")
	require.NoError(t, err)
	assert.Equal(t, "up\n", out.Stdout)
	assert.Equal(t, 1, h.term.asked)
}

// TestLazyPasswordWaiterStopsWithTheRun: a host waiting for another's
// password prompt gives up when the run ends, keeping its auth error.
func TestLazyPasswordWaiterStopsWithTheRun(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.withSSH(func(cfg SSHConfig, e *calyptostest.Executor) {
		e.On("", "uptime").Err(fmt.Errorf("%w: %w", calyptos.ErrTransport, errFakeAuth))
	})
	h.term.typing = make(chan struct{})
	defer close(h.term.typing)
	runCtx, stopRun := context.WithCancel(t.Context())
	lp, _ := newLazyPassword(t, h, runCtx)

	go func() { _, _ = lp.Run(t.Context(), "192.0.2.1", "uptime") }()
	waitForPrompt(t, lp)
	waiter := make(chan error, 1)
	go func() {
		_, err := lp.Run(t.Context(), "192.0.2.2", "uptime")
		waiter <- err
	}()
	time.Sleep(50 * time.Millisecond)
	stopRun()
	select {
	case err := <-waiter:
		assert.ErrorIs(t, err, errFakeAuth)
	case <-time.After(10 * time.Second):
		t.Fatal("the waiter did not stop with the run")
	}
}

// TestPasswordAskedAgain: a mistyped password is asked again (as ssh does,
// three times at most) instead of failing every host of the run; a host
// that refuses the password other hosts accepted does not bring the
// prompt back.
func TestPasswordAskedAgain(t *testing.T) {
	setup := func(t *testing.T, answers ...string) (*harness, *lazyPassword) {
		h := newHarness(t, nil, nil)
		h.withSSH(func(cfg SSHConfig, e *calyptostest.Executor) {
			refuse := fmt.Errorf("%w: %w", calyptos.ErrTransport, errFakeAuth)
			e.On("192.0.2.9", "uptime").Err(refuse) // never accepts a password
			if cfg.Password != "right" {
				e.On("", "uptime").Err(refuse)
				return
			}
			e.On("", "uptime").Stdout("up\n")
		})
		h.term.answers = answers
		lp, _ := newLazyPassword(t, h, nil)
		return h, lp
	}

	t.Run("typo then right", func(t *testing.T) {
		h, lp := setup(t, "wrnog", "right")
		out, err := lp.Run(t.Context(), "192.0.2.1", "uptime")
		require.NoError(t, err)
		assert.Equal(t, "up\n", out.Stdout)
		assert.Equal(t, 2, h.term.asked)
		assert.Contains(t, h.stderr.String(), "192.0.2.1 refused that password. Try again: ")
		_, err = lp.Run(t.Context(), "192.0.2.2", "uptime")
		require.NoError(t, err)
		assert.Equal(t, 2, h.term.asked, "the right password is reused")
	})
	t.Run("three wrong", func(t *testing.T) {
		h, lp := setup(t, "a", "b", "c", "right")
		_, err := lp.Run(t.Context(), "192.0.2.1", "uptime")
		require.ErrorIs(t, err, errFakeAuth)
		assert.Equal(t, 3, h.term.asked)
		assert.Contains(t, h.stderr.String(), "no host accepted the password in 3 attempts")
		_, err = lp.Run(t.Context(), "192.0.2.2", "uptime")
		require.ErrorIs(t, err, errFakeAuth)
		assert.Equal(t, 3, h.term.asked, "not asked a fourth time")
	})
	t.Run("accepted elsewhere", func(t *testing.T) {
		h, lp := setup(t, "right")
		_, err := lp.Run(t.Context(), "192.0.2.1", "uptime")
		require.NoError(t, err)
		_, err = lp.Run(t.Context(), "192.0.2.9", "uptime")
		require.ErrorIs(t, err, errFakeAuth)
		assert.Equal(t, 1, h.term.asked, "a host refusing the accepted password has a problem of its own")
	})
}

// scriptedTransport is a Transport whose every call is answered by run,
// given the password the transport was opened with.
type scriptedTransport struct {
	password string
	run      func(ctx context.Context, password, host string) error
	closed   atomic.Bool
}

func (s *scriptedTransport) Run(ctx context.Context, host, _ string) (calyptos.Output, error) {
	if err := s.run(ctx, s.password, host); err != nil {
		return calyptos.Output{}, err
	}
	return calyptos.Output{Stdout: "up\n"}, nil
}

func (s *scriptedTransport) Fetch(ctx context.Context, host, _ string, _ io.Writer) error {
	return s.run(ctx, s.password, host)
}

func (s *scriptedTransport) Close() error { s.closed.Store(true); return nil }

// withScriptedSSH makes h's SSH transports scriptedTransports answered by
// run, and returns them as they are opened.
func withScriptedSSH(h *harness, run func(ctx context.Context, password, host string) error) func() []*scriptedTransport {
	var mu sync.Mutex
	var opened []*scriptedTransport
	h.p.SSH = func(cfg SSHConfig) (Transport, error) {
		st := &scriptedTransport{password: cfg.Password, run: run}
		mu.Lock()
		defer mu.Unlock()
		opened = append(opened, st)
		return st, nil
	}
	return func() []*scriptedTransport {
		mu.Lock()
		defer mu.Unlock()
		return append([]*scriptedTransport(nil), opened...)
	}
}

// TestPasswordAskedAgainWhileKeysLetOtherHostsIn: a host that takes the
// keys succeeds with whatever password was typed (the password transport
// offers the keys first), so its success says nothing about the password:
// a mistyped password is still asked again when such a host answered with
// it before the host that needs the password retried.
func TestPasswordAskedAgainWhileKeysLetOtherHostsIn(t *testing.T) {
	h := newHarness(t, nil, nil)
	gate := make(chan struct{})
	withScriptedSSH(h, func(ctx context.Context, password, host string) error {
		refuse := fmt.Errorf("%w: %w", calyptos.ErrTransport, errFakeAuth)
		switch {
		case host == "192.0.2.5":
			return nil // takes the keys
		case password == "":
			return refuse
		case password == "wrnog":
			<-gate // still in its handshake when 192.0.2.5 answers
			return refuse
		case password == "right":
			return nil
		}
		return refuse
	})
	h.term.answers = []string{"wrnog", "right"}
	lp, first := newLazyPassword(t, h, nil)

	needsPassword := make(chan error, 1)
	go func() {
		_, err := lp.Run(t.Context(), "192.0.2.1", "uptime")
		needsPassword <- err
	}()
	require.Eventually(t, func() bool { return lp.current() != first }, 5*time.Second, time.Millisecond, "the password is typed")
	_, err := lp.Run(t.Context(), "192.0.2.5", "uptime")
	require.NoError(t, err)
	close(gate)
	require.NoError(t, <-needsPassword, "the mistyped password is asked again")
	assert.Equal(t, 2, h.term.asked)
}

// TestPasswordRefusedWhileAnotherHostLogsIn is the known race: a host that
// refuses passwords fails with the password just typed before any host
// has logged in with it, so the prompt comes back once. Whatever is typed
// at that extra prompt must not bring it back a third time, nor end with
// "no host accepted the password" when one did, nor lock out the hosts
// that need the password accepted.
func TestPasswordRefusedWhileAnotherHostLogsIn(t *testing.T) {
	for _, extra := range []string{"right", "wrnog"} {
		t.Run("answered "+extra, func(t *testing.T) {
			h := newHarness(t, nil, nil)
			gate := make(chan struct{})
			withScriptedSSH(h, func(ctx context.Context, password, host string) error {
				refuse := fmt.Errorf("%w: %w", calyptos.ErrTransport, errFakeAuth)
				if host == "192.0.2.9" || password != "right" {
					return refuse // 192.0.2.9 has password logins disabled
				}
				if host == "192.0.2.1" {
					<-gate // still in its handshake when 192.0.2.9 refuses
				}
				return nil
			})
			h.term.answers = []string{"right", extra}
			h.term.typing = make(chan struct{})
			lp, first := newLazyPassword(t, h, nil)

			loggedIn := make(chan error, 1)
			go func() {
				_, err := lp.Run(t.Context(), "192.0.2.1", "uptime")
				loggedIn <- err
			}()
			waitForPrompt(t, lp)
			h.term.typing <- struct{}{}
			require.Eventually(t, func() bool { return lp.current() != first }, 5*time.Second, time.Millisecond, "the password is typed")

			refused := make(chan error, 1)
			go func() {
				_, err := lp.Run(t.Context(), "192.0.2.9", "uptime")
				refused <- err
			}()
			waitForPrompt(t, lp) // the extra prompt of the race
			close(gate)
			require.NoError(t, <-loggedIn)
			close(h.term.typing)
			assert.ErrorIs(t, <-refused, errFakeAuth)
			_, err := lp.Run(t.Context(), "192.0.2.2", "uptime")
			require.NoError(t, err, "a later host gets the password that was accepted")
			assert.Equal(t, 2, h.term.asked, "one extra prompt at most")
			assert.NotContains(t, h.stderr.String(), "no host accepted")
		})
	}
}

// TestLazyPasswordPromptPanics: a panic while the password is asked (here
// in the SSH constructor) reaches the caller, where the runner turns it
// into a failed check, instead of crashing the program on an unlock of an
// unlocked mutex; hosts waiting for that prompt stop waiting.
func TestLazyPasswordPromptPanics(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.p.SSH = func(cfg SSHConfig) (Transport, error) {
		if cfg.Password != "" {
			panic("ssh constructor bug")
		}
		e := calyptostest.NewExecutor(t)
		e.On("", "uptime").Err(fmt.Errorf("%w: %w", calyptos.ErrTransport, errFakeAuth))
		return &fakeTransport{Executor: e}, nil
	}
	h.term.password = "pw1"
	h.term.typing = make(chan struct{})
	lp, _ := newLazyPassword(t, h, nil)

	panicked := make(chan any, 1)
	go func() {
		defer func() { panicked <- recover() }()
		_, _ = lp.Run(t.Context(), "192.0.2.1", "uptime")
	}()
	waitForPrompt(t, lp)
	waiter := make(chan error, 1)
	go func() {
		_, err := lp.Run(t.Context(), "192.0.2.2", "uptime")
		waiter <- err
	}()
	time.Sleep(50 * time.Millisecond) // the second host waits for the prompt
	close(h.term.typing)
	assert.Equal(t, "ssh constructor bug", <-panicked)
	select {
	case err := <-waiter:
		assert.ErrorIs(t, err, errFakeAuth)
	case <-time.After(10 * time.Second):
		t.Fatal("the waiter still waits for the prompt that panicked")
	}
	_, err := lp.Run(t.Context(), "192.0.2.3", "uptime")
	assert.ErrorIs(t, err, errFakeAuth, "no prompt after the one that panicked")
}

// TestLazyPasswordCloseEndsThePrompt: a run can end while the password is
// asked (execute -o json whose check time limit passed): Close ends the
// prompt, so that the terminal gets its echo back before the program
// exits, and the command that asked gives up with its auth error; no
// transport is left open and no prompt follows.
func TestLazyPasswordCloseEndsThePrompt(t *testing.T) {
	h := newHarness(t, nil, nil)
	opened := withScriptedSSH(h, func(ctx context.Context, password, host string) error {
		if password == "" {
			return fmt.Errorf("%w: %w", calyptos.ErrTransport, errFakeAuth)
		}
		return nil
	})
	h.term.password = "pw1"
	h.term.typing = make(chan struct{})
	lp, _ := newLazyPassword(t, h, nil)

	asked := make(chan error, 1)
	go func() {
		_, err := lp.Run(t.Context(), "192.0.2.1", "uptime")
		asked <- err
	}()
	waitForPrompt(t, lp)
	closed := make(chan error, 1)
	go func() { closed <- lp.Close() }()
	select {
	case err := <-asked:
		assert.ErrorIs(t, err, errFakeAuth)
	case <-time.After(10 * time.Second):
		close(h.term.typing) // let the prompt end, to see what follows
		<-asked
		t.Error("the prompt outlived Close")
	}
	require.NoError(t, <-closed)
	_, err := lp.Run(t.Context(), "192.0.2.2", "uptime")
	assert.ErrorIs(t, err, errFakeAuth)
	for i, st := range opened() {
		assert.True(t, st.closed.Load(), "transport %d is closed", i)
	}
	assert.Zero(t, h.term.asked, "no password was read")
	assert.NotContains(t, h.stderr.String(), "canceled", "the prompt ended because the run did: nothing to report")
}
