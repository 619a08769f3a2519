package sshexec

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/org/calyptos"
)

// Errors returned by the Executor, checkable with errors.Is. Every error
// names the host it is about and never contains a password or key.
//
// ErrConfig, ErrDial, ErrHandshake, ErrHostKeyUnknown, ErrHostKeyChanged,
// ErrAuth and ErrLoginShell also wrap calyptos.ErrTransport: the host
// cannot be used at all, and the runner stops sending it commands. The
// other errors concern one command or one connection and leave the host
// usable.
var (
	// ErrDial: the TCP connection (direct or through the jump host) could
	// not be opened: refused, unreachable, or the dial timeout passed.
	ErrDial = errors.New("cannot connect")
	// ErrHandshake: the SSH handshake failed or did not finish within the
	// handshake timeout (a port that accepts TCP but does not speak SSH).
	ErrHandshake = errors.New("ssh handshake failed")
	// ErrHostKeyUnknown: the server's host key is in no known_hosts file.
	ErrHostKeyUnknown = errors.New("host key unknown")
	// ErrHostKeyChanged: known_hosts holds a different key for the host
	// (or the key is revoked): possibly a man-in-the-middle attack.
	ErrHostKeyChanged = errors.New("host key changed")
	// ErrAuth: the server refused every authentication method offered.
	ErrAuth = errors.New("authentication failed")
	// ErrLoginShell: the login succeeded, but the account's login shell
	// ended without running the command: a nologin or false shell, an rc
	// file that exits, a restricted shell that refuses /bin/sh. The error
	// gives the shell's exit status and the end of what it wrote (capped
	// and quoted: "This account is currently not available.").
	ErrLoginShell = errors.New("the login shell did not run the command")
	// ErrConnLost: the connection dropped while a command or transfer was
	// running, so its result is unknown. The next call redials.
	ErrConnLost = errors.New("connection lost")
	// ErrSessionRefused: the server would not open a session on a live
	// connection (its MaxSessions is lower than MaxSessionsPerHost).
	ErrSessionRefused = errors.New("session refused")
	// ErrNoExitStatus: the command ended without reporting an exit status
	// (the server closed the session without one). Its Output carries what
	// was read, with ExitCode -1.
	ErrNoExitStatus = errors.New("no exit status")
	// ErrNotRegular: Fetch was asked for a remote path that is not a
	// regular file (a named pipe, a device, a directory, a socket), which
	// it does not read: a pipe would block the transfer and a device
	// might never end.
	ErrNotRegular = errors.New("not a regular file")
	// ErrClosed: the Executor has been closed.
	ErrClosed = errors.New("executor closed")
	// ErrConfig: the host could not be resolved (bad host string, bad
	// jump host, unreadable key file or ssh_config).
	ErrConfig = errors.New("configuration error")
)

// Error is the error type of every failure about a host. Use errors.Is with
// the sentinels above (and calyptos.ErrTransport, context.DeadlineExceeded,
// fs.ErrNotExist...) rather than inspecting it.
type Error struct {
	// Host is the host as the caller wrote it.
	Host string
	// Op is what was being done: "resolve", "dial", "handshake", "host key",
	// "auth", "session", "run" or "fetch".
	Op string
	// Kind is the sentinel for the failure, or nil.
	Kind error
	// Err is the underlying error.
	Err error
}

// Error returns "ssh <host>: <op>: <cause>".
func (e *Error) Error() string {
	msg := "ssh " + e.Host + ": " + e.Op
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	} else if e.Kind != nil {
		msg += ": " + e.Kind.Error()
	}
	return msg
}

// Unwrap returns the sentinel, calyptos.ErrTransport for transport
// failures, and the underlying error.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
		if isTransport(e.Kind) {
			errs = append(errs, calyptos.ErrTransport)
		}
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

func isTransport(kind error) bool {
	switch kind {
	case ErrConfig, ErrDial, ErrHandshake, ErrHostKeyUnknown, ErrHostKeyChanged, ErrAuth, ErrLoginShell:
		return true
	}
	return false
}

// notStarted explains a session that ended without reaching /bin/sh: the
// exit status of the login shell, and what it wrote on stderr and stdout
// (host text: capped by the caller, quoted here so that no byte of it
// reaches a terminal as is). It is ErrLoginShell, unless the line the
// shell was given (lineLen bytes) was too long for Linux to start it: then
// the command, not the account, is at fault.
func notStarted(host string, code int, stderr, stdout []byte, lineLen int) *Error {
	var said []string
	for _, s := range [][]byte{stderr, stdout} {
		if t := strings.TrimSpace(string(s)); t != "" {
			said = append(said, strconv.Quote(t))
		}
	}
	words := " and said nothing"
	if len(said) > 0 {
		words = "; it said " + strings.Join(said, " and ")
	}
	if lineLen > maxArgLen {
		return &Error{Host: host, Op: "run", Err: fmt.Errorf("the command did not start: it is %d bytes as sent to the login shell, more than Linux passes to a program (%d); the login shell exited %d%s",
			lineLen, maxArgLen, code, words)}
	}
	return &Error{Host: host, Op: "run", Kind: ErrLoginShell, Err: fmt.Errorf("the login shell exited %d without running the command%s", code, words)}
}
