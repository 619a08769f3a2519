//go:build linux

package main_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/org/calyptos/internal/sshdtest"
)

// openPTY returns the master side of a new pseudo-terminal and its slave,
// or skips the test where the machine has none.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		t.Skipf("cannot unlock the pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	require.NoError(t, err)
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	require.NoError(t, err)
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

// terminal runs the command with stdin, stdout and stderr on a
// pseudo-terminal. answer, if set, is typed once the screen shows prompt.
type terminal struct {
	mu     sync.Mutex
	screen bytes.Buffer
}

func (tm *terminal) text() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.screen.String()
}

func runOnTerminal(t *testing.T, prompt, answer string, env []string, args ...string) (int, string) {
	t.Helper()
	return runOnTerminalWith(t, nil, prompt, answer, env, args...)
}

// runOnTerminalWith is runOnTerminal with setup changing the command
// before it starts.
func runOnTerminalWith(t *testing.T, setup func(*exec.Cmd), prompt, answer string, env []string, args ...string) (int, string) {
	t.Helper()
	master, slave := openPTY(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := command(t, ctx, args...)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	if setup != nil {
		setup(cmd)
	}
	require.NoError(t, cmd.Start())
	slave.Close() // the child holds it now; EOF on master when it exits

	tm := &terminal{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		typed := prompt == ""
		for {
			n, err := master.Read(buf)
			tm.mu.Lock()
			tm.screen.Write(buf[:n])
			seen := strings.Contains(tm.screen.String(), prompt)
			tm.mu.Unlock()
			if !typed && seen {
				typed = true
				// Type like a person: after the prompt has turned echo off
				// (the master reads the pair's shared settings).
				go func() {
					for range 500 {
						tio, err := unix.IoctlGetTermios(int(master.Fd()), unix.TCGETS)
						if err == nil && tio.Lflag&unix.ECHO == 0 {
							break
						}
						time.Sleep(10 * time.Millisecond)
					}
					io.WriteString(master, answer+"\n")
				}()
			}
			if err != nil {
				return
			}
		}
	}()
	err := cmd.Wait()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the terminal did not close")
	}
	code := 0
	if err != nil {
		exitErr, ok := err.(*exec.ExitError)
		require.True(t, ok, "%v", err)
		code = exitErr.ExitCode()
	}
	return code, tm.text()
}

func TestTerminalProgressAndColour(t *testing.T) {
	code, screen := runOnTerminal(t, "", "", nil, "validate", "-e", localhostEnv, "--skip", "pinghosts,repos")
	require.Equal(t, 0, code, screen)
	assert.Contains(t, screen, "\x1b[32m[VALIDATION PASSED   ]", "colour on a terminal")
	assert.Contains(t, screen, "[1/7 checks] topology")
	assert.Contains(t, screen, "[7/7 checks]")
	// The last progress line is erased before the totals.
	last := strings.LastIndex(screen, "[7/7 checks]")
	assert.Contains(t, screen[last:], "\r\x1b[K\x1b[33mTotal passed:")

	code, screen = runOnTerminal(t, "", "", []string{"NO_COLOR=1"}, "validate", "-e", localhostEnv, "--skip", "pinghosts,repos")
	require.Equal(t, 0, code, screen)
	assert.NotContains(t, screen, "\x1b[32m", "NO_COLOR turns colour off")
	assert.Contains(t, screen, "[7/7 checks]", "the progress line stays")
}

func TestTerminalPasswordPrompt(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{Password: true})
	user, password := sshdtest.CreateUser(t)
	env := sshEnv(t, "127.0.0.1")
	code, screen := runOnTerminal(t, "SSH password", password, nil,
		"execute", "-e", env, "-u", user, "--known-hosts", srv.KnownHostsFile, "--port", fmt.Sprint(srv.Port), "id -un")
	require.Equal(t, 0, code, screen)
	assert.Contains(t, screen, "127.0.0.1 accepted no SSH key. SSH password for the hosts of the deployment: ")
	assert.Contains(t, screen, user+"\r\n", "the command ran with the typed password")
	assert.NotContains(t, screen, password, "the password is not echoed")
	assert.Equal(t, 1, strings.Count(screen, "SSH password"), "asked once")
}

func TestTerminalPasswordPromptWithStderrRedirected(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{Password: true})
	user, password := sshdtest.CreateUser(t)
	env := sshEnv(t, "127.0.0.1")
	errFile, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	require.NoError(t, err)
	defer errFile.Close()
	// calyptos ... 2>stderr in a terminal: the question still reaches the
	// terminal (the process's controlling one) instead of the file.
	code, screen := runOnTerminalWith(t, func(cmd *exec.Cmd) {
		cmd.Stderr = errFile
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	}, "SSH password", password, nil,
		"execute", "-e", env, "-u", user, "--known-hosts", srv.KnownHostsFile, "--port", fmt.Sprint(srv.Port), "id -un")
	require.Equal(t, 0, code, screen)
	assert.Contains(t, screen, "SSH password for the hosts of the deployment: ")
	assert.Contains(t, screen, user+"\r\n", "the command ran with the typed password")
	b, err := os.ReadFile(errFile.Name())
	require.NoError(t, err)
	assert.NotContains(t, string(b), "SSH password")
}
