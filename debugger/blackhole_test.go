package debugger

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
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

// assertNoProbeLeft asserts that, within 5 s (killed processes take a
// moment to leave the process table on a loaded machine), no process has
// ADDR PORT among its arguments: a probe of that target outlived its
// program. Only this test's target counts, not the probes other packages'
// tests run at the same time.
func assertNoProbeLeft(t *testing.T, addr string, port int) {
	t.Helper()
	target := "\x00" + addr + "\x00" + strconv.Itoa(port) + "\x00"
	var left string
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		left = ""
		cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
		for _, f := range cmdlines {
			if b, err := os.ReadFile(f); err == nil && strings.Contains("\x00"+string(b), target) {
				left = f + ": " + strings.ReplaceAll(string(b), "\x00", " ")
				break
			}
		}
		if left == "" || time.Now().After(deadline) {
			break
		}
	}
	assert.Empty(t, left, "a probe of %s %d is still running", addr, port)
}
