package sshexec

import (
	"context"
	"log/slog"
	"time"
)

// Defaults for Options fields left zero.
const (
	DefaultConnectTimeout     = 20 * time.Second
	DefaultMaxSessionsPerHost = 10 // sshd's default MaxSessions
	DefaultMaxOutput          = 4 << 20
	DefaultKeepAliveInterval  = 15 * time.Second
	DefaultKeepAliveCountMax  = 3
)

// Options configure an Executor. The zero value connects as the current OS
// user with the ssh-agent (if SSH_AUTH_SOCK is set) and the default key
// files, verifies host keys against ~/.ssh/known_hosts, and reads
// ~/.ssh/config.
//
// Precedence for each host, highest first: a port written in the host
// string ("name:2222"), Hosts[host], the fields of Options, ~/.ssh/config,
// then the defaults (port 22, the current OS user).
type Options struct {
	// User is the login user; default the ssh_config User for the host,
	// then the current OS user.
	User string
	// Port is the SSH port for hosts written without one; default the
	// ssh_config Port, then 22.
	Port int
	// IdentityFiles are private key files (ed25519, ecdsa, rsa, in OpenSSH
	// or PEM format) tried first. They are loaded by New, so a missing or
	// undecryptable file is reported at once. When no key file is given
	// here or in ssh_config, ~/.ssh/id_ed25519, id_ecdsa and id_rsa are
	// tried if they exist.
	IdentityFiles []string
	// Passphrase is asked for the passphrase of an encrypted key file,
	// once per file. Without it encrypted keys given in IdentityFiles are
	// an error and encrypted default keys are skipped.
	Passphrase func(file string) ([]byte, error)
	// Password enables password and keyboard-interactive authentication
	// (every prompt that does not echo is answered with it). It is never
	// logged or put in an error.
	Password string
	// PasswordPrompt, when Password is empty, is asked for a password the
	// first time a host refuses every key; user and host are the login
	// and the host as written, attempt counts from 1. Its answer is tried
	// on that host and offered to every later one (after the keys). When
	// no host accepts it, it is asked again, MaxPasswordAttempts times in
	// all; once a host accepts one, it is never asked again. It is called
	// by one host at a time, between two handshakes, so a person's typing
	// does not count against ConnectTimeout (nor, under the runner,
	// against a command's time). ctx ends when the Executor is closed; a
	// command that gives up waiting (its context ended) does not end it,
	// as other hosts may wait for the answer. An error ends
	// the prompts: every host that needs a password fails with
	// ErrAuth wrapping it. The answer is never logged.
	PasswordPrompt func(ctx context.Context, user, host string, attempt int) (string, error)
	// AgentSocket is the ssh-agent socket; default $SSH_AUTH_SOCK.
	AgentSocket string
	// DisableAgent turns the ssh-agent off.
	DisableAgent bool

	// KnownHostsFiles are the known_hosts files host keys are checked
	// against (hashed entries and [host]:port forms are understood).
	// Default: the ssh_config UserKnownHostsFile for the host, else
	// ~/.ssh/known_hosts, plus /etc/ssh/ssh_known_hosts when it exists.
	KnownHostsFiles []string
	// TrustOnFirstUse, when set, is a known_hosts file to which the key of
	// a host found in no known_hosts file is appended, accepting it. A key
	// that differs from a known one is still refused. The file is locked
	// (flock) while it is read again and appended to, so runs in several
	// processes sharing it agree on one key per host.
	TrustOnFirstUse string
	// InsecureIgnoreHostKey accepts any host key: for throw-away labs
	// only. Its first use is reported once, with slog Warn and OnInsecure.
	InsecureIgnoreHostKey bool
	// OnInsecure, if set, is called once with a warning the first time a
	// connection is made without verifying the host key, so that a CLI can
	// print it.
	OnInsecure func(warning string)

	// JumpHost is a bastion, "[user@]host[:port]", that every connection
	// goes through, or a comma-separated chain of them crossed in order
	// (ProxyJump syntax, like ssh -J a,b); default the ssh_config ProxyJump
	// for the host. "none" disables ProxyJump from ssh_config. Each hop's
	// connection is reused by every target behind it and its host key is
	// verified like any other.
	JumpHost string

	// ProxyCommand is a command whose standard input and output carry
	// every connection, as ssh_config's ProxyCommand: it runs with
	// /bin/sh, after %h, %p, %r and %n are replaced by the shell-quoted
	// host name, port, user and host as written. Default: ssh_config's
	// ProxyCommand for the host, unless a jump host applies. "none"
	// disables it. A host or user name with shell metacharacters is
	// refused for it, as by OpenSSH (see the package doc).
	ProxyCommand string

	// SSHConfig is the ssh_config file to read; default ~/.ssh/config.
	// Host patterns, HostName, User, Port, IdentityFile, ProxyJump,
	// ProxyCommand, UserKnownHostsFile, ConnectTimeout,
	// ServerAliveInterval and ServerAliveCountMax are honoured.
	SSHConfig string
	// DisableSSHConfig ignores ssh_config files.
	DisableSSHConfig bool

	// ConnectTimeout bounds setting up a connection to a host: opening
	// it (directly, through the jump hosts or the proxy command), the SSH
	// handshake and authentication, together. Default the ssh_config
	// ConnectTimeout for the host, then DefaultConnectTimeout. It is not
	// taken from a command's time when the runner's calls are used (see
	// executor.CommandLimit): the command gets its whole timeout once
	// connected. A host that cannot be connected within it fails with
	// ErrDial or ErrHandshake, "could not connect within 20s (connect
	// timeout)", which the runner takes as the host being unreachable.
	ConnectTimeout time.Duration
	// DialTimeout, if set, also bounds opening the connection alone;
	// HandshakeTimeout the SSH handshake and authentication alone. Both
	// run within ConnectTimeout.
	DialTimeout      time.Duration
	HandshakeTimeout time.Duration
	// KeepAliveInterval is how often an open connection is asked whether
	// the server is still there, when nothing came from it in that time
	// (OpenSSH's ServerAliveInterval). When nothing has come for
	// KeepAliveInterval × (KeepAliveCountMax+1), 60s by default, the
	// connection is dropped: commands in flight on it fail with
	// ErrConnLost at once instead of waiting for their deadline, and the
	// next call redials. Default the ssh_config ServerAliveInterval, then
	// DefaultKeepAliveInterval; negative disables it.
	KeepAliveInterval time.Duration
	// KeepAliveCountMax is how many keepalives may go unanswered; default
	// the ssh_config ServerAliveCountMax, then DefaultKeepAliveCountMax.
	KeepAliveCountMax int
	// MaxSessionsPerHost bounds the sessions open at once on one
	// connection (commands, plus one for SFTP once used); keep it at or
	// below the servers' MaxSessions. Default DefaultMaxSessionsPerHost.
	MaxSessionsPerHost int
	// MaxHosts bounds how many hosts have commands in flight at once;
	// callers for other hosts wait. Zero means no bound (the runner's
	// RunOptions.Parallel already bounds fan-outs).
	MaxHosts int
	// MaxOutput caps each of stdout and stderr per command (default
	// DefaultMaxOutput). Beyond it the output is read and discarded, and
	// Output.Truncated is set.
	MaxOutput int

	// Sudo runs every command as `sudo -n sh -c '<command>'`, and fetches
	// with `sudo -n cat` instead of SFTP.
	Sudo bool

	// Hosts overrides settings per host, keyed by the host as written in
	// the environment file or by its name without the port.
	Hosts map[string]HostOptions

	// Logger receives debug records (dials, authentication methods tried,
	// timings) and warnings; nil discards them. Secrets are never logged.
	Logger *slog.Logger
}

// HostOptions override Options for one host, as an inventory's host
// variables (ansible_host, ansible_port, ansible_user,
// ansible_ssh_private_key_file) override the command line's defaults.
type HostOptions struct {
	// HostName is the address to dial instead of the host's name; the
	// ssh_config applies to it (its Host patterns match it, its HostName
	// may rewrite it), as ssh's config applies to the address ssh is given.
	HostName string
	User     string
	Port     int
	// IdentityFiles are private key files tried first for this host, before
	// Options.IdentityFiles; a file that is missing or cannot be read
	// without a passphrase is skipped, as ssh skips it.
	IdentityFiles []string
	// JumpHost overrides Options.JumpHost; "none" connects directly.
	JumpHost string
}
