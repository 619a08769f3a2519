package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
)

// fakeTerm plays the terminal: the streams listed in ttys are terminals.
type fakeTerm struct {
	mu       sync.Mutex
	ttys     []any
	cols     int
	password string
	// answers, when set, are typed in turn before password is.
	answers []string
	err     error
	asked   int
	// typing, when set, is received from before readPassword answers: the
	// user is still typing until the test sends or closes it.
	typing chan struct{}
	// tty, when set, is the controlling terminal prompts go to when stderr
	// is not a terminal (nil: there is none).
	tty io.Writer
}

func (f *fakeTerm) isTerminal(v any) bool {
	for _, t := range f.ttys {
		if t == v {
			return true
		}
	}
	return false
}

func (f *fakeTerm) width(io.Writer) int { return f.cols }

func (f *fakeTerm) promptOutput(stderr io.Writer) (io.Writer, func()) {
	if f.tty != nil && !f.isTerminal(stderr) {
		return f.tty, func() {}
	}
	return stderr, func() {}
}

func (f *fakeTerm) readPassword(ctx context.Context, _ io.Reader) ([]byte, error) {
	if f.typing != nil {
		select {
		case <-f.typing:
		case <-ctx.Done(): // as the real one: the prompt ends with ctx
			return nil, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked++
	if len(f.answers) > 0 {
		a := f.answers[0]
		f.answers = f.answers[1:]
		return []byte(a + "\n"), f.err
	}
	return []byte(f.password + "\n"), f.err
}

// check is a validator and a debugger whose behaviour is a function.
type check struct {
	name string
	f    func(ctx context.Context, c *calyptos.Check)
}

func (c check) Name() string                                    { return c.name }
func (c check) Validate(ctx context.Context, k *calyptos.Check) { c.f(ctx, k) }
func (c check) Debug(ctx context.Context, k *calyptos.Check)    { c.f(ctx, k) }

func passing(name string) check {
	return check{name, func(_ context.Context, c *calyptos.Check) { c.Success("fine") }}
}

func warning(name string) check {
	return check{name, func(_ context.Context, c *calyptos.Check) { c.Warning("odd") }}
}

func failing(name string) check {
	return check{name, func(_ context.Context, c *calyptos.Check) { c.Failure("broken") }}
}

// uptime runs a command on every host.
func uptime(name string) check {
	return check{name, func(ctx context.Context, c *calyptos.Check) {
		for _, r := range c.RunOnHosts(ctx, "uptime", c.Roles().All()) {
			if c.HostOK(r) {
				c.OnHost(r.Host).Success("up")
			}
		}
	}}
}

// fakeTransport adapts a calyptostest executor to Transport.
type fakeTransport struct {
	*calyptostest.Executor
	closed bool
}

func (f *fakeTransport) Close() error { f.closed = true; return nil }

// harness is a Program with captured output and fake plugins.
type harness struct {
	t      *testing.T
	p      *Program
	term   *fakeTerm
	stdout *bytes.Buffer
	stderr *bytes.Buffer
	env    map[string]string
	// sshCalls records the configs the SSH transport was opened with.
	sshCalls []SSHConfig
}

func newHarness(t *testing.T, validators []calyptos.Validator, debuggers []calyptos.Debugger) *harness {
	h := &harness{t: t, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, env: map[string]string{}, term: &fakeTerm{cols: 100}}
	h.p = &Program{
		Stdin:      strings.NewReader(""),
		Stdout:     h.stdout,
		Stderr:     h.stderr,
		Getenv:     func(k string) string { return h.env[k] },
		Validators: func(ValidateConfig) []calyptos.Validator { return validators },
		Debuggers:  func(DebugConfig) []calyptos.Debugger { return debuggers },
		SSH: func(cfg SSHConfig) (Transport, error) {
			h.sshCalls = append(h.sshCalls, cfg)
			return nil, errors.New("no SSH in this test")
		},
		term: h.term,
	}
	return h
}

var errFakeAuth = errors.New("fake: authentication failed")

// withSSH makes the SSH transport the fake executor built by script for
// each config. When the config has a PasswordPrompt, the transport plays
// sshexec's part: a call refused with errFakeAuth asks the prompt (once
// for every host) and is made again on the executor script builds for the
// config with that password.
func (h *harness) withSSH(script func(cfg SSHConfig, e *calyptostest.Executor)) {
	h.p.SSH = func(cfg SSHConfig) (Transport, error) {
		h.sshCalls = append(h.sshCalls, cfg)
		build := func(password string) Transport {
			c := cfg
			c.Password = password
			e := calyptostest.NewExecutor(h.t)
			script(c, e)
			return &fakeTransport{Executor: e}
		}
		if cfg.PasswordPrompt == nil {
			return build(cfg.Password), nil
		}
		return &promptingTransport{prompt: cfg.PasswordPrompt, build: build, keys: build("")}, nil
	}
}

// promptingTransport asks for a password as sshexec does, simplified: once
// for every host, no second attempt.
type promptingTransport struct {
	prompt func(ctx context.Context, user, host string, attempt int) (string, error)
	build  func(password string) Transport
	keys   Transport

	mu       sync.Mutex
	asked    bool
	withPass Transport
	err      error
}

func (p *promptingTransport) password(ctx context.Context, host string) (Transport, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.asked {
		p.asked = true
		var pw string
		if pw, p.err = p.prompt(ctx, "user", host, 1); p.err == nil {
			p.withPass = p.build(pw)
		}
	}
	return p.withPass, p.err
}

func (p *promptingTransport) Run(ctx context.Context, host, command string) (calyptos.Output, error) {
	out, err := p.keys.Run(ctx, host, command)
	if !errors.Is(err, errFakeAuth) {
		return out, err
	}
	t, perr := p.password(ctx, host)
	if perr != nil {
		return out, fmt.Errorf("%w; %w", err, perr)
	}
	return t.Run(ctx, host, command)
}

func (p *promptingTransport) Fetch(ctx context.Context, host, path string, dst io.Writer) error {
	return errors.New("not in these tests")
}

func (p *promptingTransport) Close() error { return nil }

func (h *harness) run(args ...string) int {
	h.t.Helper()
	return h.runCtx(h.t.Context(), args...)
}

func (h *harness) runCtx(ctx context.Context, args ...string) int {
	h.t.Helper()
	h.stdout.Reset()
	h.stderr.Reset()
	return h.p.Run(ctx, args)
}

// writeEnv writes an environment file and returns its path.
func writeEnv(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "env.yml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

const twoHosts = `name: two
default_attributes:
  eucalyptus:
    admin-password: s3cret-value
    topology:
      clc: [127.0.0.1]
      user-facing: [127.0.0.1]
      clusters:
        one: {cc: [127.0.0.2], sc: [127.0.0.2], nodes: [127.0.0.2]}
`

const localhostEnv = "../examples/localhost.yml"
