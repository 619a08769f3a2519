package factbatch

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/org/calyptos/internal/shelltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A file fact reads its file in another process than cat run as the fact
// would: /proc/self and /proc/thread-self name the frames' cat there (its
// command line, its descriptors; /proc/self/cwd is the private directory,
// with the marker in it), so such paths are not served, but for the mount
// namespace's files, the same in every process of it.
func TestKernelFileNotSelf(t *testing.T) {
	for _, c := range []string{
		"cat /proc/self/cmdline",
		"cat /proc/self/cwd/marker",
		"cat /proc/thread-self/status",
		"cat /proc/./self/cmdline",
		"cat /proc//self/cmdline",
		"cat /proc/self",
	} {
		_, ok := kernelFile(c)
		assert.False(t, ok, "%q", c)
	}
	for _, p := range []string{"/proc/self/mountinfo", "/proc/self/mounts"} {
		got, ok := kernelFile("cat " + p)
		assert.True(t, ok, "%q: the mount namespace's, the same in the frames' cat", p)
		assert.Equal(t, p, got)
	}
}

// A kernel file that was readable when its worker checked it but fails
// when the frames' cat reads it (a /proc/PID file of a process that ended,
// a /sys file that gives EIO) must not look like an empty file read
// without error: cat run as the fact exits 1 with its error. The file
// fact served after it keeps its own, clean, result.
func TestScriptKernelFileFailsAtFraming(t *testing.T) {
	version, err := os.ReadFile("/proc/version")
	require.NoError(t, err)
	for _, name := range reviewShells {
		t.Run(name, func(t *testing.T) {
			gone := filepath.Join(t.TempDir(), "vanishing")
			require.NoError(t, os.WriteFile(gone, []byte("stale\n"), 0o600))
			cmds := kernelCmds()
			cmds[4].Command = "rm -f " + gone
			res := runEnding(t, name, cmds, servingInstead(t, cmds, gone))
			require.NoError(t, res[1].Err)
			assert.Equal(t, 1, res[1].ExitCode, "the read failed: %+v", res[1])
			assert.Contains(t, res[1].Stderr, gone)
			assert.Empty(t, res[1].Stdout)
			require.NoError(t, res[3].Err)
			assert.Equal(t, Result{Stdout: string(version[:5]), Truncated: true}, untimed(res[3]))
			assert.Equal(t, 1, res[2].ExitCode, "the fact that ran cat keeps cat's status")
		})
	}
}

// A variable gather_file_N in the host's environment must not make fact N
// a file fact: it would not run.
func TestScriptIgnoresGatherFileFromEnvironment(t *testing.T) {
	for _, name := range reviewShells {
		t.Run(name, func(t *testing.T) {
			cmds := kernelCmds()
			res := runEnding(t, name, cmds, Script(testBoundary, cmds), "gather_file_0=/proc/version", "gather_file_4=/proc/version")
			require.NoError(t, res[0].Err)
			assert.Equal(t, "before\n", res[0].Stdout)
			require.NoError(t, res[4].Err)
			assert.Equal(t, "after\n", res[4].Stdout)
		})
	}
}

// The guard reads the frames' cat's input at descriptor 3. A descriptor 3
// the script inherited (on another mount than the private directory) made
// the guard take a cat blocked writing ordinary frames to a reader slower
// than two ticks for one stuck on a kernel file, and kill it.
func TestScriptGuardWithInheritedDescriptor3(t *testing.T) {
	for _, name := range reviewShells {
		t.Run(name, func(t *testing.T) {
			cmds := kernelCmds()
			cmds[0] = Cmd{Command: "head -c 300000 /dev/zero", Seconds: 5, Cap: 400000}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			null, err := os.Open("/dev/null")
			require.NoError(t, err)
			defer null.Close()
			cmd := exec.CommandContext(ctx, shelltest.Path(t, name), "-c", Script(testBoundary, cmds))
			cmd.ExtraFiles = []*os.File{null}
			stdout, err := cmd.StdoutPipe()
			require.NoError(t, err)
			require.NoError(t, cmd.Start())
			// A reader that takes nothing for a while: the cat blocks on
			// the first frame, a file of the private directory.
			time.Sleep(6 * time.Second)
			out, err := io.ReadAll(stdout)
			require.NoError(t, err)
			_ = cmd.Wait()
			res := Parse(testBoundary, cmds, string(out))
			require.NoError(t, res[0].Err)
			assert.Len(t, res[0].Stdout, 300000)
			require.NoError(t, res[1].Err, "frames after the slow one are kept")
			assert.Equal(t, "Linux\n", res[1].Stdout)
		})
	}
}

// A script killed (SIGKILL runs no EXIT trap; HUP and TERM run it in
// bash) while its frames' cat is stuck on a kernel file must not leave
// that cat behind.
func TestScriptKilledWhileFramingLeavesNoCat(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) { killWhileFraming(t, sig) })
	}
}

func killWhileFraming(t *testing.T, sig syscall.Signal) {
	fifo := hungFIFO(t)
	for _, name := range reviewShells {
		t.Run(name, func(t *testing.T) {
			tmp := t.TempDir()
			cmd := exec.Command(shelltest.Path(t, name), "-c", servingInstead(t, kernelCmds(), fifo))
			cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
			require.NoError(t, cmd.Start())
			// The facts take no time: the cat is stuck on the FIFO within
			// a tick, and the guard needs three.
			time.Sleep(1500 * time.Millisecond)
			require.NoError(t, cmd.Process.Signal(sig))
			_ = cmd.Wait()
			assertGone(t, fifo, "the frames' cat is stopped")
			// The watchdog removes the directory after the kill.
			assert.Eventually(t, func() bool {
				left, err := os.ReadDir(tmp)
				return err == nil && len(left) == 0
			}, 5*time.Second, 50*time.Millisecond, "the private directory is removed")
		})
	}
}

// slowReader reads r a little at a time, as a slow session would, until
// its deadline.
type slowReader struct {
	r        io.Reader
	deadline time.Time
}

func (s slowReader) Read(p []byte) (int, error) {
	if time.Now().After(s.deadline) {
		return 0, context.DeadlineExceeded
	}
	time.Sleep(10 * time.Millisecond)
	return s.r.Read(p[:min(len(p), 64<<10)])
}

// A kernel file that never ends (here a sparse file of a terabyte on
// another mount; /proc/kcore, a trace_pipe) keeps the frames' cat making
// progress: cat run as the fact is stopped at its bound, so the script
// must still end by itself, losing the file facts' frames only.
func TestScriptStopsFramesOnEndlessKernelFile(t *testing.T) {
	big := filepath.Join(otherMount(t), "endless")
	f, err := os.Create(big)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(1<<40))
	require.NoError(t, f.Close())
	for _, name := range reviewShells {
		t.Run(name, func(t *testing.T) {
			tmp := t.TempDir()
			cmds := kernelCmds()
			for i := range cmds {
				cmds[i].Seconds = 1
			}
			cmd := exec.Command(shelltest.Path(t, name), "-c", servingInstead(t, cmds, big))
			cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
			cmd.WaitDelay = time.Second
			stdout, err := cmd.StdoutPipe()
			require.NoError(t, err)
			require.NoError(t, cmd.Start())
			slow := slowReader{stdout, time.Now().Add(20 * time.Second)}
			var out strings.Builder
			_, _ = io.Copy(&out, io.LimitReader(slow, 1<<20))
			_, err = io.Copy(io.Discard, slow)
			if err != nil {
				_ = cmd.Process.Kill()
			}
			_ = cmd.Wait() // closes the pipe: a cat left writing gets EPIPE
			require.NoError(t, err, "the script ended by itself")
			res := Parse(testBoundary, cmds, out.String())
			assert.Equal(t, "before\n", res[0].Stdout)
			assert.Equal(t, "after\n", res[4].Stdout)
			assert.Error(t, res[3].Err, "the file facts' frames after it are lost")
			left, err := os.ReadDir(tmp)
			require.NoError(t, err)
			assert.Empty(t, left, "the private directory is removed")
		})
	}
}
