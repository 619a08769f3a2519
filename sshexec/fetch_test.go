package sshexec_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/sshdtest"
	"github.com/org/calyptos/sshexec"
)

func TestFetch(t *testing.T) {
	t.Parallel()
	withSFTP := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.40"}})
	noSFTP := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.41"}, NoSFTP: true})
	dir := t.TempDir()
	content := bytes.Repeat([]byte("line of a log file\n"), 100000) // 1.9 MB
	file := filepath.Join(dir, "it's a log.txt")
	require.NoError(t, os.WriteFile(file, content, 0o600))

	for _, srv := range []*sshdtest.Server{withSFTP, noSFTP} {
		name := map[bool]string{true: "cat fallback", false: "sftp"}[srv == noSFTP]
		t.Run(name, func(t *testing.T) {
			e := newExecutor(t, baseOptions(srv))
			var buf bytes.Buffer
			require.NoError(t, e.Fetch(ctxTimeout(t, 30*time.Second), srv.Addr, file, &buf))
			assert.True(t, bytes.Equal(content, buf.Bytes()), "fetched content differs")

			// A second fetch and a command reuse the connection.
			buf.Reset()
			require.NoError(t, e.Fetch(ctxTimeout(t, 30*time.Second), srv.Addr, file, &buf))
			assert.Equal(t, len(content), buf.Len())
			_, err := e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, "true")
			require.NoError(t, err)
			assert.True(t, eventually(func() bool { return srv.Handshakes() == 1 }))
			assert.Equal(t, 1, srv.Handshakes())

			err = e.Fetch(ctxTimeout(t, 30*time.Second), srv.Addr, filepath.Join(dir, "missing"), &buf)
			assert.ErrorIs(t, err, fs.ErrNotExist)
			assert.NotErrorIs(t, err, calyptos.ErrTransport)
			assert.Contains(t, err.Error(), "ssh "+srv.Addr+": fetch "+filepath.Join(dir, "missing"))

			// /proc files report size 0 and are read to EOF.
			buf.Reset()
			require.NoError(t, e.Fetch(ctxTimeout(t, 30*time.Second), srv.Addr, "/proc/meminfo", &buf))
			assert.Contains(t, buf.String(), "MemTotal:")

			art, err := e.FetchFile(ctxTimeout(t, 30*time.Second), srv.Addr, file, t.TempDir(), "")
			require.NoError(t, err)
			assert.Equal(t, "it's a log.txt", filepath.Base(art.Path))
			assert.Equal(t, int64(len(content)), art.Bytes)
			got, err := os.ReadFile(art.Path)
			require.NoError(t, err)
			assert.True(t, bytes.Equal(content, got))
		})
	}
	assert.NotContains(t, withSFTP.Log(), "cat -- ", "the SFTP server was used through SFTP")
}

func TestFetchFileUnsafeNames(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.42"}})
	e := newExecutor(t, baseOptions(srv))
	dir := t.TempDir()
	tests := []struct{ remote, name string }{
		{"/tmp/..", ""},
		{"/", ""},
		{"/etc/hostname", ".."},
		{"/etc/hostname", "../escape"},
		{"/etc/hostname", "/etc/passwd"},
		{"/etc/hostname", "a/b"},
		{"/etc/hostname", "."},
	}
	for _, tt := range tests {
		_, err := e.FetchFile(ctxTimeout(t, 30*time.Second), srv.Addr, tt.remote, dir, tt.name)
		assert.ErrorIs(t, err, calyptos.ErrUnsafePath, "%q %q", tt.remote, tt.name)
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries)
	assert.Equal(t, 0, srv.Handshakes(), "refused before connecting")
}

// sparseFile makes a 64 GiB file that takes no disk space: long enough to
// be sure a transfer is still running when the test acts on it.
func sparseFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "huge.log")
	f, err := os.Create(p)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(64<<30))
	require.NoError(t, f.Close())
	return p
}

func TestKilledMidFetch(t *testing.T) {
	t.Parallel()
	for _, noSFTP := range []bool{false, true} {
		t.Run(map[bool]string{false: "sftp", true: "cat"}[noSFTP], func(t *testing.T) {
			srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.43"}, NoSFTP: noSFTP})
			e := newExecutor(t, baseOptions(srv))
			remote := sparseFile(t)
			out := t.TempDir()
			go func() {
				// Kill sshd once the partial file shows data.
				for range 500 {
					if partialBytes(out) > 0 {
						break
					}
					time.Sleep(10 * time.Millisecond)
				}
				srv.Kill()
			}()
			start := time.Now()
			_, err := e.FetchFile(ctxTimeout(t, 20*time.Second), srv.Addr, remote, out, "")
			require.Error(t, err)
			assert.Less(t, time.Since(start), 10*time.Second)
			assert.ErrorIs(t, err, sshexec.ErrConnLost)
			entries, rerr := os.ReadDir(out)
			require.NoError(t, rerr)
			assert.Empty(t, entries, "no partial or final file is left")
		})
	}
}

func partialBytes(dir string) int64 {
	entries, _ := os.ReadDir(dir)
	var n int64
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			n += info.Size()
		}
	}
	return n
}

func TestFetchCancel(t *testing.T) {
	t.Parallel()
	for _, noSFTP := range []bool{false, true} {
		t.Run(map[bool]string{false: "sftp", true: "cat"}[noSFTP], func(t *testing.T) {
			srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.44"}, NoSFTP: noSFTP})
			e := newExecutor(t, baseOptions(srv))
			remote := sparseFile(t)
			// Connect first, so that the deadline falls mid-transfer.
			_, err := e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, "true")
			require.NoError(t, err)
			var n atomic.Int64
			ctx := ctxTimeout(t, 2*time.Second)
			start := time.Now()
			err = e.Fetch(ctx, srv.Addr, remote, writerFunc(func(p []byte) (int, error) {
				n.Add(int64(len(p)))
				return len(p), nil
			}))
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			assert.NotErrorIs(t, err, calyptos.ErrTransport)
			assert.Less(t, time.Since(start), 15*time.Second)
			got := n.Load()
			assert.Greater(t, got, int64(0), "the transfer had started")
			time.Sleep(200 * time.Millisecond)
			assert.Equal(t, got, n.Load(), "nothing is written after Fetch returns")
		})
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// hashWriter hashes what it is given and counts it, in constant memory.
type hashWriter struct {
	h interface {
		io.Writer
		Sum([]byte) []byte
	}
	n atomic.Int64
}

func (w *hashWriter) Write(p []byte) (int, error) {
	w.n.Add(int64(len(p)))
	return w.h.Write(p)
}

func TestFetch100MiBBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("100 MiB transfer skipped in -short mode")
	}
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.45"}})
	const size = 100 << 20
	file := filepath.Join(t.TempDir(), "big.bin")
	f, err := os.Create(file)
	require.NoError(t, err)
	want := sha256.New()
	block := make([]byte, 1<<20)
	for i := range block {
		block[i] = byte(i * 7)
	}
	for range size / len(block) {
		block[0]++
		_, err := io.MultiWriter(f, want).Write(block)
		require.NoError(t, err)
	}
	require.NoError(t, f.Close())

	e := newExecutor(t, baseOptions(srv))
	// Open the connection and the SFTP client first, so that the
	// measurement covers the transfer only.
	require.NoError(t, e.Fetch(ctxTimeout(t, 30*time.Second), srv.Addr, srv.KnownHostsFile, io.Discard))

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	})
	w := &hashWriter{h: sha256.New()}
	err = e.Fetch(ctxTimeout(t, 50*time.Second), srv.Addr, file, w)
	close(stop)
	wg.Wait()
	require.NoError(t, err)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)

	assert.Equal(t, int64(size), w.n.Load())
	assert.Equal(t, want.Sum(nil), w.h.Sum(nil), "content differs")
	growth := int64(peak.Load()) - int64(before.HeapInuse)
	t.Logf("100 MiB fetch: peak heap in use +%.1f MiB, allocated %.1f MiB in total",
		float64(growth)/(1<<20), float64(after.TotalAlloc-before.TotalAlloc)/(1<<20))
	assert.Less(t, growth, int64(32<<20), "heap grew by more than 32 MiB for a 100 MiB file")
}

// TestCloseWithFetchWaitingForSlot: Close (and a keepalive drop, which
// closes the same way) must not wait for a fetch that is queued for a
// session slot held by long commands: it closes the connection, which ends
// them all.
func TestCloseWithFetchWaitingForSlot(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.64"}})
	opts := baseOptions(srv)
	opts.MaxSessionsPerHost = 2
	e, err := sshexec.New(opts)
	require.NoError(t, err)
	defer e.Close()
	dir := t.TempDir()

	runs := make(chan error, 2)
	for i := range 2 {
		marker := filepath.Join(dir, fmt.Sprint("running", i))
		go func() {
			_, err := e.Run(ctxTimeout(t, 60*time.Second), srv.Addr, "touch "+calyptos.ShellQuote(marker)+"; sleep 60")
			runs <- err
		}()
	}
	require.True(t, eventually(func() bool {
		_, err0 := os.Stat(filepath.Join(dir, "running0"))
		_, err1 := os.Stat(filepath.Join(dir, "running1"))
		return err0 == nil && err1 == nil
	}), "both commands hold a session slot")
	fetched := make(chan error, 1)
	go func() { fetched <- e.Fetch(ctxTimeout(t, 30*time.Second), srv.Addr, srv.KnownHostsFile, io.Discard) }()
	time.Sleep(300 * time.Millisecond) // let the fetch queue for a slot; passing does not depend on it

	closed := make(chan error, 1)
	go func() { closed <- e.Close() }()
	select {
	case err := <-closed:
		assert.NoError(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("Close waited for the queued fetch")
	}
	for range 2 {
		select {
		case err := <-runs:
			assert.Error(t, err)
		case <-time.After(15 * time.Second):
			t.Fatal("a command outlived Close")
		}
	}
	select {
	case err := <-fetched:
		assert.Error(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("the queued fetch outlived Close")
	}
}

// TestFetchDeadlineWhileAnotherStartsSFTP: on a host that froze before its
// SFTP client was started, a fetch with a short deadline returns at that
// deadline, not when the fetch ahead of it (starting SFTP, with a long
// deadline) gives up.
func TestFetchDeadlineWhileAnotherStartsSFTP(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.69"}})
	e := newExecutor(t, baseOptions(srv))
	_, err := e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, "true")
	require.NoError(t, err)
	srv.Freeze()
	defer srv.Thaw()

	first := make(chan error, 1)
	go func() { first <- e.Fetch(ctxTimeout(t, 40*time.Second), srv.Addr, srv.KnownHostsFile, io.Discard) }()
	time.Sleep(300 * time.Millisecond) // the first fetch starts SFTP; passing does not depend on it
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = e.Fetch(ctx, srv.Addr, srv.KnownHostsFile, io.Discard)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 15*time.Second, "held until the first fetch's 40s deadline")
	srv.Thaw()
	assert.NoError(t, <-first, "the first fetch goes on once the host answers again")
}

// A remote path that is not a regular file is not read: a named pipe
// would block the transfer (and the server) until a writer came, a device
// might never end. Nothing is left waiting on the pipe.
func TestFetchNotRegular(t *testing.T) {
	t.Parallel()
	withSFTP := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.92"}})
	noSFTP := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.93"}, NoSFTP: true})
	dir := t.TempDir()
	fifo := filepath.Join(dir, "archive.tar.gz")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	file := filepath.Join(dir, "real")
	require.NoError(t, os.WriteFile(file, []byte("content\n"), 0o600))
	link := filepath.Join(dir, "link")
	require.NoError(t, os.Symlink(file, link))
	for _, srv := range []*sshdtest.Server{withSFTP, noSFTP} {
		name := map[bool]string{true: "cat fallback", false: "sftp"}[srv == noSFTP]
		t.Run(name, func(t *testing.T) {
			e := newExecutor(t, baseOptions(srv))
			for _, p := range []string{fifo, "/dev/zero", dir} {
				var buf bytes.Buffer
				start := time.Now()
				err := e.Fetch(ctxTimeout(t, 20*time.Second), srv.Addr, p, &buf)
				assert.ErrorIs(t, err, sshexec.ErrNotRegular, p)
				assert.NotErrorIs(t, err, context.DeadlineExceeded, p)
				assert.NotErrorIs(t, err, calyptos.ErrTransport, p)
				assert.Less(t, time.Since(start), 5*time.Second, p)
				assert.Zero(t, buf.Len(), p)
				if p == fifo && srv == withSFTP {
					assert.ErrorContains(t, err, "not a regular file: a named pipe")
				}
			}
			// With no reader (none blocked opening it either), a writer
			// that will not wait cannot open the pipe.
			_, err := syscall.Open(fifo, syscall.O_WRONLY|syscall.O_NONBLOCK, 0)
			assert.ErrorIs(t, err, syscall.ENXIO, "someone is still waiting on the pipe")

			var buf bytes.Buffer
			require.NoError(t, e.Fetch(ctxTimeout(t, 20*time.Second), srv.Addr, link, &buf), "a link to a regular file is fetched")
			assert.Equal(t, "content\n", buf.String())
		})
	}
}
