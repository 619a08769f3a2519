//go:build unix

package calyptostest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/localexec"
)

// brokenEnv names the broken executor a child process of
// TestContractCatchesBrokenExecutors runs the suite on.
const brokenEnv = "CALYPTOSTEST_BROKEN_EXECUTOR"

// broken executors each break one rule of the contract: run is the
// subtest of TestExecutor that must catch it, says what its failure says.
var broken = map[string]struct {
	make      func() calyptos.Executor
	run, says string
}{
	"trims newlines": {
		func() calyptos.Executor {
			return runFunc(func(ctx context.Context, host, cmd string) (calyptos.Output, error) {
				out, err := local().Run(ctx, host, cmd)
				out.Stdout = strings.TrimRight(out.Stdout, "\n")
				return out, err
			})
		}, "Output/newlines kept", `expected: calyptos.Output{Stdout:"a\n\n\n"`,
	},
	"exit status as error": {
		func() calyptos.Executor {
			return runFunc(func(ctx context.Context, host, cmd string) (calyptos.Output, error) {
				out, err := local().Run(ctx, host, cmd)
				if err == nil && out.ExitCode != 0 {
					err = fmt.Errorf("exit status %d", out.ExitCode)
				}
				return out, err
			})
		}, "Output/exit 1", "a command that ran is an Output",
	},
	"kills the shell only": {
		func() calyptos.Executor { return runFunc(shellOnly) }, "Deadline", "are still running on the host",
	},
	"starts with a done context": {
		func() calyptos.Executor {
			return runFunc(func(ctx context.Context, host, cmd string) (calyptos.Output, error) {
				if err := ctx.Err(); err != nil {
					_, _ = local().Run(context.Background(), host, cmd)
					return calyptos.Output{}, err
				}
				return local().Run(ctx, host, cmd)
			})
		}, "DoneContext", "were started on the host anyway",
	},
	"unreachable is no transport error": {
		func() calyptos.Executor {
			return runFunc(func(ctx context.Context, host, cmd string) (calyptos.Output, error) {
				out, err := local().Run(ctx, host, cmd)
				if errors.Is(err, localexec.ErrUnknownHost) {
					err = errors.New("no route to host")
				}
				return out, err
			})
		}, "Unreachable", "must wrap calyptos.ErrTransport",
	},
	"writes after Fetch returned": {
		func() calyptos.Executor { return lateFetcher{local()} }, "Fetch/cancelled while copying", "dst was written to after Fetch returned",
	},
}

func local() *localexec.Executor {
	return localexec.New(localexec.Options{Hosts: []string{"localhost"}})
}

// runFunc is an Executor made of a Run function; it fetches with
// localexec.
type runFunc func(ctx context.Context, host, cmd string) (calyptos.Output, error)

func (f runFunc) Run(ctx context.Context, host, cmd string) (calyptos.Output, error) {
	return f(ctx, host, cmd)
}

func (f runFunc) Fetch(ctx context.Context, host, path string, dst io.Writer) error {
	return local().Fetch(ctx, host, path, dst)
}

// shellOnly runs the command as os/exec does by default: the context's
// end kills the shell, not what it started.
func shellOnly(ctx context.Context, host, cmd string) (calyptos.Output, error) {
	if host != "localhost" {
		return calyptos.Output{}, fmt.Errorf("%w: %s", calyptos.ErrTransport, host)
	}
	var stdout, stderr strings.Builder
	c := exec.CommandContext(ctx, "/bin/sh", "-c", cmd)
	c.Stdout, c.Stderr, c.WaitDelay = &stdout, &stderr, 100*time.Millisecond
	err := c.Run()
	out := calyptos.Output{Stdout: stdout.String(), Stderr: stderr.String(), ExitCode: c.ProcessState.ExitCode()}
	if ctx.Err() != nil {
		return out, ctx.Err()
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		err = nil
	}
	return out, err
}

// lateFetcher's Fetch returns when its context ends, and leaves the copy
// running.
type lateFetcher struct{ *localexec.Executor }

func (l lateFetcher) Fetch(ctx context.Context, host, path string, dst io.Writer) error {
	done := make(chan error, 1)
	go func() { done <- l.Executor.Fetch(context.WithoutCancel(ctx), host, path, dst) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestContractCatchesBrokenExecutors runs the suite's subtest for each
// broken executor in a child process, where it must fail, saying why.
func TestContractCatchesBrokenExecutors(t *testing.T) {
	if name := os.Getenv(brokenEnv); name != "" {
		b := broken[name]
		calyptostest.TestExecutor(t, calyptostest.ExecutorHarness{
			New:         func(*testing.T) calyptos.Executor { return b.make() },
			Hosts:       []string{"localhost"},
			Unreachable: "unreachable.invalid",
			Grace:       2 * time.Second,
		})
		return
	}
	for name, b := range broken {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			pattern := "^" + t.Name()[:strings.IndexByte(t.Name(), '/')] + "$"
			for _, part := range strings.Split(b.run, "/") {
				pattern += "/^" + strings.ReplaceAll(part, " ", "_") + "$"
			}
			cmd := exec.Command(os.Args[0], "-test.run="+pattern, "-test.v")
			cmd.Env = append(os.Environ(), brokenEnv+"="+name)
			out, err := cmd.CombinedOutput()
			killLeft(t, string(out))
			require.Error(t, err, "the suite passed an executor that %s:\n%s", name, out)
			assert.Contains(t, string(out), "--- FAIL: TestContractCatchesBrokenExecutors/"+strings.ReplaceAll(b.run, " ", "_"))
			assert.Contains(t, string(out), b.says)
		})
	}
}

// killLeft kills the processes that a failed Deadline check names as
// still running: the child process's own command, left by the executor
// that kills the shell only.
func killLeft(t *testing.T, out string) {
	for _, m := range regexp.MustCompile(`processes \[([0-9 ]+)\]`).FindAllStringSubmatch(out, -1) {
		for _, f := range strings.Fields(m[1]) {
			if pid, err := strconv.Atoi(f); err == nil && pid > 1 {
				t.Logf("killing process %d, left by the broken executor", pid)
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
}
