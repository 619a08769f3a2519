package sshdtest

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Account is a throw-away local account made by CreateAccount. Every
// server of this package lets it log in with its client key (the
// authorized keys file is shared), and with Password when
// Options.Password is set.
type Account struct {
	// Name and Password log in to the account.
	Name, Password string
	// Home is its home directory, where the test can read what its rc
	// files wrote; Shell is its login shell.
	Home, Shell string
}

// AccountOptions configure CreateAccount.
type AccountOptions struct {
	// Shell is the login shell: a program name looked up in PATH and
	// /usr/sbin ("tcsh", "fish", "zsh", "bash", "dash", "nologin"...) or
	// an absolute path; /bin/sh by default. "busybox" is busybox's sh,
	// through a link named ash in the home directory (busybox picks its
	// applet by name, and sshd runs the shell under its base name).
	Shell string
	// Files are written in the home directory, owned by the account:
	// relative path → content, parent directories made as needed
	// (".bashrc", ".config/fish/config.fish").
	Files map[string]string
}

// CreateUser adds a local account with a random password and /bin/sh as
// its shell, for password logins; see CreateAccount.
func CreateUser(t testing.TB) (name, password string) {
	t.Helper()
	a := CreateAccount(t, AccountOptions{})
	return a.Name, a.Password
}

// CreateAccount adds a local account with a random password, the login
// shell and the files in its home directory that opts give, and removes
// it (with its home directory) when the test ends. It needs root, the
// useradd, chpasswd and userdel tools, and the shell; without them the
// test is skipped (failed under CI=true, where .ci/run installs them).
// The password is never logged.
func CreateAccount(t testing.TB, opts AccountOptions) Account {
	t.Helper()
	fail := t.Skipf
	if os.Getenv("CI") == "true" {
		fail = t.Fatalf
	}
	if os.Geteuid() != 0 {
		fail("sshdtest: creating a test account needs root")
	}
	for _, tool := range []string{"useradd", "chpasswd", "userdel"} {
		if _, err := exec.LookPath(tool); err != nil {
			fail("sshdtest: %s not found: cannot create a test account", tool)
		}
	}
	a := Account{Name: "calyptos-" + randomHex(4), Password: randomHex(12)}
	a.Home = filepath.Join("/home", a.Name)
	target, err := shellPath(opts.Shell)
	if err != nil {
		fail("sshdtest: %v", err)
	}
	a.Shell = target
	if opts.Shell == "busybox" {
		a.Shell = filepath.Join(a.Home, ".sshdtest", "ash")
	}
	if out, err := exec.Command("useradd", "-m", "-d", a.Home, "-s", a.Shell, a.Name).CombinedOutput(); err != nil {
		t.Fatalf("sshdtest: useradd %s: %v: %s", a.Name, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("userdel", "-r", "-f", a.Name).CombinedOutput(); err != nil {
			t.Logf("sshdtest: userdel %s: %v: %s", a.Name, err, out)
		}
	})
	cmd := exec.Command("chpasswd")
	cmd.Stdin = strings.NewReader(a.Name + ":" + a.Password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sshdtest: chpasswd %s: %v: %s", a.Name, err, out)
	}
	if err := a.furnish(opts, target); err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
	return a
}

// shellPath resolves AccountOptions.Shell to a program path.
func shellPath(name string) (string, error) {
	switch {
	case name == "":
		return "/bin/sh", nil
	case filepath.IsAbs(name):
		if _, err := os.Stat(name); err != nil {
			return "", fmt.Errorf("login shell %s: %w", name, err)
		}
		return name, nil
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("login shell %s is not installed", name)
}

// furnish writes the account's files and the busybox link, owned by the
// account.
func (a Account) furnish(opts AccountOptions, target string) error {
	u, err := user.Lookup(a.Name)
	if err != nil {
		return err
	}
	uid, _ := strconv.Atoi(u.Uid) // numeric on Linux
	gid, _ := strconv.Atoi(u.Gid)
	mkdirs := func(dir string) error {
		for d := dir; d != a.Home && strings.HasPrefix(d, a.Home+"/"); d = filepath.Dir(d) {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
			if err := os.Lchown(d, uid, gid); err != nil {
				return err
			}
		}
		return nil
	}
	if opts.Shell == "busybox" {
		if err := mkdirs(filepath.Dir(a.Shell)); err != nil {
			return err
		}
		if err := os.Symlink(target, a.Shell); err != nil {
			return err
		}
	}
	for rel, content := range opts.Files {
		p := filepath.Join(a.Home, rel)
		if !filepath.IsLocal(rel) {
			return fmt.Errorf("file %q is not inside the home directory", rel)
		}
		if err := mkdirs(filepath.Dir(p)); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			return err
		}
		if err := os.Lchown(p, uid, gid); err != nil {
			return err
		}
	}
	return nil
}
