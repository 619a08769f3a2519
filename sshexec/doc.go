// Package sshexec is a calyptos.Executor that reaches hosts over SSH
// (golang.org/x/crypto/ssh) and fetches files over SFTP (github.com/pkg/sftp).
//
// # Connections
//
// An Executor keeps one SSH connection per host. It is opened by the first
// command or fetch for that host (concurrent first callers share one dial),
// and every later command and fetch opens a session on it, at most
// Options.MaxSessionsPerHost at a time (sshd's MaxSessions is 10 by default).
// When a connection is found dropped, the next call redials once. Close
// closes them all.
//
// Hosts are written as in environment files: "10.0.0.1", "name",
// "name:2222", "[2001:db8::1]:22" or a bare IPv6 address. User, port, key
// files, jump host, proxy command, known_hosts files, connect timeout and
// keepalives come from, in order: the host string's port, Options.Hosts,
// the Options fields, ~/.ssh/config (Host patterns, HostName, User, Port,
// IdentityFile, ProxyJump, ProxyCommand, UserKnownHostsFile,
// ConnectTimeout, ServerAliveInterval, ServerAliveCountMax), then the
// defaults (port 22, the current OS user). Other ssh_config keywords
// (Match, CertificateFile...) are not supported.
//
// A jump host (Options.JumpHost, HostOptions.JumpHost or ProxyJump) may be
// one bastion or a chain "a,b" crossed in order, as with ssh -J. Each hop
// is one connection, opened once and shared by every target behind it;
// its host key is verified and its user and port resolved like a target's.
// A proxy command (Options.ProxyCommand or ProxyCommand) carries one
// connection over its standard input and output, as with OpenSSH; when it
// exits before the handshake, the error ends with its last stderr line.
//
// # Authentication
//
// Public keys are offered first: Options.IdentityFiles (ed25519, ecdsa,
// rsa; encrypted ones are unlocked through Options.Passphrase), else the
// IdentityFile entries of ssh_config, else ~/.ssh/id_ed25519, id_ecdsa and
// id_rsa, then the keys of the ssh-agent at SSH_AUTH_SOCK. Then, when
// Options.Password is set, password and keyboard-interactive. Without a
// Password, Options.PasswordPrompt (a terminal prompt, say) is asked for one
// when a host refuses the keys, once for every host. Nothing secret is ever
// logged or put in an error.
//
// # Host keys
//
// Host keys are verified against known_hosts files (hashed entries and
// [host]:port forms are understood). An unknown key fails with
// ErrHostKeyUnknown and a changed one with ErrHostKeyChanged; both say which
// file to fix. Options.TrustOnFirstUse appends unknown keys to a file
// instead; Options.InsecureIgnoreHostKey turns verification off for labs,
// and reports it once through the logger and Options.OnInsecure.
//
// # Commands and login shells
//
// Commands are POSIX sh. sshd hands every command to the login user's
// shell, which may be bash, dash, zsh, busybox sh, but also tcsh, csh or
// fish; each would read a command by its own rules. So the login shell
// gets one line of fixed form that all of them read alike, and that only
// starts /bin/sh in its place (exec); /bin/sh then runs the command. The
// login shell starts once per command and reads its rc files once, as
// with `ssh host cmd`, and the command sees the environment it exported
// (not its aliases, functions or unexported variables). What the rc files
// print is part of the output, once, as with ssh. The command's shell is
// the session's process ($$), as with ssh; its $0 is "sh" and it has no
// arguments.
//
// An account that cannot run commands (its shell is nologin or false, an
// rc file exits, a restricted shell refuses /bin/sh) fails every command
// with ErrLoginShell, which wraps calyptos.ErrTransport and quotes the
// end of what the login shell wrote ("This account is currently not
// available."). It is told apart by /bin/sh itself, which writes a marker
// line on stderr before anything else (sshexec removes it): a session
// that ends without it never reached /bin/sh. An rc file that sends the
// shell's stderr elsewhere hides the marker too, and its commands fail
// the same way.
//
// The line holds the command as it is, or, when it has quotes, newlines,
// '!' or bytes outside printable ASCII, encoded (a printf format of
// printable ASCII, decoded by /bin/sh). Linux passes at most 128 KiB as
// one argument, which bounds a command to somewhat less; a longer one does
// not start, and its error says so (it is not ErrLoginShell). A
// self-bounded script goes on stdin instead (see below).
//
// # Errors and deadlines
//
// A command that exits non-zero is a calyptos.Output with its exit code,
// not an error. Failures to reach a host at all (ErrConfig, ErrDial,
// ErrHandshake, the host-key errors, ErrAuth) and a login that cannot run
// commands (ErrLoginShell) wrap calyptos.ErrTransport, which makes the
// calyptos runner stop sending that host commands.
//
// Two limits apply to a call. Setting up a connection (opening it,
// directly or through jump hosts or a proxy command, the SSH handshake and
// authentication) is bounded by Options.ConnectTimeout (20s by default,
// or ssh_config's ConnectTimeout); a host not connected within it fails
// with "could not connect within 20s (connect timeout)", a transport
// error: the runner marks the host unreachable and no later check dials
// it again. The command is bounded by its context; when the context comes
// from the calyptos runner (executor.CommandLimit), the command timeout
// starts once the connection is up, so set-up time is not taken from it.
// A call cut by its deadline wraps context.DeadlineExceeded and says which
// limit ran out: "did not finish within 2m0s (command timeout)".
//
// When a command's deadline passes or its call is cancelled, Run returns
// at once and closes the session, and the command ends on the host too,
// with everything it started, whoever the login user is (root included,
// whose sessions OpenSSH will not signal). Every command runs under a
// small POSIX sh wrapper, in the /bin/sh the login shell became: the
// session's process, a process-group leader, runs the command itself, and
// a watcher process (not its child) waits on the session's standard
// input, which the client holds open until the command ends: when the
// session closes first, the watcher sends the group SIGTERM, then SIGKILL
// two seconds later. The command runs with the same output and exit
// status, and an empty standard input (/dev/null). What it starts in the
// background survives it when it ends by itself, as with ssh; what leaves
// the process group (setsid, daemons) is not followed. A deadline that
// passes while the login shell still reads its rc files says so ("the
// login shell had not started the command yet"); the command, started
// when they are done, ends at once. A host that stops answering
// altogether ends the command only when its sshd notices the connection
// is gone.
//
// A command whose context is marked by executor.WithSelfBounded (the
// gathering and probe scripts of calyptos debug, which bound their own
// commands) runs without the wrapper, in the /bin/sh the login shell
// became, which saves the host two processes per session. A script that
// is not a short plain line (any with a newline or a quote, such as
// those) goes on the session's standard input, not in the command line:
// /bin/sh reads it there, needing no process to decode it, and it may be
// longer than the 128 KiB a command line holds (but for Options.Sudo,
// where it is still an argument of sudo); a login shell whose
// start-up file reads standard input takes some of it, and then none of
// it runs (ErrLoginShell). The script's standard input is at its end
// (/dev/null, or for a short plain one a pipe at its end). When its call ends
// early, Run still returns at once, and the command runs on to its own
// bound on the host, keeping its sshd session
// until then (sshd allows ten per connection by default: a call that
// follows many abandoned ones may be refused a session); what it left in
// the background is not stopped.
//
// Every open connection sends a keepalive after each
// Options.KeepAliveInterval (15s by default, or ssh_config's
// ServerAliveInterval) in which nothing came from the server. When
// nothing has come for KeepAliveInterval × (KeepAliveCountMax+1), 60s by
// default (KeepAliveCountMax keepalives unanswered, as with OpenSSH's
// ServerAliveCountMax), the connection is dropped: a host that hangs or
// drops off the network mid-command fails that command with ErrConnLost,
// "connection lost: no answer from the server for 1m0s (3 keepalives
// sent 15s apart went unanswered)", instead of holding it to its
// deadline. A connection closed by the server (sshd killed or restarted)
// gives ErrConnLost too; the next call redials.
//
// # Host names and ProxyCommand
//
// A proxy command runs through /bin/sh with %h, %n and %r replaced by
// shell-quoted values; as OpenSSH does, a host name containing shell
// metacharacters (' ` " $ \ ; & < > | ( ) { }), blanks or control
// characters, or starting with '-', is refused (ErrConfig) when a proxy
// command would be given it, since the command may put %h inside quotes
// of its own; so is such a user name (where $ and \ are allowed). Without
// a proxy command such names are never given to a shell.
//
// Paths (Options.IdentityFiles, KnownHostsFiles, TrustOnFirstUse,
// SSHConfig, AgentSocket, and ssh_config's IdentityFile and
// UserKnownHostsFile) may start with ~, ~/ or ~user/, as for ssh.
//
// Output is capped per stream at Options.MaxOutput (4 MiB by default):
// beyond it output is read and discarded, Output.Truncated is set and a
// marker line (TruncatedMarker) ends the stream.
//
// # Fetching files
//
// Fetch streams a remote file into an io.Writer in constant memory over
// SFTP, one SFTP client per connection, and falls back to `cat` when the
// server has no sftp subsystem. A remote path that is not a regular file
// (a named pipe, which would block the transfer, or a device, which might
// never end) is not read: ErrNotRegular. FetchFile writes into a directory through a
// temporary file and a rename, so that a failed transfer never leaves a
// partial file behind.
package sshexec
