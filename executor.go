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
// implements it over SSH, localexec on this machine, calyptostest fakes it.
//
// Run returns an error only when the command could not be run or its result
// could not be read (host unreachable, authentication refused, context
// ended); a command that ran and exited non-zero is an Output with its code.
// Implementations must be safe for concurrent use and must honour ctx.
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
