// Package localexec is a calyptos.Executor that runs commands on this
// machine, for trying the debuggers without any SSH setup and for checking
// a single-host deployment from the host itself.
//
// Every host name is the local machine: the host argument of Run and Fetch
// is ignored, unless Options.Hosts restricts the names the executor
// answers for (a host outside that set gets an error wrapping
// ErrUnknownHost and calyptos.ErrTransport, as an unreachable host would).
//
// Commands run as `/bin/sh -c command` in their own process group. When the
// context ends, the whole group is killed, so `sh -c 'sleep 100'` and any
// other children die with the shell, and Run returns promptly with an error
// wrapping the context's error (saying which limit ran out, "did not
// finish within 2s (command timeout)", when it was a deadline). Each
// command gets a TMPDIR of its own, a fresh directory in the TMPDIR it
// would have had: when the command is killed, that directory goes with
// whatever the command left in it (a killed shell runs no cleanup trap);
// when it ends by itself, the directory is removed if it is empty.
// Standard output and standard error are kept
// apart and each is capped (Options.MaxOutput); a capped stream sets
// Output.Truncated.
package localexec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"slices"
	"time"

	"github.com/org/calyptos"
)

// Defaults for Options fields left zero.
const (
	// DefaultMaxOutput is how much of each of stdout and stderr Run keeps.
	DefaultMaxOutput = 4 << 20
	// DefaultShell runs the commands.
	DefaultShell = "/bin/sh"
	// DefaultWaitDelay is how long Run waits for the output pipes to close
	// after the process group was killed or the shell exited.
	DefaultWaitDelay = 2 * time.Second
)

// Errors of Run and Fetch, checkable with errors.Is.
var (
	// ErrUnknownHost is wrapped by the errors returned for a host outside
	// Options.Hosts.
	ErrUnknownHost = errors.New("host not served by the local executor")
	// ErrNotRegularFile is wrapped by Fetch's error for a path that is
	// not a regular file: a directory, a named pipe (whose opening would
	// wait for a writer, whatever the context), a device or a socket.
	ErrNotRegularFile = errors.New("not a regular file")
)

// Options configure an Executor. The zero value is ready to use.
type Options struct {
	// Hosts, when non-empty, are the only host names Run and Fetch accept.
	// When empty, every host name means this machine.
	Hosts []string
	// MaxOutput caps each of stdout and stderr, in bytes (default
	// DefaultMaxOutput). Output beyond it is read and discarded.
	MaxOutput int
	// Shell is the shell that runs commands with -c (default DefaultShell).
	Shell string
	// Dir is the working directory of commands (default: the current one).
	Dir string
	// Env is the environment of commands, as os/exec takes it (default:
	// this process's environment).
	Env []string
	// WaitDelay bounds how long Run waits for the output pipes once the
	// shell exited or was killed (default DefaultWaitDelay); it matters when
	// a command leaves a daemon holding its output open.
	WaitDelay time.Duration
}

// Executor runs commands and reads files on this machine. It is safe for
// concurrent use.
type Executor struct {
	opts Options
}

// New returns an Executor with opts.
func New(opts Options) *Executor {
	if opts.MaxOutput <= 0 {
		opts.MaxOutput = DefaultMaxOutput
	}
	if opts.Shell == "" {
		opts.Shell = DefaultShell
	}
	if opts.WaitDelay <= 0 {
		opts.WaitDelay = DefaultWaitDelay
	}
	opts.Hosts = slices.Clone(opts.Hosts)
	opts.Env = slices.Clone(opts.Env)
	return &Executor{opts: opts}
}

var _ calyptos.Executor = (*Executor)(nil)

func (e *Executor) checkHost(host string) error {
	if len(e.opts.Hosts) == 0 || slices.Contains(e.opts.Hosts, host) {
		return nil
	}
	return unknownHostError{host}
}

// unknownHostError is the error for a host outside Options.Hosts; its hint
// replaces the runner's, written for SSH.
type unknownHostError struct{ host string }

func (e unknownHostError) Error() string {
	return fmt.Sprintf("%v: %q: %v", calyptos.ErrTransport, e.host, ErrUnknownHost)
}

func (e unknownHostError) Unwrap() []error { return []error{calyptos.ErrTransport, ErrUnknownHost} }

// Hint implements executor.HintError.
func (e unknownHostError) Hint() string {
	return "this run executes commands on this machine only, for the hosts it was given (localexec.Options.Hosts): add the host there, or run over SSH"
}

// Run runs command with the shell and returns what it printed and its exit
// status. A command that ran and exited non-zero is not an error. A
// command killed by a signal has exit code 128 plus the signal number, as
// in a shell. The error is non-nil when the shell could not be started
// (wrapping calyptos.ErrTransport) or when ctx ended first (wrapping
// ctx.Err(); the Output then holds what was printed until then).
func (e *Executor) Run(ctx context.Context, host, command string) (calyptos.Output, error) {
	if err := e.checkHost(host); err != nil {
		return calyptos.Output{}, err
	}
	if err := ctx.Err(); err != nil {
		return calyptos.Output{}, fmt.Errorf("run on %s: %w", host, err)
	}
	stdout := &capWriter{max: e.opts.MaxOutput}
	stderr := &capWriter{max: e.opts.MaxOutput}
	cmd := exec.CommandContext(ctx, e.opts.Shell, "-c", command)
	cmd.Dir = e.opts.Dir
	env := e.opts.Env
	if env == nil {
		env = os.Environ()
	}
	tmp, env := privateTempDir(env)
	cmd.Env = env
	cmd.Stdin = nil // /dev/null: a command waiting for input must not hang
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	cmd.WaitDelay = e.opts.WaitDelay
	ownProcessGroup(cmd)

	start := time.Now()
	err := cmd.Run()
	out := calyptos.Output{
		Stdout:    stdout.String(),
		Stderr:    stderr.String(),
		Truncated: stdout.truncated || stderr.truncated,
	}
	if cerr := ctx.Err(); cerr != nil {
		removeTempDir(tmp, true)
		out.ExitCode = exitCode(cmd.ProcessState)
		return out, fmt.Errorf("run on %s: %w", host, explain(ctx, start, cerr))
	}
	removeTempDir(tmp, false)
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return out, nil
	case errors.As(err, &exitErr):
		out.ExitCode = exitCode(exitErr.ProcessState)
		return out, nil
	case errors.Is(err, exec.ErrWaitDelay):
		// The shell exited but something it started kept the output open:
		// the result is known, the rest of the output is not.
		out.ExitCode = exitCode(cmd.ProcessState)
		out.Truncated = true
		return out, nil
	}
	return out, fmt.Errorf("run on %s: %w: %w", host, calyptos.ErrTransport, err)
}

// Fetch copies the local file at path to dst, streaming it. A missing file
// is an error wrapping fs.ErrNotExist, anything but a regular file one
// wrapping ErrNotRegularFile; the copy stops with ctx's error when ctx
// ends, and with dst's error when a write fails.
func (e *Executor) Fetch(ctx context.Context, host, path string, dst io.Writer) error {
	if err := e.checkHost(host); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("fetch %s: %w", path, err)
	}
	f, err := openNoWait(path)
	if err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("fetch %s: %w (%s)", path, ErrNotRegularFile, fileKind(st.Mode()))
	}
	if _, err := io.Copy(dst, ctxReader{ctx: ctx, r: f}); err != nil {
		return fmt.Errorf("fetch %s: %w", path, err)
	}
	return nil
}

// fileKind names the type of a file that is not a regular one.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "type " + m.Type().String()
}

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// capWriter keeps the first max bytes written to it and discards the rest.
// os/exec calls Write from a single goroutine per stream.
type capWriter struct {
	buf       bytes.Buffer
	max       int
	truncated bool
}

func (w *capWriter) Write(p []byte) (int, error) {
	if room := w.max - w.buf.Len(); room < len(p) {
		w.truncated = true
		if room > 0 {
			w.buf.Write(p[:room])
		}
		return len(p), nil
	}
	w.buf.Write(p)
	return len(p), nil
}

func (w *capWriter) String() string { return w.buf.String() }
