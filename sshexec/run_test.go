package sshexec_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/org/calyptos/executor"
	"github.com/org/calyptos/hostname"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/sshdtest"
	"github.com/org/calyptos/sshexec"
)

func TestRunOutput(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.20"}})
	e := newExecutor(t, baseOptions(srv))
	tests := []struct {
		name    string
		command string
		want    calyptos.Output
	}{
		{"true", "true", calyptos.Output{ExitCode: 0}},
		{"stdout", "echo hello", calyptos.Output{Stdout: "hello\n"}},
		{"stderr apart", "echo out; echo err >&2; exit 1", calyptos.Output{Stdout: "out\n", Stderr: "err\n", ExitCode: 1}},
		{"exit code", "exit 42", calyptos.Output{ExitCode: 42}},
		{"not found", "no-such-command-xyz 2>/dev/null", calyptos.Output{ExitCode: 127}},
		{"killed by signal", "kill -9 $$", calyptos.Output{ExitCode: 128 + 9}},
		{"quoted argument", "printf '%s\\n' " + calyptos.ShellQuote("a'b $HOME `x`"), calyptos.Output{Stdout: "a'b $HOME `x`\n"}},
		// What the remote reaper must leave as it was: empty stdin, the
		// login shell, positional parameters, the exit status of a
		// signal beyond those x/crypto/ssh names, no extra descriptors.
		{"stdin empty", "cat; echo end", calyptos.Output{Stdout: "end\n"}},
		{"stdin not a terminal", "test -t 0 || echo no tty", calyptos.Output{Stdout: "no tty\n"}},
		// The command runs under /bin/sh, started by the login shell
		// with the environment it set up.
		{"POSIX sh", `echo "$0"`, calyptos.Output{Stdout: "sh\n"}},
		{"login environment", `test -n "$SHELL" -a -n "$HOME" -a -n "$SSH_CONNECTION" && echo env`, calyptos.Output{Stdout: "env\n"}},
		{"no arguments", `echo "[$#]"`, calyptos.Output{Stdout: "[0]\n"}},
		{"killed by SIGUSR1", "kill -USR1 $$", calyptos.Output{ExitCode: 128 + 10}},
		{"no descriptor 3", "{ echo x >&3; } 2>/dev/null || echo closed", calyptos.Output{Stdout: "closed\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, tt.command)
			require.NoError(t, err)
			assert.Equal(t, tt.want, out)
		})
	}
}

func TestRunLargeOutputIntact(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.21"}})
	// The server is this machine, so the test can write the file it cats.
	data := bytes.Repeat([]byte("0123456789abcdef sshexec line\n"), 10<<20/30+1)
	data = data[:10<<20]
	file := filepath.Join(t.TempDir(), "big.txt")
	require.NoError(t, os.WriteFile(file, data, 0o600))

	opts := baseOptions(srv)
	opts.MaxOutput = 16 << 20
	e := newExecutor(t, opts)
	out, err := e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, "cat "+calyptos.ShellQuote(file)+"; echo done >&2")
	require.NoError(t, err)
	assert.False(t, out.Truncated)
	assert.Equal(t, len(data), len(out.Stdout))
	assert.True(t, out.Stdout == string(data), "10 MiB output differs")
	assert.Equal(t, "done\n", out.Stderr)
}

func TestRunOutputCap(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.22"}})
	opts := baseOptions(srv)
	opts.MaxOutput = 1000
	e := newExecutor(t, opts)
	// 5 MB of stdout (more than the SSH window, so the remote would block
	// if the client stopped reading), a little stderr, then the exit code.
	out, err := e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, "yes 0123456789 | head -c 5000000; echo small >&2; exit 3")
	require.NoError(t, err)
	assert.Equal(t, 3, out.ExitCode)
	assert.True(t, out.Truncated)
	assert.Equal(t, "small\n", out.Stderr)
	wantKept := strings.Repeat("0123456789\n", 100)[:1000]
	require.True(t, strings.HasPrefix(out.Stdout, wantKept))
	assert.Equal(t, wantKept+"\n"+fmt.Sprintf(sshexec.TruncatedMarker, 1000, 5000000)+"\n", out.Stdout)
}

func TestRunDeadline(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.23"}})
	e := newExecutor(t, baseOptions(srv))
	// Connect first so that the deadline measures the command alone.
	_, err := e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, "true")
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	start := time.Now()
	out, err := e.Run(ctx, srv.Addr, "echo started; sleep 60")
	took := time.Since(start)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotErrorIs(t, err, calyptos.ErrTransport)
	assert.Less(t, took, 15*time.Second, "cut at the deadline, not after sleep 60")
	assert.Equal(t, -1, out.ExitCode)
	assert.Equal(t, "started\n", out.Stdout, "output read before the deadline is kept")

	// Cancellation is reported as such, and the connection stays usable.
	ctx2, cancel2 := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel2)
	_, err = e.Run(ctx2, srv.Addr, "sleep 30")
	assert.ErrorIs(t, err, context.Canceled)
	out, err = e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, "echo still")
	require.NoError(t, err)
	assert.Equal(t, "still\n", out.Stdout)
	assert.Equal(t, 1, srv.Handshakes())
}

// OpenSSH delivers signals only to sessions of non-root users (root logins
// skip post-authentication privilege separation, which signalling needs),
// so this test logs in as a throw-away account.
func TestRunDeadlineKillsRemoteCommand(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.36"}})
	name, _ := sshdtest.CreateUser(t)
	opts := baseOptions(srv)
	opts.User = name
	e := newExecutor(t, opts)
	marker := fmt.Sprintf("sleep 59.%d", time.Now().UnixNano()%1000+1000)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := e.Run(ctx, srv.Addr, "exec "+marker)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.True(t, eventually(func() bool {
		return exec.Command("pgrep", "-f", marker).Run() != nil
	}), "%q still running on the server", marker)
	assert.NotContains(t, srv.Log(), "session_signal_req")
}

func TestRunUnreachable(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.24"}})
	tests := []struct {
		name    string
		addr    string
		kind    error
		message string
	}{
		{"connection refused", closedPort(t, "127.0.1.24"), sshexec.ErrDial, "connection refused"},
		{"black hole", blackHole(t, "127.0.1.24"), sshexec.ErrHandshake, "no SSH handshake within 500ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := baseOptions(srv)
			opts.HandshakeTimeout = 500 * time.Millisecond
			e := newExecutor(t, opts)
			start := time.Now()
			_, err := e.Run(ctxTimeout(t, 30*time.Second), tt.addr, "true")
			require.Error(t, err)
			assert.Less(t, time.Since(start), 8*time.Second)
			assert.ErrorIs(t, err, tt.kind)
			assert.ErrorIs(t, err, calyptos.ErrTransport)
			assert.Contains(t, err.Error(), "ssh "+tt.addr+": ")
			assert.Contains(t, err.Error(), tt.message)
		})
	}
	t.Run("context ends during dial", func(t *testing.T) {
		e := newExecutor(t, baseOptions(srv))
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := e.Run(ctx, blackHole(t, "127.0.1.24"), "true")
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(start), 8*time.Second, "the context, not the 20s handshake timeout, ends the dial")
	})
}

func TestKilledMidCommand(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.25"}})
	e := newExecutor(t, baseOptions(srv))
	_, err := e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, "true")
	require.NoError(t, err)
	// Kill sshd once the command runs (not at a guessed time: on a loaded
	// machine the session may not be open yet, and then the call redials).
	marker := filepath.Join(t.TempDir(), "running")
	killed := make(chan struct{})
	go func() {
		defer close(killed)
		eventually(func() bool { _, err := os.Stat(marker); return err == nil })
		srv.Kill()
	}()
	start := time.Now()
	_, err = e.Run(ctxTimeout(t, 20*time.Second), srv.Addr, "touch "+calyptos.ShellQuote(marker)+"; sleep 30")
	require.Error(t, err)
	assert.Less(t, time.Since(start), 15*time.Second, "the dropped connection ends the command before sleep 30 would")
	assert.ErrorIs(t, err, sshexec.ErrConnLost)
	assert.Contains(t, err.Error(), "ssh "+srv.Addr+": run: connection lost: ")
	assert.NotContains(t, err.Error(), "exit status", "the connection was lost, the command did not just exit oddly")

	// The next command redials, finds the host down, and says so as a
	// transport error.
	<-killed
	_, err = e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, "true")
	assert.ErrorIs(t, err, sshexec.ErrDial)
	assert.ErrorIs(t, err, calyptos.ErrTransport)
	assert.Equal(t, sshexec.Stats{Dials: 1, DialErrors: 1, Sessions: 2, Drops: 1}, e.Stats())
}

func TestRedialAfterRestart(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.26"}})
	e := newExecutor(t, baseOptions(srv))
	_, err := e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, "true")
	require.NoError(t, err)
	srv.Kill()
	// The same host comes back (same address, port and host key).
	again := sshdtest.Start(t, sshdtest.Options{Addrs: []string{srv.Host}, Port: srv.Port, HostKey: srv.HostPrivateKey})
	require.NoError(t, again.AuthorizeKey(srv.ClientSigner.PublicKey()))
	out, err := e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, "echo back")
	require.NoError(t, err)
	assert.Equal(t, "back\n", out.Stdout)
	assert.Equal(t, 1, again.Handshakes())
	assert.Equal(t, int64(2), e.Stats().Dials)
}

func TestConcurrentCommandsOneConnection(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.27"}, MaxSessions: 10})
	e := newExecutor(t, baseOptions(srv))
	const n = 30
	var wg sync.WaitGroup
	outs := make([]calyptos.Output, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			outs[i], errs[i] = e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, fmt.Sprintf("sleep 0.2; echo %d", i))
		})
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i], i)
		assert.Equal(t, fmt.Sprintf("%d\n", i), outs[i].Stdout)
	}
	assert.True(t, eventually(func() bool { return srv.Handshakes() == 1 }))
	assert.Equal(t, 1, srv.Handshakes(), "30 concurrent commands must share one connection")
	assert.Equal(t, sshexec.Stats{Dials: 1, Sessions: n}, e.Stats())
}

func TestConnectionReuse(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.28"}})
	e := newExecutor(t, baseOptions(srv))
	for i := range 20 {
		out, err := e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, fmt.Sprintf("echo %d", i))
		require.NoError(t, err)
		require.Equal(t, fmt.Sprintf("%d\n", i), out.Stdout)
	}
	var buf bytes.Buffer
	require.NoError(t, e.Fetch(ctxTimeout(t, 30*time.Second), srv.Addr, srv.KnownHostsFile, &buf))
	assert.Equal(t, srv.KnownHostsLines(), buf.String())
	assert.True(t, eventually(func() bool { return srv.Handshakes() == 1 }))
	assert.Equal(t, 1, srv.Handshakes())
	assert.Equal(t, sshexec.Stats{Dials: 1, Sessions: 21}, e.Stats(), "20 commands and one SFTP client")
}

func TestHostForms(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.29"}})
	port := fmt.Sprint(srv.Port)
	tests := []struct {
		name string
		host string
		opts func(*sshexec.Options)
	}{
		{"ip:port", srv.Addr, nil},
		{"[ip]:port", "[" + srv.Host + "]:" + port, nil},
		{"bare ip with Options.Port", srv.Host, func(o *sshexec.Options) { o.Port = srv.Port }},
		{"bare ip with per-host port", srv.Host, func(o *sshexec.Options) {
			o.Port = 1 // overridden
			o.Hosts = map[string]sshexec.HostOptions{srv.Host: {Port: srv.Port}}
		}},
		{"name with per-host HostName", "db1:" + port, func(o *sshexec.Options) {
			o.Hosts = map[string]sshexec.HostOptions{"db1": {HostName: srv.Host}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := baseOptions(srv)
			if tt.opts != nil {
				tt.opts(&opts)
			}
			out, err := newExecutor(t, opts).Run(ctxTimeout(t, 30*time.Second), tt.host, "echo ok")
			require.NoError(t, err)
			assert.Equal(t, "ok\n", out.Stdout)
		})
	}
	_, err := newExecutor(t, baseOptions(srv)).Run(ctxTimeout(t, time.Second), "[::1", "true")
	assert.ErrorIs(t, err, sshexec.ErrConfig)
	assert.ErrorIs(t, err, hostname.ErrInvalid)
}

func TestPerHostUser(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.30"}})
	opts := baseOptions(srv)
	opts.User = "calyptos-nobody"
	opts.Hosts = map[string]sshexec.HostOptions{srv.Addr: {User: srv.User}}
	out, err := newExecutor(t, opts).Run(ctxTimeout(t, 30*time.Second), srv.Addr, "id -un")
	require.NoError(t, err)
	assert.Equal(t, srv.User+"\n", out.Stdout)

	opts.Hosts = nil
	_, err = newExecutor(t, opts).Run(ctxTimeout(t, 30*time.Second), srv.Addr, "id -un")
	assert.ErrorIs(t, err, sshexec.ErrAuth)
	assert.Contains(t, err.Error(), `"calyptos-nobody"`)
}

func TestSudo(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.31"}})
	opts := baseOptions(srv)
	opts.Sudo = true
	e := newExecutor(t, opts)
	out, err := e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, "echo \"$0\" 'it''s'")
	require.NoError(t, err)
	if _, lerr := exec.LookPath("sudo"); lerr != nil {
		// No sudo on this machine: the command was still wrapped.
		assert.Equal(t, 127, out.ExitCode)
		assert.Contains(t, out.Stderr, "sudo")
		return
	}
	assert.Equal(t, calyptos.Output{Stdout: "sh its\n"}, out)
}

func TestClosed(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.32"}})
	e, err := sshexec.New(baseOptions(srv))
	require.NoError(t, err)
	_, err = e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, "true")
	require.NoError(t, err)
	require.NoError(t, e.Close())
	require.NoError(t, e.Close())
	_, err = e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, "true")
	assert.ErrorIs(t, err, sshexec.ErrClosed)
	assert.True(t, errors.Is(e.Fetch(ctxTimeout(t, time.Second), srv.Addr, "/etc/hostname", &bytes.Buffer{}), sshexec.ErrClosed))
}

func TestMaxHosts(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.33", "127.0.1.34", "127.0.1.35"}})
	opts := baseOptions(srv)
	opts.MaxHosts = 1
	e := newExecutor(t, opts)
	var wg sync.WaitGroup
	start := time.Now()
	for _, addr := range srv.Addrs {
		for range 2 {
			wg.Go(func() {
				_, err := e.Run(ctxTimeout(t, 30*time.Second), addr, "sleep 0.3")
				assert.NoError(t, err)
			})
		}
	}
	wg.Wait()
	// Hosts took turns: three rounds of 0.3s, each host's two commands
	// running together.
	assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond)
	assert.Equal(t, 3, srv.Handshakes())
}

// A host that stops answering on an open connection (hung, or cut off
// from the network) costs each call no more than its context.
func TestFrozenHost(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.37"}})
	e := newExecutor(t, baseOptions(srv))
	_, err := e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, "true")
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, e.Fetch(ctxTimeout(t, 30*time.Second), srv.Addr, srv.KnownHostsFile, &buf))
	srv.Freeze()
	defer srv.Thaw()
	for _, call := range []func(ctx context.Context) error{
		func(ctx context.Context) error { _, err := e.Run(ctx, srv.Addr, "true"); return err },
		func(ctx context.Context) error { return e.Fetch(ctx, srv.Addr, srv.KnownHostsFile, &buf) },
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		start := time.Now()
		err := call(ctx)
		cancel()
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(start), 8*time.Second)
	}
}

// TestKeepAlive: a connection whose server stops answering is dropped
// after KeepAliveCountMax unanswered keepalives, so a long command on a
// host that hung fails with ErrConnLost long before its own deadline; a
// quiet but healthy command is left alone.
func TestKeepAlive(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.38"}})
	opts := baseOptions(srv)
	opts.KeepAliveInterval = 500 * time.Millisecond
	opts.KeepAliveCountMax = 3
	e := newExecutor(t, opts)

	out, err := e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, "sleep 3; echo quiet but alive")
	require.NoError(t, err)
	assert.Equal(t, "quiet but alive\n", out.Stdout)

	// Freeze the host once the command runs: frozen before the session is
	// open, the call would redial into the frozen sshd instead.
	marker := filepath.Join(t.TempDir(), "running")
	frozen := make(chan time.Time, 1)
	go func() {
		eventually(func() bool { _, err := os.Stat(marker); return err == nil })
		srv.Freeze()
		frozen <- time.Now()
	}()
	_, err = e.Run(ctxTimeout(t, 60*time.Second), srv.Addr, "touch "+calyptos.ShellQuote(marker)+"; sleep 60")
	took := time.Since(<-frozen)
	srv.Thaw()
	require.Error(t, err)
	assert.ErrorIs(t, err, sshexec.ErrConnLost)
	assert.ErrorContains(t, err, "run: connection lost: no answer from the server for 2s (3 keepalives sent 500ms apart went unanswered)")
	// The documented bound: the interval × (count+1) after the server
	// last sent anything, which was before the freeze (generous margin
	// for a loaded machine).
	assert.Less(t, took, 2*time.Second+3*time.Second, "dropped after 2s of silence, not at the 60s deadline")

	out, err = e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, "echo again")
	require.NoError(t, err, "the next call redials")
	assert.Equal(t, "again\n", out.Stdout)
	assert.True(t, eventually(func() bool { return srv.Handshakes() == 2 }), "handshakes: %d", srv.Handshakes())
}

// slowLink forwards TCP connections on ip to target, passing the server's
// bytes on at about rate bytes per second: a slow WAN link, on which what
// the server sends queues up behind what it sent before.
func slowLink(t *testing.T, ip, target string, rate int) string {
	t.Helper()
	return forward(t, ip, target, 0, func(c, s net.Conn) {
		buf := make([]byte, rate/20)
		for {
			n, err := s.Read(buf)
			if n > 0 {
				if _, err := c.Write(buf[:n]); err != nil {
					return
				}
				time.Sleep(time.Duration(n) * time.Second / time.Duration(rate))
			}
			if err != nil {
				return
			}
		}
	})
}

// TestKeepAliveBusySlowLink: a server that is sending data is alive, as
// for OpenSSH's ServerAliveInterval, even when the replies to keepalives
// queue behind that data for longer than KeepAliveCountMax intervals (a
// large output or fetch over a slow link).
func TestKeepAliveBusySlowLink(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.76"}})
	link := slowLink(t, "127.0.1.76", srv.Addr, 256<<10)
	known := filepath.Join(t.TempDir(), "known_hosts")
	require.NoError(t, os.WriteFile(known, []byte(knownhosts.Line([]string{knownhosts.Normalize(link)}, srv.HostKey)+"\n"), 0o600))
	opts := baseOptions(srv)
	opts.KnownHostsFiles = []string{known}
	opts.KeepAliveInterval = time.Second
	opts.KeepAliveCountMax = 2
	e := newExecutor(t, opts)
	// About 1.5 MB: some 6s on this link, with the keepalive replies
	// queued seconds behind the output.
	out, err := e.Run(ctxTimeout(t, 60*time.Second), link, "head -c 1500000 /dev/zero | tr '\\0' x; echo; echo done >&2")
	require.NoError(t, err)
	assert.Equal(t, "done\n", out.Stderr)
	assert.Len(t, out.Stdout, 1500001)
}

// A command marked self-bounded runs as it is, without the reaper. Either
// way its shell is the session's process, a child of sshd, as for ssh;
// reaped, it has a watcher that is not its child. When the call is given
// up, Run returns at once and the self-bounded command runs on to its own
// end.
func TestRunSelfBounded(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.77"}})
	e := newExecutor(t, baseOptions(srv))
	parent := "cat /proc/$PPID/comm; cat; sleep 0.1 & sleep 0.2 & wait; echo waited; ps -o comm= --ppid $$"
	out, err := e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, parent)
	require.NoError(t, err)
	assert.Regexp(t, "^sshd.*\nwaited\nps\n$", out.Stdout, "reaped: the shell's children are its own")
	out, err = e.Run(executor.WithSelfBounded(ctxTimeout(t, 30*time.Second), 5*time.Second), srv.Addr, parent)
	require.NoError(t, err)
	assert.Regexp(t, "^sshd.*\nwaited\nps\n$", out.Stdout, "self-bounded: sshd is the parent, and stdin is at its end")

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	_, err = e.Run(executor.WithSelfBounded(ctx, 3*time.Second), srv.Addr, "sleep 3; echo done")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 2500*time.Millisecond, "the client does not wait for the command")
	out, err = e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, "echo still")
	require.NoError(t, err)
	assert.Equal(t, "still\n", out.Stdout)
}
