package localexec_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/localexec"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name    string
		command string
		want    calyptos.Output
	}{
		{"stdout", "echo hello", calyptos.Output{Stdout: "hello\n"}},
		{"stderr kept apart", "echo out; echo err >&2", calyptos.Output{Stdout: "out\n", Stderr: "err\n"}},
		{"exit code", "echo bad >&2; exit 3", calyptos.Output{Stderr: "bad\n", ExitCode: 3}},
		{"command not found", "no-such-command-calyptos", calyptos.Output{ExitCode: 127}},
		{"signal", "kill -TERM $$", calyptos.Output{ExitCode: 128 + int(syscall.SIGTERM)}},
		{"stdin is empty", "cat; echo end", calyptos.Output{Stdout: "end\n"}},
		{"shell syntax", "for i in 1 2; do printf %s $i; done", calyptos.Output{Stdout: "12"}},
	}
	e := localexec.New(localexec.Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := e.Run(t.Context(), "any-host", tt.command)
			require.NoError(t, err)
			if tt.name == "command not found" {
				// The shell's message differs between shells.
				assert.Contains(t, out.Stderr, "no-such-command-calyptos")
				out.Stderr = ""
			}
			assert.Equal(t, tt.want, out)
			assert.Equal(t, tt.want.ExitCode == 0, out.OK())
		})
	}
}

func TestRunCapsEachStream(t *testing.T) {
	e := localexec.New(localexec.Options{MaxOutput: 10})
	out, err := e.Run(t.Context(), "h", "printf 0123456789abcdef; printf xy >&2")
	require.NoError(t, err)
	assert.Equal(t, "0123456789", out.Stdout)
	assert.Equal(t, "xy", out.Stderr)
	assert.True(t, out.Truncated)

	out, err = e.Run(t.Context(), "h", "printf 0123456789")
	require.NoError(t, err)
	assert.Equal(t, "0123456789", out.Stdout)
	assert.False(t, out.Truncated, "exactly the cap is not truncated")
}

func TestRunDefaultCapReadsEverything(t *testing.T) {
	e := localexec.New(localexec.Options{})
	// 5 MiB of output: the command must not block on a full pipe.
	out, err := e.Run(t.Context(), "h", "head -c 5242880 /dev/zero")
	require.NoError(t, err)
	assert.Len(t, out.Stdout, localexec.DefaultMaxOutput)
	assert.True(t, out.Truncated)
	assert.Zero(t, out.ExitCode)
}

// alive reports whether pid is a running (not zombie) process.
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return !errors.Is(err, fs.ErrNotExist)
	}
	// The state follows the parenthesised command name.
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}

func TestRunCancelKillsProcessGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	e := localexec.New(localexec.Options{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()

	type result struct {
		out calyptos.Output
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := e.Run(ctx, "h", "echo started; sleep 100 & echo $! > "+calyptos.ShellQuote(pidFile)+"; wait")
		done <- result{out, err}
	}()

	var pid int
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(pidFile)
		if err != nil || !bytes.HasSuffix(b, []byte("\n")) {
			return false
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil
	}, 10*time.Second, 10*time.Millisecond, "the command never started its child")
	require.True(t, alive(pid))

	cancel()
	select {
	case r := <-done:
		require.ErrorIs(t, r.err, context.Canceled)
		assert.NotErrorIs(t, r.err, calyptos.ErrTransport)
		assert.Equal(t, "started\n", r.out.Stdout, "output printed before the end is kept")
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
	assert.Eventually(t, func() bool { return !alive(pid) }, 10*time.Second, 10*time.Millisecond,
		"the shell's child %d survived the cancellation", pid)
}

func TestRunDeadline(t *testing.T) {
	e := localexec.New(localexec.Options{})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := e.Run(ctx, "h", "sleep 30; echo never")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 10*time.Second)
}

func TestRunCancelledBeforeStart(t *testing.T) {
	e := localexec.New(localexec.Options{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := e.Run(ctx, "h", "echo hi")
	require.ErrorIs(t, err, context.Canceled)
}

func TestRunBackgroundDaemonDoesNotHang(t *testing.T) {
	// Not much shorter: what the shell printed before it exited is only
	// kept if the copying goroutine read it within WaitDelay, which a
	// loaded machine may not give it in 100ms.
	e := localexec.New(localexec.Options{WaitDelay: time.Second})
	start := time.Now()
	// The background sleep keeps stdout open after the shell exits.
	out, err := e.Run(t.Context(), "h", "echo up; sleep 60 & exit 0")
	require.NoError(t, err)
	assert.Equal(t, "up\n", out.Stdout)
	assert.Zero(t, out.ExitCode)
	assert.Less(t, time.Since(start), 20*time.Second, "not held until the background sleep ends")
}

func TestRunShellMissing(t *testing.T) {
	e := localexec.New(localexec.Options{Shell: "/nonexistent/sh"})
	_, err := e.Run(t.Context(), "h", "true")
	require.ErrorIs(t, err, calyptos.ErrTransport)
}

func TestRunDirAndEnv(t *testing.T) {
	dir := t.TempDir()
	e := localexec.New(localexec.Options{Dir: dir, Env: []string{"GREETING=hi"}})
	out, err := e.Run(t.Context(), "h", `pwd; echo "$GREETING"`)
	require.NoError(t, err)
	real, err := filepath.EvalSymlinks(dir)
	require.NoError(t, err)
	assert.Equal(t, real+"\nhi\n", out.Stdout)
}

func TestHosts(t *testing.T) {
	e := localexec.New(localexec.Options{Hosts: []string{"127.0.0.1", "localhost"}})
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o600))
	tests := []struct {
		host string
		ok   bool
	}{
		{"127.0.0.1", true},
		{"localhost", true},
		{"192.0.2.10", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			_, err := e.Run(t.Context(), tt.host, "true")
			ferr := e.Fetch(t.Context(), tt.host, file, &bytes.Buffer{})
			if tt.ok {
				assert.NoError(t, err)
				assert.NoError(t, ferr)
				return
			}
			for _, err := range []error{err, ferr} {
				assert.ErrorIs(t, err, localexec.ErrUnknownHost)
				assert.ErrorIs(t, err, calyptos.ErrTransport)
			}
		})
	}
}

func TestFetch(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "messages")
	content := strings.Repeat("a log line\n", 10000)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	e := localexec.New(localexec.Options{})

	var buf bytes.Buffer
	require.NoError(t, e.Fetch(t.Context(), "h", path, &buf))
	assert.Equal(t, content, buf.String())

	err := e.Fetch(t.Context(), "h", filepath.Join(dir, "missing"), &buf)
	require.ErrorIs(t, err, fs.ErrNotExist)
	assert.NotErrorIs(t, err, calyptos.ErrTransport, "a missing file leaves the host usable")

	assert.ErrorIs(t, e.Fetch(t.Context(), "h", dir, &buf), localexec.ErrNotRegularFile, "a directory is not a file")

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	assert.ErrorIs(t, e.Fetch(ctx, "h", path, &buf), context.Canceled)
}

// TestFetchNotRegular: Fetch refuses what is not a regular file at once.
// A named pipe was opened as a file, which waits for a writer however
// long, whatever the context: a pipe planted where a log should be hung
// the fetch and its check for good.
func TestFetchNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	e := localexec.New(localexec.Options{})
	for _, path := range []string{fifo, dir, "/dev/null"} {
		var buf bytes.Buffer
		err := e.Fetch(t.Context(), "h", path, &buf)
		assert.ErrorIs(t, err, localexec.ErrNotRegularFile, path)
		assert.NotErrorIs(t, err, calyptos.ErrTransport, path)
		assert.Zero(t, buf.Len(), path)
	}
}

func TestConcurrentRuns(t *testing.T) {
	e := localexec.New(localexec.Options{})
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		go func() {
			out, err := e.Run(t.Context(), "h", "echo "+strconv.Itoa(i))
			if err == nil && out.Stdout != strconv.Itoa(i)+"\n" {
				err = errors.New("wrong output " + out.Stdout)
			}
			errs <- err
		}()
	}
	for range n {
		assert.NoError(t, <-errs)
	}
}

func BenchmarkRun(b *testing.B) {
	e := localexec.New(localexec.Options{})
	for b.Loop() {
		if _, err := e.Run(b.Context(), "h", "true"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestUnknownHostHint: a host outside Options.Hosts is unreachable with a
// hint about the local executor, not the runner's SSH advice.
func TestUnknownHostHint(t *testing.T) {
	e := localexec.New(localexec.Options{Hosts: []string{"127.0.0.1"}})
	rb := calyptos.NewRoleBuilder(map[string][]string{"web": {"127.0.0.1", "web9"}})
	d := debuggerFunc(func(ctx context.Context, c *calyptos.Check) {
		for _, r := range c.RunOnHosts(ctx, "true", c.Roles().All()) {
			c.HostOK(r)
		}
	})
	rep, err := calyptos.RunDebuggers(t.Context(), rb, e, []calyptos.Debugger{d}, calyptos.RunOptions{})
	require.NoError(t, err)
	fs := rep.Findings()
	require.Len(t, fs, 1)
	assert.Equal(t, "web9", fs[0].Host)
	assert.Contains(t, fs[0].Hint, "executes commands on this machine only")
	assert.NotContains(t, fs[0].Hint, "sshd")
}

type debuggerFunc func(ctx context.Context, c *calyptos.Check)

func (debuggerFunc) Name() string                                   { return "func" }
func (f debuggerFunc) Debug(ctx context.Context, c *calyptos.Check) { f(ctx, c) }
