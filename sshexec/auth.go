package sshexec

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
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
// and keyboard-interactive. The returned closer ends the agent connection
// once the handshake is over; names lists the methods for logs.
func (e *Executor) authFor(t *target) (methods []ssh.AuthMethod, names []string, closer io.Closer) {
	signers := append([]ssh.Signer(nil), e.signers...)
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
		c, err := net.DialTimeout("unix", sock, e.opts.HandshakeTimeout)
		if err != nil {
			e.log.Debug("ssh: agent unavailable", "socket", sock, "error", err)
		} else {
			// A stuck agent must not stall the dial: listing keys and
			// signing during the handshake share the handshake's limit.
			_ = c.SetDeadline(time.Now().Add(e.opts.HandshakeTimeout))
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
	if e.opts.Password != "" {
		methods = append(methods, ssh.Password(e.opts.Password),
			ssh.KeyboardInteractive(passwordChallenge(e.opts.Password)))
		names = append(names, "password", "keyboard-interactive")
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
