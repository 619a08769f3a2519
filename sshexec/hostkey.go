package sshexec

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// hostKeys verifies server host keys against known_hosts files, with
// optional trust on first use.
type hostKeys struct {
	insecure bool
	tofuFile string
	log      *slog.Logger
	probe    ssh.PublicKey // a key no server has, to list the known keys of a host

	mu      sync.Mutex
	dbs     map[string]ssh.HostKeyCallback // by joined file list; nil: no file exists
	learned map[string][]ssh.PublicKey     // keys accepted by TOFU, by knownhosts.Normalize(addr)
}

func (hk *hostKeys) db(files []string) (ssh.HostKeyCallback, error) {
	key := strings.Join(files, "\x00")
	hk.mu.Lock()
	defer hk.mu.Unlock()
	if cb, ok := hk.dbs[key]; ok {
		return cb, nil
	}
	var existing []string
	for _, f := range files {
		if _, err := os.Stat(f); err == nil {
			existing = append(existing, f)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("known_hosts %s: %w", f, err)
		}
	}
	var cb ssh.HostKeyCallback
	if len(existing) > 0 {
		var err error
		if cb, err = knownhosts.New(existing...); err != nil {
			return nil, fmt.Errorf("known_hosts: %w", err)
		}
	}
	hk.dbs[key] = cb
	return cb, nil
}

// algorithms returns the host key algorithms to ask the server for: those
// of the keys known for addr, so that a server with several host keys
// presents the one known_hosts has rather than failing as "changed". nil
// means the client's defaults.
func (hk *hostKeys) algorithms(t *target) []string {
	if hk.insecure {
		return nil
	}
	cb, err := hk.db(t.knownHosts)
	var keys []ssh.PublicKey
	if err == nil && cb != nil {
		var ke *knownhosts.KeyError
		if errors.As(cb(t.addr, probeAddr, hk.probe), &ke) {
			for _, k := range ke.Want {
				keys = append(keys, k.Key)
			}
		}
	}
	hk.mu.Lock()
	keys = append(keys, hk.learned[knownhosts.Normalize(t.addr)]...)
	hk.mu.Unlock()
	var algos []string
	seen := map[string]bool{}
	add := func(as ...string) {
		for _, a := range as {
			if !seen[a] {
				seen[a] = true
				algos = append(algos, a)
			}
		}
	}
	for _, k := range keys {
		if k.Type() == ssh.KeyAlgoRSA {
			add(ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA)
		} else {
			add(k.Type())
		}
	}
	return algos
}

var probeAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 22}

// check is the HostKeyCallback for t. Its errors are *Error values with
// ErrHostKeyUnknown or ErrHostKeyChanged that say which file to fix.
func (hk *hostKeys) check(t *target, remote net.Addr, key ssh.PublicKey) error {
	if hk.insecure {
		return nil
	}
	norm := knownhosts.Normalize(t.addr)
	fp := ssh.FingerprintSHA256(key)
	cb, err := hk.db(t.knownHosts)
	if err != nil {
		return &Error{Host: t.key, Op: "host key", Kind: ErrHostKeyUnknown, Err: err}
	}
	var ke *knownhosts.KeyError
	if cb != nil {
		err := cb(t.addr, remote, key)
		if err == nil {
			return nil
		}
		var re *knownhosts.RevokedError
		if errors.As(err, &re) {
			return &Error{Host: t.key, Op: "host key", Kind: ErrHostKeyChanged,
				Err: fmt.Errorf("%s key %s of %s is revoked in %s", key.Type(), fp, norm, re.Revoked.String())}
		}
		if !errors.As(err, &ke) {
			return &Error{Host: t.key, Op: "host key", Kind: ErrHostKeyUnknown, Err: err}
		}
	}
	if ke != nil && len(ke.Want) > 0 {
		w := ke.Want[0]
		return &Error{Host: t.key, Op: "host key", Kind: ErrHostKeyChanged, Err: fmt.Errorf(
			"REMOTE HOST KEY HAS CHANGED for %s: the server offers %s %s but %s:%d has %s %s; "+
				"this may be a man-in-the-middle attack. If the change is expected, remove line %d of %s",
			norm, key.Type(), fp, w.Filename, w.Line, w.Key.Type(), ssh.FingerprintSHA256(w.Key), w.Line, w.Filename)}
	}

	// Unknown host.
	hk.mu.Lock()
	defer hk.mu.Unlock()
	for _, k := range hk.learned[norm] {
		if bytes.Equal(k.Marshal(), key.Marshal()) {
			return nil
		}
	}
	if hk.tofuFile == "" {
		return &Error{Host: t.key, Op: "host key", Kind: ErrHostKeyUnknown, Err: fmt.Errorf(
			"no known_hosts entry for %s (checked %s); verify its %s key %s and add it to %s",
			norm, strings.Join(t.knownHosts, ", "), key.Type(), fp, t.knownHosts[0])}
	}
	if len(hk.learned[norm]) > 0 {
		// Learned a different key earlier in this run.
		return &Error{Host: t.key, Op: "host key", Kind: ErrHostKeyChanged, Err: fmt.Errorf(
			"REMOTE HOST KEY HAS CHANGED for %s since it was trusted on first use in %s", norm, hk.tofuFile)}
	}
	if err := appendKnownHost(hk.tofuFile, t.addr, remote, key); err != nil {
		var ke *knownhosts.KeyError
		if errors.As(err, &ke) && len(ke.Want) > 0 {
			w := ke.Want[0]
			return &Error{Host: t.key, Op: "host key", Kind: ErrHostKeyChanged, Err: fmt.Errorf(
				"REMOTE HOST KEY HAS CHANGED for %s: the server offers %s %s but another run trusted %s %s on first use in %s:%d",
				norm, key.Type(), fp, w.Key.Type(), ssh.FingerprintSHA256(w.Key), w.Filename, w.Line)}
		}
		return &Error{Host: t.key, Op: "host key", Kind: ErrHostKeyUnknown, Err: err}
	}
	hk.learned[norm] = append(hk.learned[norm], key)
	hk.log.Warn("ssh: trusting a new host key on first use", "host", norm, "type", key.Type(), "fingerprint", fp, "file", hk.tofuFile)
	return nil
}

// appendKnownHost adds key for addr to file, under an exclusive lock on the
// file so that runs in other processes trusting the same hosts at the same
// time neither interleave lines nor trust two different keys: under the
// lock the file is read again, and a key another run added meanwhile is
// accepted if it matches, or returned as a *knownhosts.KeyError if not.
func appendKnownHost(file, addr string, remote net.Addr, key ssh.PublicKey) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return fmt.Errorf("trust on first use: %w", err)
	}
	f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("trust on first use: %w", err)
	}
	defer f.Close()
	unlock, err := lockFile(f)
	if err != nil {
		return fmt.Errorf("trust on first use: locking %s: %w", file, err)
	}
	defer unlock()
	cb, err := knownhosts.New(file)
	if err != nil {
		return fmt.Errorf("trust on first use: %w", err)
	}
	err = cb(addr, remote, key)
	var ke *knownhosts.KeyError
	switch {
	case err == nil:
		return nil // another run trusted this very key
	case errors.As(err, &ke) && len(ke.Want) > 0:
		return err // another run trusted a different key
	}
	line := knownhosts.Line([]string{knownhosts.Normalize(addr)}, key) + "\n"
	// As OpenSSH does: a last line without its newline (a file written by
	// hand) must not get the new entry glued to it.
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, st.Size()-1); err == nil && last[0] != '\n' {
			line = "\n" + line
		}
	}
	if _, err := f.WriteString(line); err != nil {
		return fmt.Errorf("trust on first use: %s: %w", file, err)
	}
	return nil
}
