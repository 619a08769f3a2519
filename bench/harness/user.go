package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"

	"golang.org/x/crypto/ssh"
)

// benchUser is the account the tools log in to on the loopback hosts.
//
// It exists because a real host's login costs little, while logging in to
// this machine's root runs root's shell start-up files (Debian's bash
// reads ~/.bashrc even for `ssh host cmd`), which here start pyenv: about
// 100 ms of CPU and a hundred processes per login, on the same 2 cores
// as the client being measured. The benchmark user's shell is /bin/sh
// (dash), which reads no start-up file for a command.
type benchUser struct {
	name    string
	home    string
	uid     int
	gid     int
	created bool // by us: removed by remove
}

// ensureUser returns the account name, creating it (no password, login
// by key only, shell /bin/sh) if it does not exist. It needs root.
func ensureUser(name string) (*benchUser, error) {
	u, err := user.Lookup(name)
	created := false
	if errors.As(err, new(user.UnknownUserError)) {
		out, uerr := exec.Command("useradd", "--create-home", "--shell", "/bin/sh", "--password", "*",
			"--comment", "calyptos benchmark (temporary)", name).CombinedOutput()
		if uerr != nil {
			return nil, fmt.Errorf("useradd %s (the benchmark needs root): %w: %s", name, uerr, out)
		}
		created = true
		u, err = user.Lookup(name)
	}
	if err != nil {
		return nil, fmt.Errorf("benchmark user %s: %w", name, err)
	}
	b := &benchUser{name: name, home: u.HomeDir, created: created}
	b.uid, _ = strconv.Atoi(u.Uid)
	b.gid, _ = strconv.Atoi(u.Gid)
	return b, nil
}

func (b *benchUser) authorizedKeys() string {
	return filepath.Join(b.home, ".ssh", "authorized_keys")
}

// authorize makes key the only authorized key of the account.
func (b *benchUser) authorize(key ssh.PublicKey) error {
	dir := filepath.Join(b.home, ".ssh")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(b.authorizedKeys(), ssh.MarshalAuthorizedKey(key), 0o600); err != nil {
		return err
	}
	for _, p := range []string{dir, b.authorizedKeys()} {
		if err := os.Chown(p, b.uid, b.gid); err != nil {
			return err
		}
	}
	return nil
}

// remove deletes the account and its home if ensureUser created it.
func (b *benchUser) remove() error {
	if !b.created {
		return nil
	}
	if out, err := exec.Command("userdel", "--remove", "--force", b.name).CombinedOutput(); err != nil {
		return fmt.Errorf("userdel %s: %v: %s", b.name, err, out)
	}
	return nil
}
