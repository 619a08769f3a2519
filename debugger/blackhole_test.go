package debugger

import (
	"os/exec"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// blackholePort returns a loopback port whose listener never accepts
// and whose backlog is full: the kernel drops a new SYN, so a connect to
// it hangs until its own timeout.
func blackholePort(t *testing.T) int {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	require.NoError(t, err)
	t.Cleanup(func() { _ = syscall.Close(fd) })
	require.NoError(t, syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}))
	require.NoError(t, syscall.Listen(fd, 0))
	sa, err := syscall.Getsockname(fd)
	require.NoError(t, err)
	port := sa.(*syscall.SockaddrInet4).Port
	for range 3 { // fill the backlog (0 admits one, plus slack)
		c, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK, 0)
		require.NoError(t, err)
		t.Cleanup(func() { _ = syscall.Close(c) })
		_ = syscall.Connect(c, &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}})
	}
	return port
}

// psListing is ps's listing of every process's command line.
func psListing(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("ps", "-eo", "args").Output()
	require.NoError(t, err)
	return string(out)
}
