package calyptos

import (
	"context"
	"errors"
	"io"
	"net"
)

// Output is what a command produced on one host. A non-zero ExitCode is a
// normal result, not a transport error.
type Output struct {
	Stdout   string `json:"stdout"`
	Stderr   string `json:"stderr"`
	ExitCode int    `json:"exit_code"`
	// Truncated is set when the executor cut the output at its size cap.
	Truncated bool `json:"truncated,omitempty"`
}

// OK reports whether the command exited with status 0.
func (o Output) OK() bool { return o.ExitCode == 0 }

// Executor is the transport that debuggers use to reach hosts. sshexec
// implements it over SSH, localexec on this machine, calyptostest fakes
// it; calyptostest.TestExecutor checks an implementation against this
// contract.
//
// Run runs command, a POSIX sh script, on host as `sh -c command` would,
// with an empty standard input and no terminal, and returns what it wrote
// to stdout and stderr, byte for byte and kept apart, and its exit status
// (127 for a command not found, 128+n for one killed by signal n). A
// command that ran is an Output with a nil error, whatever its status. An
// executor may cap what it keeps of a stream; it then sets
// Output.Truncated and keeps the start of the stream.
//
// Run and Fetch return an error only when the result is not known. The
// error wraps ErrTransport exactly when the host cannot be reached at all
// (dial, handshake or authentication failure), found out by the call
// itself, before ctx ends; the runner then stops sending the host
// commands. A call whose ctx is already done returns an error wrapping
// ctx.Err() and starts nothing. When ctx ends during a call, the call
// returns promptly with an error wrapping ctx.Err(), never ErrTransport,
// and the command ends on the host with the processes it started, unless
// ctx is marked executor.WithSelfBounded (the command then ends by itself).
//
// Fetch writes the exact bytes of the remote file to dst and never writes
// to dst after it returns. A missing file is an error wrapping
// fs.ErrNotExist; a failed write to dst ends the copy with an error
// wrapping dst's error.
//
// Implementations must be safe for concurrent use, on one host and on
// many.
type Executor interface {
	Run(ctx context.Context, host, command string) (Output, error)
	Fetch(ctx context.Context, host, remotePath string, dst io.Writer) error
}

// ContextDialer opens network connections; *net.Dialer implements it.
// Checks that dial from this machine (pinghosts, the end-user access
// probe) take one, so tests and proxies can supply their own.
type ContextDialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// ErrTransport marks executor errors that mean the host cannot be reached
// at all (dial, handshake or authentication failure). Executors wrap it so
// that the run stops retrying such a host; other errors (a missing remote
// file in Fetch, say) leave the host usable.
var ErrTransport = errors.New("transport failure")
