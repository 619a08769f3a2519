package calyptos

import (
	"context"
	"errors"
	"io"
)

// Output is what a command produced; a non-zero ExitCode is no error.
type Output struct {
	Stdout   string `json:"stdout"`
	Stderr   string `json:"stderr"`
	ExitCode int    `json:"exit_code"`
	// Truncated is set when the executor cut the output at its size cap.
	Truncated bool `json:"truncated,omitempty"`
}

// OK reports whether the command exited with status 0.
func (o Output) OK() bool { return o.ExitCode == 0 }

// Executor is the transport of debuggers: sshexec over SSH, localexec on
// this machine, calyptostest's fake. calyptostest.TestExecutor checks an
// implementation against this contract. It is safe for concurrent use.
//
// Run runs command, a POSIX sh script, on host as `sh -c command` would,
// with an empty standard input and no terminal, and returns its stdout and
// stderr, byte for byte and apart, and its exit status (127 for a command
// not found, 128+n for one killed by signal n), with a nil error whatever
// the status. It may cap a stream, keeping its start and setting
// Output.Truncated.
//
// Run and Fetch return an error only when the result is not known. It
// wraps ErrTransport exactly when the call itself found, before ctx ended,
// that the host cannot be reached at all (dial, handshake or
// authentication failure). A call whose ctx is done returns an error
// wrapping ctx.Err() and starts nothing; when ctx ends during a call, it
// returns promptly with an error wrapping ctx.Err(), never ErrTransport,
// and the command ends on the host with the processes it started, unless
// ctx is marked executor.WithSelfBounded.
//
// Fetch writes the exact bytes of the remote file to dst, never after it
// returns. A missing file is an error wrapping fs.ErrNotExist; a failed
// write to dst ends the copy with an error wrapping dst's error.
type Executor interface {
	Run(ctx context.Context, host, command string) (Output, error)
	Fetch(ctx context.Context, host, remotePath string, dst io.Writer) error
}

// ErrTransport marks an executor error meaning the host cannot be reached
// at all (see Executor): the run stops calling it. Other errors leave the
// host usable.
var ErrTransport = errors.New("transport failure")
