package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/localexec"
)

// SSHConfig is what the command line's SSH flags ask of the transport.
type SSHConfig struct {
	User            string
	IdentityFiles   []string
	Password        string
	KnownHostsFiles []string
	// InsecureIgnoreHostKey accepts any host key.
	InsecureIgnoreHostKey bool
	JumpHost              string
	Port                  int
	// Parallel bounds the hosts reached at once.
	Parallel int
	// Timeout bounds each command.
	Timeout time.Duration
	// Passphrase asks for the passphrase of an encrypted key file on the
	// terminal; when stdin is not a terminal it returns an error wrapping
	// the reason and what to do instead.
	Passphrase func(file string) ([]byte, error)
}

// passwordEnv is the environment variable that may hold the SSH password,
// so that it need not be on the command line.
const passwordEnv = "CALYPTOS_SSH_PASSWORD"

// openTransport returns the executor of a debug or execute run: the local
// one with --local, SSH otherwise. The executor records which hosts
// answered, for the exit code.
func (p *Program) openTransport(ctx context.Context, o *options, rb *calyptos.RoleBuilder, prog func() *progress) (*tracker, error) {
	if o.local {
		if hs := nonLocalHosts(rb.All()); len(hs) > 0 {
			p.errorf("note: --local runs every command on this machine, including those labelled %s", strings.Join(hs[:min(3, len(hs))], ", ")+more(len(hs)-3))
		}
		return &tracker{Transport: nopCloser{localexec.New(localexec.Options{})}}, nil
	}
	cfg := SSHConfig{
		User:                  o.user,
		IdentityFiles:         o.identities,
		Password:              o.password,
		KnownHostsFiles:       o.knownHosts,
		InsecureIgnoreHostKey: o.insecure,
		JumpHost:              o.jump,
		Port:                  o.port,
		Parallel:              o.parallel,
		Timeout:               o.timeout,
	}
	if cfg.Password == "" {
		cfg.Password = p.Getenv(passwordEnv)
	}
	// Every transport opened (one more for each password typed) loads the
	// keys again: a passphrase is asked once per key file. The caller
	// clears what it gets, so it gets a copy.
	var passMu sync.Mutex
	passphrases := map[string][]byte{}
	cfg.Passphrase = func(file string) ([]byte, error) {
		passMu.Lock()
		defer passMu.Unlock()
		if pw, ok := passphrases[file]; ok {
			return bytes.Clone(pw), nil
		}
		if !p.term.isTerminal(p.Stdin) {
			return nil, fmt.Errorf("cannot ask for it: %w (load the key into an ssh-agent with ssh-add, or give an unencrypted key)", errNoTerminal)
		}
		pw, err := p.promptSecret(ctx, prog(), &o.prompting, fmt.Sprintf("Passphrase for key %s: ", file))
		if err != nil {
			return nil, err
		}
		passphrases[file] = bytes.Clone(pw)
		return pw, nil
	}
	if cfg.InsecureIgnoreHostKey {
		p.errorf("warning: --insecure-ignore-host-keys: host keys are not verified; anyone on the path can impersonate the hosts and read what is sent")
	}
	t, err := p.SSH(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Password != "" {
		return &tracker{Transport: t}, nil
	}
	lp := &lazyPassword{p: p, cfg: cfg, cur: t, all: []Transport{t}, prog: prog, redactor: o.redactor, runCtx: ctx, prompting: &o.prompting}
	return &tracker{Transport: lp}, nil
}

func more(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf(" and %d more", n)
}

// nonLocalHosts returns the hosts that are not this machine by their name.
func nonLocalHosts(hosts []string) []string {
	var out []string
	for _, h := range hosts {
		name, _, err := calyptos.SplitHostPort(h)
		if err == nil {
			if a, err := netip.ParseAddr(name); err == nil && a.IsLoopback() {
				continue
			}
			if name == "localhost" {
				continue
			}
		}
		out = append(out, h)
	}
	return out
}

type nopCloser struct{ calyptos.Executor }

func (nopCloser) Close() error { return nil }

// tracker records which hosts answered and which could not be reached, so
// that a run where no host could be reached exits with ExitTransport.
type tracker struct {
	Transport
	mu    sync.Mutex
	ok    map[string]bool
	down  map[string]error
	first error
}

func (t *tracker) record(host string, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ok == nil {
		t.ok, t.down = map[string]bool{}, map[string]error{}
	}
	switch {
	case err == nil:
		t.ok[host] = true
	case errors.Is(err, calyptos.ErrTransport):
		if _, seen := t.down[host]; !seen {
			t.down[host] = err
		}
		if t.first == nil {
			t.first = err
		}
	}
}

// Run runs command on host and records whether the host answered.
func (t *tracker) Run(ctx context.Context, host, command string) (calyptos.Output, error) {
	out, err := t.Transport.Run(ctx, host, command)
	t.record(host, err)
	return out, err
}

// Fetch fetches a file from host and records whether the host answered.
func (t *tracker) Fetch(ctx context.Context, host, path string, dst io.Writer) error {
	err := t.Transport.Fetch(ctx, host, path, dst)
	t.record(host, err)
	return err
}

// allDown reports whether some host was tried and none answered, with the
// first transport error.
func (t *tracker) allDown() (bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.ok) == 0 && len(t.down) > 0, t.first
}

// lazyPassword asks for the SSH password the first time a host refuses
// every key, then retries with it: a password is asked for only when one
// is needed, and only on a terminal.
type lazyPassword struct {
	p        *Program
	cfg      SSHConfig
	prog     func() *progress
	redactor *calyptos.Redactor // learns the password once typed
	// runCtx is the whole run's context (nil: never cancelled): the
	// prompt lasts until it ends, not until the deadline of the command
	// that needed the password.
	runCtx context.Context
	// prompting is held while the password is asked (nil: not shared).
	prompting *sync.RWMutex

	mu        sync.Mutex
	cur       Transport
	all       []Transport
	asking    chan struct{} // made when a prompt starts, closed (and nil) when it ends
	prompts   int           // prompts shown so far
	accepted  Transport     // the password transport some host accepted
	promptErr error         // why no more prompts can be shown
	closed    bool          // Close was called: no more prompts
	// stopPrompt ends the prompt being shown (set with asking).
	stopPrompt context.CancelFunc
}

// maxPasswordPrompts is how often the password is asked when no host
// accepts it, as ssh asks three times.
const maxPasswordPrompts = 3

// upgrade returns the transport to retry with after from refused a host,
// or an error saying why there is none. One caller asks; the others wait
// for its answer. Both are bounded by the run's context only: a person
// takes longer to type than --timeout gives a command, so the retry gets
// its time limit afresh (retryContext). The password is asked again when
// the one typed is refused, unless some host accepted it: then the host
// that refuses it has a problem of its own.
func (l *lazyPassword) upgrade(from Transport, host string) (Transport, error) {
	l.mu.Lock()
	for l.asking != nil {
		done := l.asking
		l.mu.Unlock()
		select {
		case <-done:
		case <-l.run().Done():
			return nil, fmt.Errorf("waiting for the SSH password: %w", context.Cause(l.run()))
		}
		l.mu.Lock()
	}
	defer l.mu.Unlock()
	switch {
	case l.closed:
		return nil, errors.New("the SSH transport is closed")
	case l.accepted != nil && l.accepted == from:
		return nil, fmt.Errorf("%s refused the password other hosts accepted", host)
	case l.accepted != nil:
		// The host refused the keys, or a password typed at a prompt
		// that a refusal opened before the accepted one was known.
		return l.accepted, nil
	case l.promptErr != nil:
		return nil, l.promptErr
	case l.cur != from:
		return l.cur, nil // another host asked meanwhile
	case l.prompts >= maxPasswordPrompts:
		l.promptErr = fmt.Errorf("no host accepted the password in %d attempts", l.prompts)
		// On a line of its own, not after the progress line.
		if prog := l.prog(); prog != nil {
			prog.pause()
			defer prog.resume()
		}
		l.p.errorf("%v", l.promptErr)
		return nil, l.promptErr
	}
	l.prompts++
	again := l.prompts > 1
	done := make(chan struct{})
	pctx, stop := context.WithCancel(l.run())
	l.asking, l.stopPrompt = done, stop
	l.mu.Unlock()
	answered := false
	defer func() {
		stop()
		if !answered {
			// ask panicked: end the prompt for the hosts waiting on it,
			// and hold l.mu again for the deferred Unlock.
			l.mu.Lock()
			l.asking, l.stopPrompt = nil, nil
			l.promptErr = errors.New("the SSH password prompt failed")
			close(done)
		}
	}()
	t, err := l.ask(pctx, host, again)
	answered = true
	l.mu.Lock()
	l.asking, l.stopPrompt = nil, nil
	close(done)
	if err == nil && l.closed {
		_ = t.Close()
		err = errors.New("the SSH transport was closed while the password was asked")
	}
	if err != nil {
		l.promptErr = err
		return nil, err
	}
	l.cur = t
	l.all = append(l.all, t)
	return t, nil
}

// succeeded records that a host that refused the keys accepted t's
// password, even when another password was typed since. The first one
// accepted stays: a host retries with it once at most.
func (l *lazyPassword) succeeded(t Transport) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.accepted == nil && t != l.all[0] {
		l.accepted = t
	}
}

func (l *lazyPassword) run() context.Context {
	if l.runCtx == nil {
		return context.Background()
	}
	return l.runCtx
}

// retryContext returns the context of the retry after a prompt that began
// at start: ctx's values, ctx's time limit counted from the answer rather
// than from start, and the run's cancellation.
func (l *lazyPassword) retryContext(ctx context.Context, start time.Time) (context.Context, context.CancelFunc) {
	base := context.WithoutCancel(ctx)
	var rctx context.Context
	var cancel context.CancelFunc
	if dl, ok := ctx.Deadline(); ok {
		rctx, cancel = context.WithTimeout(base, dl.Sub(start))
	} else {
		rctx, cancel = context.WithCancel(base)
	}
	stop := context.AfterFunc(l.run(), cancel)
	return rctx, func() { stop(); cancel() }
}

// ask prompts for the password (again: the last one was refused) and
// opens a transport that uses it.
func (l *lazyPassword) ask(ctx context.Context, host string, again bool) (Transport, error) {
	prog := l.prog()
	pw, err := l.p.promptPassword(ctx, host, again, prog, l.prompting)
	if err != nil {
		if ctx.Err() != nil {
			return nil, err // Ctrl-C or Close: the run says why it ends
		}
		// On a line of its own, not after the progress line.
		if prog != nil {
			prog.pause()
			defer prog.resume()
		}
		l.p.errorf("%v", err)
		return nil, err
	}
	l.redactor.Add(pw)
	cfg := l.cfg
	cfg.Password = pw
	return l.p.SSH(cfg)
}

func (l *lazyPassword) current() Transport {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cur
}

// Run runs command on host, asking for a password and retrying when the
// host refused every key (or the password typed).
func (l *lazyPassword) Run(ctx context.Context, host, command string) (calyptos.Output, error) {
	var out calyptos.Output
	err := l.retry(ctx, host, func(ctx context.Context, t Transport) error {
		var err error
		out, err = t.Run(ctx, host, command)
		return err
	})
	return out, err
}

// Fetch fetches path from host, asking for a password and retrying when
// the host refused every key (or the password typed).
func (l *lazyPassword) Fetch(ctx context.Context, host, path string, dst io.Writer) error {
	return l.retry(ctx, host, func(ctx context.Context, t Transport) error {
		return t.Fetch(ctx, host, path, dst)
	})
}

// retry makes call with the current transport, and again with a password
// transport for as long as the host refuses the credentials and a password
// can be asked for. An authentication failure never gets past the SSH
// handshake, so a retried call has not run anything on the host.
func (l *lazyPassword) retry(ctx context.Context, host string, call func(context.Context, Transport) error) error {
	start := time.Now()
	t := l.current()
	err := call(ctx, t)
	refused := false
	for err != nil && l.p.isAuth(err) {
		refused = true
		next, uerr := l.upgrade(t, host)
		if uerr != nil {
			return err
		}
		rctx, cancel := l.retryContext(ctx, start)
		err = call(rctx, next)
		cancel()
		t = next
	}
	// A password transport offers the keys first: only a host that
	// refused them shows that the password is right.
	if err == nil && refused {
		l.succeeded(t)
	}
	return err
}

// Close ends the password prompt being shown, if any, and waits for it
// to end (it gives the terminal its echo back), then closes every
// transport opened.
func (l *lazyPassword) Close() error {
	l.mu.Lock()
	l.closed = true
	if l.stopPrompt != nil {
		l.stopPrompt()
	}
	for l.asking != nil {
		done := l.asking
		l.mu.Unlock()
		<-done
		l.mu.Lock()
	}
	defer l.mu.Unlock()
	var errs []error
	for _, t := range l.all {
		errs = append(errs, t.Close())
	}
	return errors.Join(errs...)
}

// errNoTerminal is returned when a password is needed but cannot be asked.
var errNoTerminal = errors.New("standard input is not a terminal")

// promptPassword asks for the SSH password on the terminal without echo.
func (p *Program) promptPassword(ctx context.Context, host string, again bool, prog *progress, prompting *sync.RWMutex) (string, error) {
	if !p.term.isTerminal(p.Stdin) {
		if again {
			return "", fmt.Errorf("%s refused the SSH password given; cannot ask for another: %w", host, errNoTerminal)
		}
		return "", fmt.Errorf("%s needs a password (no SSH key was accepted) and none was given; cannot ask for one: %w "+
			"(pass -p PASSWORD or set %s, or use -i KEY / an ssh-agent)", host, errNoTerminal, passwordEnv)
	}
	prompt := host + " accepted no SSH key. SSH password for the hosts of the deployment: "
	if again {
		prompt = host + " refused that password. Try again: "
	}
	pw, err := p.promptSecret(ctx, prog, prompting, prompt)
	if err != nil {
		return "", err
	}
	s := string(pw)
	clear(pw)
	return s, nil
}

// promptSecret asks for a secret on the terminal without echo. The output
// stream waits meanwhile: prompting (if set) is held until the answer.
func (p *Program) promptSecret(ctx context.Context, prog *progress, prompting *sync.RWMutex, prompt string) ([]byte, error) {
	if prompting != nil {
		prompting.Lock()
		defer prompting.Unlock()
	}
	if prog != nil {
		prog.pause()
		defer prog.resume()
	}
	w, done := p.term.promptOutput(p.Stderr)
	defer done()
	fmt.Fprint(w, prompt)
	b, err := p.term.readPassword(ctx, p.Stdin)
	fmt.Fprintln(w)
	if err != nil {
		return nil, fmt.Errorf("reading from the terminal: %w", err)
	}
	b = bytes.TrimRight(b, "\r\n")
	if len(b) == 0 {
		return nil, errors.New("nothing entered")
	}
	return b, nil
}
