package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/hostname"
	"github.com/org/calyptos/inventory"
	"github.com/org/calyptos/localexec"
	"github.com/org/calyptos/redact"
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
	// ConnectTimeout bounds setting up each connection; zero means the
	// transport's default.
	ConnectTimeout time.Duration
	// Passphrase asks for the passphrase of an encrypted key file on the
	// terminal; when stdin is not a terminal it returns an error wrapping
	// the reason and what to do instead.
	Passphrase func(file string) ([]byte, error)
	// PasswordPrompt, set when no password was given, asks for one on
	// the terminal (see sshexec.Options.PasswordPrompt).
	PasswordPrompt func(ctx context.Context, user, host string, attempt int) (string, error)
	// Hosts are the --inventory's per-host connection settings, by the
	// host's inventory name; they win over User, Port and IdentityFiles.
	Hosts map[string]HostSettings
}

// HostSettings say how to reach one host: an inventory's ansible_host,
// ansible_port, ansible_user and ansible_ssh_private_key_file. Zero
// fields keep the defaults.
type HostSettings struct {
	Address      string
	Port         int
	User         string
	IdentityFile string
}

// inventorySettings returns the connection settings of every host of the
// inventory that sets one.
func inventorySettings(inv *inventory.Inventory) map[string]HostSettings {
	if inv == nil {
		return nil
	}
	m := map[string]HostSettings{}
	for _, h := range inv.Hosts() {
		hs := HostSettings{Port: h.Port, User: h.User, IdentityFile: h.KeyFile}
		if h.Address != h.Name {
			hs.Address = h.Address
		}
		if hs != (HostSettings{}) {
			m[h.Name] = hs
		}
	}
	return m
}

// passwordEnv is the environment variable that may hold the SSH password,
// so that it need not be on the command line.
const passwordEnv = "CALYPTOS_SSH_PASSWORD"

// openTransport returns the executor of a debug or execute run: the local
// one with --local, SSH otherwise. Questions (passphrases, the password) are
// asked on con until ctx, the run's, ends.
func (p *Program) openTransport(ctx context.Context, o *options, rb *calyptos.RoleBuilder, con *console) (Transport, error) {
	if o.local {
		if hs := nonLocalHosts(rb.All()); len(hs) > 0 {
			con.errorf("note: --local runs every command on this machine, including those labelled %s", strings.Join(hs[:min(3, len(hs))], ", ")+more(len(hs)-3))
		}
		return nopCloser{localexec.New(localexec.Options{})}, nil
	}
	cfg := SSHConfig{
		User:                  o.user,
		IdentityFiles:         o.identities,
		Password:              cmp.Or(o.password, p.Getenv(passwordEnv)),
		KnownHostsFiles:       o.knownHosts,
		InsecureIgnoreHostKey: o.insecure,
		JumpHost:              o.jump,
		Port:                  o.port,
		Parallel:              o.parallel,
		Timeout:               o.timeout,
		Passphrase: func(file string) ([]byte, error) {
			if !con.term.isTerminal(con.stdin) {
				return nil, fmt.Errorf("cannot ask for it: %w (load the key into an ssh-agent with ssh-add, or give an unencrypted key)", errNoTerminal)
			}
			return con.promptSecret(ctx, fmt.Sprintf("Passphrase for key %s: ", file))
		},
		ConnectTimeout: o.connTimeout,
		Hosts:          inventorySettings(o.inv),
	}
	if cfg.Password == "" {
		cfg.PasswordPrompt = passwordPrompt(ctx, con, o.redactor)
	}
	if cfg.InsecureIgnoreHostKey {
		con.errorf("warning: --insecure-ignore-host-keys: host keys are not verified; anyone on the path can impersonate the hosts and read what is sent")
	}
	return p.SSH(cfg)
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
		name, _, err := hostname.Split(h)
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

// errNoTerminal is returned when a password is needed but cannot be asked.
var errNoTerminal = errors.New("standard input is not a terminal")

// passwordPrompt returns the SSH transport's password callback: the
// password is asked on con's terminal without echo, until the run (runCtx)
// or the transport (ctx) ends, and redacted from everything printed after.
func passwordPrompt(runCtx context.Context, con *console, redactor *redact.Redactor) func(ctx context.Context, user, host string, attempt int) (string, error) {
	return func(ctx context.Context, _, host string, attempt int) (string, error) {
		ctx, cancel := context.WithCancel(ctx)
		defer context.AfterFunc(runCtx, cancel)()
		defer cancel()
		if !con.term.isTerminal(con.stdin) {
			if attempt > 1 {
				return "", fmt.Errorf("%s refused the SSH password given; cannot ask for another: %w", host, errNoTerminal)
			}
			return "", fmt.Errorf("%s needs a password (no SSH key was accepted) and none was given; cannot ask for one: %w "+
				"(pass -p PASSWORD or set %s, or use -i KEY / an ssh-agent)", host, errNoTerminal, passwordEnv)
		}
		prompt := host + " accepted no SSH key. SSH password for the hosts of the deployment: "
		if attempt > 1 {
			prompt = host + " refused that password. Try again: "
		}
		pw, err := con.promptSecret(ctx, prompt)
		if err != nil {
			if ctx.Err() == nil { // not Ctrl-C: the run says why it ends
				con.errorf("%v", err)
			}
			return "", err
		}
		s := string(pw)
		clear(pw)
		redactor.Add(s)
		return s, nil
	}
}
