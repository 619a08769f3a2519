package sshexec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// keyCache loads private key files once.
type keyCache struct {
	passphrase func(string) ([]byte, error)
	mu         sync.Mutex
	keys       map[string]ssh.Signer // nil value: file unusable, already logged
}

// load reads and parses a private key file, asking for its passphrase if
// it is encrypted. Errors name the file only.
func (kc *keyCache) load(path string) (ssh.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	s, err := ssh.ParsePrivateKey(b)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		if kc.passphrase == nil {
			return nil, fmt.Errorf("key file %s is encrypted and no Passphrase callback was given", path)
		}
		pw, perr := kc.passphrase(path)
		if perr != nil {
			return nil, fmt.Errorf("key file %s: passphrase: %w", path, perr)
		}
		s, err = ssh.ParsePrivateKeyWithPassphrase(b, pw)
		clear(pw)
		if err != nil {
			// Do not wrap: x/crypto's message is generic, but be sure
			// nothing of the key or passphrase can leak.
			return nil, fmt.Errorf("key file %s: cannot decrypt (wrong passphrase?)", path)
		}
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("key file %s: not a private key this client can use", path)
	}
	return s, nil
}

// optional loads a key file that may be missing or unusable (default keys,
// ssh_config IdentityFile, as ssh does): problems are logged and the file
// skipped.
func (e *Executor) optionalKey(path string) ssh.Signer {
	kc := e.keys
	kc.mu.Lock()
	defer kc.mu.Unlock()
	if s, ok := kc.keys[path]; ok {
		return s
	}
	s, err := kc.load(path)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			e.log.Debug("ssh: skipping key file", "error", err)
		}
		s = nil
	}
	kc.keys[path] = s
	return s
}

// authFor builds the authentication methods for t: public keys (explicit
// files, ssh_config or default files, then the agent's), then the password
// (Options.Password, or the one login put in ctx) and keyboard-interactive.
// The returned closer ends the agent connection once the handshake is
// over; names lists the methods for logs.
func (e *Executor) authFor(ctx context.Context, t *target) (methods []ssh.AuthMethod, names []string, closer io.Closer) {
	var signers []ssh.Signer
	for _, f := range t.hostKeys {
		if s := e.optionalKey(f); s != nil {
			signers = append(signers, s)
		}
	}
	signers = append(signers, e.signers...)
	files := t.identityFiles
	if len(files) == 0 && len(e.signers) == 0 {
		files = e.defaultKeys
	}
	for _, f := range files {
		if s := e.optionalKey(f); s != nil {
			signers = append(signers, s)
		}
	}
	nkeys := len(signers)
	var agentConn net.Conn
	if sock := e.agentSocket; sock != "" {
		c, err := net.DialTimeout("unix", sock, t.connectTimeout)
		if err != nil {
			e.log.Debug("ssh: agent unavailable", "socket", sock, "error", err)
		} else {
			// A stuck agent must not stall the dial: listing keys and
			// signing during the handshake share the connection's limit.
			_ = c.SetDeadline(time.Now().Add(t.connectTimeout))
			as, err := agent.NewClient(c).Signers()
			if err != nil {
				e.log.Debug("ssh: agent keys", "error", err)
				c.Close()
			} else {
				agentConn = c
				signers = append(signers, as...)
				names = append(names, fmt.Sprintf("agent(%d keys)", len(as)))
			}
		}
	}
	if len(signers) > 0 {
		methods = append(methods, ssh.PublicKeys(signers...))
		if nkeys > 0 {
			names = append([]string{fmt.Sprintf("publickey(%d keys)", nkeys)}, names...)
		}
	}
	if pw, used := e.password(ctx); pw != "" {
		methods = append(methods,
			ssh.PasswordCallback(func() (string, error) { used.Store(true); return pw, nil }),
			ssh.KeyboardInteractive(func(name, instruction string, questions []string, echos []bool) ([]string, error) {
				used.Store(true)
				return passwordChallenge(pw)(name, instruction, questions, echos)
			}))
		names = append(names, "password", "keyboard-interactive")
	}
	if len(names) == 0 {
		names = []string{"none"} // the method a client with nothing to offer tries
	}
	if agentConn != nil {
		closer = agentConn
	}
	return methods, names, closer
}

// passwordChallenge answers keyboard-interactive prompts: the hidden ones
// (password prompts) with the password, echoed ones with nothing.
func passwordChallenge(password string) ssh.KeyboardInteractiveChallenge {
	return func(name, instruction string, questions []string, echos []bool) ([]string, error) {
		answers := make([]string, len(questions))
		for i := range questions {
			if i < len(echos) && !echos[i] {
				answers[i] = password
			}
		}
		return answers, nil
	}
}

func defaultKeyFiles(home string) []string {
	if home == "" {
		return nil
	}
	var out []string
	for _, n := range []string{"id_ed25519", "id_ecdsa", "id_rsa"} {
		out = append(out, filepath.Join(home, ".ssh", n))
	}
	return out
}

// authFailed reports whether a handshake error is an authentication
// refusal.
func authFailed(err error) bool {
	return err != nil && strings.Contains(err.Error(), "unable to authenticate")
}

// MaxPasswordAttempts is how many passwords Options.PasswordPrompt is
// asked for when no host accepts one, as ssh asks three times.
const MaxPasswordAttempts = 3

// passwords holds what PasswordPrompt answered, shared by every host: one
// prompt at a time, an answer offered to every host, asked again only
// while no host has accepted one.
type passwords struct {
	mu       sync.Mutex
	typed    string        // the last answer
	accepted string        // the first answer a host accepted
	attempts int           // prompts shown
	err      error         // why no more prompts are shown
	asking   chan struct{} // closed when the prompt being shown ends
}

// errPasswordsRefused ends the prompts after MaxPasswordAttempts.
var errPasswordsRefused = fmt.Errorf("no host accepted the password in %d attempts", MaxPasswordAttempts)

// passwordKey is the context key of the password login tries, with the
// flag the password methods set when the server asked for it.
type passwordKey struct{}

type passwordTry struct {
	pw   string
	used *atomic.Bool
}

// password returns the password to offer under ctx, if any, and the flag
// to set when the server asks for it.
func (e *Executor) password(ctx context.Context) (string, *atomic.Bool) {
	if e.opts.Password != "" {
		return e.opts.Password, new(atomic.Bool)
	}
	if p, ok := ctx.Value(passwordKey{}).(passwordTry); ok {
		return p.pw, p.used
	}
	return "", nil
}

// canPrompt reports whether a host that refuses the keys may get a
// password from PasswordPrompt.
func (e *Executor) canPrompt() bool {
	return e.opts.Password == "" && e.opts.PasswordPrompt != nil
}

// login dials t with the keys and the password known so far; when t
// refuses them and PasswordPrompt can give another password, it dials
// again with that one. The prompt comes between two handshakes, so a
// person's typing is not counted against the handshake timeout.
func (e *Executor) login(ctx context.Context, t *target) (*ssh.Client, *activityConn, error) {
	pw := e.pw.current()
	for {
		used := new(atomic.Bool)
		client, act, err := e.dial(context.WithValue(ctx, passwordKey{}, passwordTry{pw, used}), t)
		if err == nil {
			if used.Load() {
				e.pw.accept(pw)
			}
			return client, act, nil
		}
		if !e.canPrompt() || !errors.Is(err, ErrAuth) || ctx.Err() != nil {
			return nil, nil, err
		}
		next, perr := e.pw.next(ctx, e.opts.PasswordPrompt, t, pw)
		if perr != nil {
			if ctx.Err() != nil {
				return nil, nil, err // closed while asked: nothing more to say
			}
			return nil, nil, withPasswordError(err, perr)
		}
		pw = next
	}
}

// current returns the password to offer a host first: the accepted one,
// else the last one typed ("" for none).
func (s *passwords) current() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.accepted != "" {
		return s.accepted
	}
	return s.typed
}

// accept records that a host asked for pw and accepted it.
func (s *passwords) accept(pw string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.accepted == "" {
		s.accepted = pw
	}
}

// next returns the password to try after t refused tried ("" when it
// refused the keys), asking for one when no better one is known. One
// host asks at a time; the others wait for its answer.
func (s *passwords) next(ctx context.Context, prompt func(context.Context, string, string, int) (string, error), t *target, tried string) (string, error) {
	s.mu.Lock()
	for s.asking != nil {
		asking := s.asking
		s.mu.Unlock()
		select {
		case <-asking:
		case <-ctx.Done():
			return "", ctx.Err()
		}
		s.mu.Lock()
	}
	switch {
	case s.accepted != "" && s.accepted == tried:
		s.mu.Unlock()
		return "", errors.New("refused the password other hosts accepted")
	case s.accepted != "":
		s.mu.Unlock()
		return s.accepted, nil
	case s.err != nil:
		s.mu.Unlock()
		return "", s.err
	case s.typed != "" && s.typed != tried:
		s.mu.Unlock()
		return s.typed, nil // typed while this host was dialling
	case s.attempts >= MaxPasswordAttempts:
		s.err = errPasswordsRefused
		s.mu.Unlock()
		return "", s.err
	}
	s.attempts++
	attempt := s.attempts
	asking := make(chan struct{})
	s.asking = asking
	s.mu.Unlock()

	pw, err := ask(ctx, prompt, t, attempt)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.err = err
	} else {
		s.typed = pw
	}
	s.asking = nil
	close(asking)
	return pw, err
}

// ask calls prompt; its panic is an error, as it runs on a dial's
// goroutine.
func ask(ctx context.Context, prompt func(context.Context, string, string, int) (string, error), t *target, attempt int) (pw string, err error) {
	defer func() {
		if v := recover(); v != nil {
			pw, err = "", fmt.Errorf("the password prompt panicked: %v", v)
		}
	}()
	pw, err = prompt(ctx, t.user, t.key, attempt)
	if err == nil && pw == "" {
		err = errors.New("no password given")
	}
	return pw, err
}

// withPasswordError adds why no password could be had to the refusal err.
func withPasswordError(err, perr error) error {
	var se *Error
	if !errors.As(err, &se) {
		return fmt.Errorf("%w; %w", err, perr)
	}
	return &Error{Host: se.Host, Op: se.Op, Kind: se.Kind, Err: fmt.Errorf("%w; %w", se.Err, perr)}
}
