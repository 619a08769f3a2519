package sshexec_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/org/calyptos/executor"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/sshdtest"
	"github.com/org/calyptos/sshexec"
)

// loginShell is a login shell under test and the rc file it reads for an
// ssh command ("" for none), to which the test adds a line that counts
// its runs in ~/rc.count.
type loginShell struct{ shell, rc, count string }

var loginShells = []loginShell{
	{"bash", ".bashrc", "echo x >>~/rc.count\n"},
	{"dash", "", ""},
	{"zsh", ".zshenv", "echo x >>~/rc.count\n"},
	{"tcsh", ".tcshrc", "echo x >>~/rc.count\n"},
	{"fish", ".config/fish/config.fish", "echo x >>~/rc.count\n"},
	{"busybox", "", ""},
}

// bareRun runs command as `ssh host command` does, on a connection of its
// own: the floor sshexec is held to.
func bareRun(t testing.TB, srv *sshdtest.Server, user, command string) calyptos.Output {
	t.Helper()
	cb, err := knownhosts.New(srv.KnownHostsFile)
	require.NoError(t, err)
	c, err := ssh.Dial("tcp", srv.Addr, &ssh.ClientConfig{
		User: user, Auth: []ssh.AuthMethod{ssh.PublicKeys(srv.ClientSigner)},
		HostKeyCallback: cb, Timeout: 10 * time.Second,
	})
	require.NoError(t, err)
	defer c.Close()
	s, err := c.NewSession()
	require.NoError(t, err)
	defer s.Close()
	var stdout, stderr bytes.Buffer
	s.Stdout, s.Stderr = &stdout, &stderr
	err = s.Run(command)
	out := calyptos.Output{Stdout: stdout.String(), Stderr: stderr.String()}
	var ee *ssh.ExitError
	if errors.As(err, &ee) {
		out.ExitCode = ee.ExitStatus()
	} else {
		require.NoError(t, err)
	}
	return out
}

// rcRuns counts the runs of an account's rc file so far, and resets the
// count.
func rcRuns(t testing.TB, a sshdtest.Account) int {
	t.Helper()
	p := filepath.Join(a.Home, "rc.count")
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	require.NoError(t, err)
	require.NoError(t, os.Remove(p))
	return bytes.Count(b, []byte("x"))
}

// TestLoginShells: whatever the login shell, a command runs as `ssh host
// cmd` runs it: the same output and exit status, the rc file read as many
// times (once); a self-bounded script is read as POSIX sh; the deadline
// ends the remote process.
func TestLoginShells(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.90"}})
	for _, ls := range loginShells {
		t.Run(ls.shell, func(t *testing.T) {
			files := map[string]string{}
			if ls.rc != "" {
				files[ls.rc] = ls.count
			}
			a := sshdtest.CreateAccount(t, sshdtest.AccountOptions{Shell: ls.shell, Files: files})
			opts := baseOptions(srv)
			opts.User = a.Name
			e := newExecutor(t, opts)
			wantRuns := 0
			if ls.rc != "" {
				wantRuns = 1
			}
			// Commands every one of these shells reads alike.
			for _, cmd := range []string{"echo hello", "exit 3", "ls -d /nonexistent-calyptos", "true"} {
				want := bareRun(t, srv, a.Name, cmd)
				require.Equal(t, wantRuns, rcRuns(t, a), "bare ssh %q", cmd)
				out, err := e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, cmd)
				require.NoError(t, err, cmd)
				assert.Equal(t, want, out, cmd)
				assert.Equal(t, wantRuns, rcRuns(t, a), "rc file runs for %q", cmd)
			}
			// POSIX sh, whatever the login shell.
			out, err := e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, `x='it''s'; echo "$x $0" >&2; for i in 1 2; do printf '%s!' "$i"; done; exit 4`)
			require.NoError(t, err)
			assert.Equal(t, calyptos.Output{Stdout: "1!2!", Stderr: "its sh\n", ExitCode: 4}, out)

			script := "#!/bin/sh\nx='a b'\nif [ \"$x\" = 'a b' ]; then echo \"ok $#\"; fi\necho 'to stderr' >&2\nexit 5\n"
			out, err = e.Run(executor.WithSelfBounded(ctxTimeout(t, 30*time.Second), 10*time.Second), srv.Addr, script)
			require.NoError(t, err)
			assert.Equal(t, calyptos.Output{Stdout: "ok 0\n", Stderr: "to stderr\n", ExitCode: 5}, out)
			assert.Equal(t, 2*wantRuns, rcRuns(t, a), "rc file runs for two commands")

			m := marker(611)
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_, err = e.Run(ctx, srv.Addr, "sleep "+m)
			require.ErrorIs(t, err, context.DeadlineExceeded)
			assert.True(t, eventually(func() bool { return running(m) == "" }), "still running on the host:\n%s", running(m))
		})
	}
}

// TestLoginShellRcFile: an rc file that is noisy gives its output once,
// as ssh does; one that exits, or a shell that runs no command, is
// ErrLoginShell with the host's own words, not a success or a timeout.
func TestLoginShellRcFile(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.91"}})
	noisy := sshdtest.CreateAccount(t, sshdtest.AccountOptions{Shell: "bash", Files: map[string]string{
		".bashrc": "echo banner; echo 'rc warning' >&2; echo x >>~/rc.count\n",
	}})
	opts := baseOptions(srv)
	opts.User = noisy.Name
	e := newExecutor(t, opts)
	for _, cmd := range []string{"echo out; echo err >&2; exit 2", "printf '%s\\n' " + calyptos.ShellQuote("[sshexec: /bin/sh started 5f3a9c1e]") + " >&2"} {
		want := bareRun(t, srv, noisy.Name, cmd)
		out, err := e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, cmd)
		require.NoError(t, err)
		assert.Equal(t, want, out)
		assert.Equal(t, 2, rcRuns(t, noisy), "once for ssh, once for sshexec")
	}

	tests := []struct {
		name  string
		opts  sshdtest.AccountOptions
		said  string
		exits string
	}{
		{"nologin", sshdtest.AccountOptions{Shell: "nologin"}, `"This account is currently not available."`, "exited 1"},
		{"false", sshdtest.AccountOptions{Shell: "false"}, "said nothing", "exited 1"},
		{".bashrc exits", sshdtest.AccountOptions{Shell: "bash", Files: map[string]string{
			".bashrc": "echo 'no \x1b[31mway' >&2; exit 9\n",
		}}, `"no \x1b[31mway"`, "exited 9"},
		{".zshenv exits", sshdtest.AccountOptions{Shell: "zsh", Files: map[string]string{
			".zshenv": "echo closed; exit 1\n",
		}}, `"closed"`, "exited 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := sshdtest.CreateAccount(t, tt.opts)
			opts := baseOptions(srv)
			opts.User = a.Name
			e := newExecutor(t, opts)
			for _, selfBounded := range []bool{false, true} {
				ctx := ctxTimeout(t, 30*time.Second)
				if selfBounded {
					ctx = executor.WithSelfBounded(ctx, 10*time.Second)
				}
				out, err := e.Run(ctx, srv.Addr, "echo ran")
				require.Error(t, err)
				assert.ErrorIs(t, err, sshexec.ErrLoginShell)
				assert.ErrorIs(t, err, calyptos.ErrTransport, "the host cannot run commands for this login")
				assert.NotErrorIs(t, err, context.DeadlineExceeded)
				assert.Contains(t, err.Error(), tt.said)
				assert.Contains(t, err.Error(), tt.exits)
				assert.NotContains(t, err.Error(), "\x1b", "host text is quoted")
				assert.Equal(t, -1, out.ExitCode)
				assert.NotContains(t, out.Stdout, "ran")
			}
		})
	}
}

// A deadline that passes while the login shell is still in its rc file is
// a timeout that says so; the command, started once the rc file is done,
// ends at once.
func TestLoginShellSlowRcFile(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.96"}})
	a := sshdtest.CreateAccount(t, sshdtest.AccountOptions{Shell: "bash", Files: map[string]string{".bashrc": "sleep 2; touch ~/rc.done\n"}})
	done := filepath.Join(a.Home, "rc.done")
	opts := baseOptions(srv)
	opts.User = a.Name
	e := newExecutor(t, opts)
	for _, selfBounded := range []bool{false, true} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		m := marker(612)
		cmd := "sleep " + m
		if selfBounded {
			ctx = executor.WithSelfBounded(ctx, time.Second)
			cmd = "echo ran >&2" // bounded, as such a command must be
		}
		_, err := e.Run(ctx, srv.Addr, cmd)
		cancel()
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.NotErrorIs(t, err, sshexec.ErrLoginShell)
		assert.ErrorContains(t, err, "the login shell had not started the command yet")
		if !selfBounded {
			require.True(t, eventually(func() bool { _, err := os.Stat(done); return err == nil }), "the rc file did not end")
			time.Sleep(500 * time.Millisecond) // time for the command to start
			assert.True(t, eventually(func() bool { return running(m) == "" }), "still running on the host:\n%s", running(m))
		}
		require.NoError(t, os.RemoveAll(done))
	}
}

// A command longer than Linux passes to a program does not start; the
// error says so, and does not blame the account.
func TestRunCommandTooLong(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.97"}})
	e := newExecutor(t, baseOptions(srv))
	out, err := e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, ": "+strings.Repeat("x", 200<<10)+"; echo ran")
	require.Error(t, err)
	assert.NotErrorIs(t, err, sshexec.ErrLoginShell)
	assert.NotErrorIs(t, err, calyptos.ErrTransport)
	assert.ErrorContains(t, err, "more than Linux passes to a program")
	assert.NotContains(t, out.Stdout, "ran")
	out, err = e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, ": "+strings.Repeat("x'", 15<<10)+"; echo ran")
	require.NoError(t, err, "a long command that fits, encoded")
	assert.Equal(t, "ran\n", out.Stdout)
}

// A self-bounded script that is not plain goes on the session's stdin: a
// login shell whose start-up file reads stdin takes some of it, and then
// none of it runs; the error blames the login shell, as for one that
// exits.
func TestLoginShellRcFileReadsStdin(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.98"}})
	for name, rc := range map[string]string{"a line": "read -r _\n", "all of it": "cat >/dev/null\n"} {
		t.Run(name, func(t *testing.T) {
			a := sshdtest.CreateAccount(t, sshdtest.AccountOptions{Shell: "bash", Files: map[string]string{".bashrc": rc}})
			opts := baseOptions(srv)
			opts.User = a.Name
			e := newExecutor(t, opts)
			ran := filepath.Join(a.Home, "ran")
			script := "echo 'one'\ntouch " + ran + "\necho 'two'\n"
			out, err := e.Run(executor.WithSelfBounded(ctxTimeout(t, 30*time.Second), 10*time.Second), srv.Addr, script)
			require.Error(t, err)
			assert.ErrorIs(t, err, sshexec.ErrLoginShell)
			assert.ErrorContains(t, err, "read the script")
			assert.Equal(t, -1, out.ExitCode)
			assert.NotContains(t, out.Stdout, "one")
			assert.NoFileExists(t, ran)
		})
	}
}

// A self-bounded script longer than Linux passes to a program runs: it
// goes on stdin, not in the login line.
func TestRunSelfBoundedLongScript(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.99"}})
	e := newExecutor(t, baseOptions(srv))
	script := "x='" + strings.Repeat("ab ", 100<<10) + "'\necho ${#x} \"$#\"\ncat; [ -e /dev/fd/3 ] && echo fd3; [ -c /dev/stdin ] && echo end\n"
	out, err := e.Run(executor.WithSelfBounded(ctxTimeout(t, 30*time.Second), 10*time.Second), srv.Addr, script)
	require.NoError(t, err)
	assert.Equal(t, calyptos.Output{Stdout: "307200 0\nend\n"}, out, "stdin /dev/null for the script's commands, descriptor 3 closed")
}

// A self-bounded call cancelled while its script is still being sent
// (the login shell's start-up file has not let /bin/sh read it yet, and
// the script is larger than the pipe and the channel window) returns the
// cancellation, and ending stdin then does not race with sendScript's
// write (go test -race).
func TestRunSelfBoundedCancelledMidSend(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.97"}})
	a := sshdtest.CreateAccount(t, sshdtest.AccountOptions{Shell: "bash", Files: map[string]string{
		".bashrc": "i=0; while [ ! -e ~/go ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done\n"}})
	opts := baseOptions(srv)
	opts.User = a.Name
	e := newExecutor(t, opts)
	ran := filepath.Join(a.Home, "ran")
	script := "touch " + ran + "\n" + strings.Repeat("# filler line of a long script\n", 4<<20/32)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := e.Run(executor.WithSelfBounded(ctx, 10*time.Second), srv.Addr, script)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	require.NoError(t, os.WriteFile(filepath.Join(a.Home, "go"), nil, 0o600))
}
