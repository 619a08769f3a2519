package localexec_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos/executor"
	"github.com/org/calyptos/internal/factbatch"
	"github.com/org/calyptos/localexec"
)

// TestGatheringScriptLeavesNothingWhenCancelled runs the real gathering
// script under localexec and ends its context while a fact command is
// running: the script's private directory (calyptos-facts.*, in the
// command's TMPDIR) must be gone when Run returns, though the whole
// process group, the script's EXIT trap and its watchdog included, is
// killed.
func TestGatheringScriptLeavesNothingWhenCancelled(t *testing.T) {
	for _, shell := range []string{"/bin/sh", "/bin/bash"} {
		t.Run(filepath.Base(shell), func(t *testing.T) {
			if _, err := os.Stat(shell); err != nil {
				if os.Getenv("CI") == "true" {
					t.Fatalf("%s missing: %v", shell, err)
				}
				t.Skipf("%s missing", shell)
			}
			tmp := t.TempDir()
			marker := filepath.Join(t.TempDir(), "started")
			e := localexec.New(localexec.Options{Shell: shell, Env: append(os.Environ(), "TMPDIR="+tmp)})
			script := factbatch.Script("B0undary", []factbatch.Cmd{
				{Command: "echo one", Seconds: 5, Cap: 100},
				{Command: "touch " + marker + "; sleep 30", Seconds: 60, Cap: 100},
			})
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() {
				_, err := e.Run(ctx, "localhost", script)
				done <- err
			}()
			require.Eventually(t, func() bool { _, err := os.Stat(marker); return err == nil }, 20*time.Second, 10*time.Millisecond, "the slow command started")
			left, err := filepath.Glob(filepath.Join(tmp, "*", "calyptos-facts.*"))
			require.NoError(t, err)
			direct, err := filepath.Glob(filepath.Join(tmp, "calyptos-facts.*"))
			require.NoError(t, err)
			require.NotEmpty(t, append(left, direct...), "the script made its directory")
			cancel()
			require.ErrorIs(t, <-done, context.Canceled)
			entries, err := os.ReadDir(tmp)
			require.NoError(t, err)
			assert.Empty(t, entries, "nothing is left in TMPDIR after the cancelled run")
		})
	}
}

// A command cut short by its time limit says which limit and its value,
// as sshexec does, not a bare "context deadline exceeded".
func TestRunTimeoutNamesTheLimit(t *testing.T) {
	e := localexec.New(localexec.Options{})
	parent := t.Context()
	cctx, cancel := context.WithTimeout(parent, 200*time.Millisecond)
	defer cancel()
	ctx := executor.WithCommandLimit(cctx, parent, 200*time.Millisecond)
	_, err := e.Run(ctx, "localhost", "sleep 5")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "did not finish within 200ms (command timeout)")

	dctx, dcancel := context.WithTimeout(parent, 300*time.Millisecond)
	defer dcancel()
	_, err = e.Run(dctx, "localhost", "sleep 5")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "(deadline of the call)")
}

// A process that left the command's process group (timeout(1) makes a
// group of its own) dies with the command when its context ends.
func TestRunKillsDescendantsOutsideTheGroup(t *testing.T) {
	if _, err := exec.LookPath("setsid"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("setsid missing")
		}
		t.Skip("setsid missing")
	}
	pidFile := filepath.Join(t.TempDir(), "pid")
	e := localexec.New(localexec.Options{})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := e.Run(ctx, "localhost", "setsid sh -c 'echo $$ >"+pidFile+"; exec sleep 60'")
		done <- err
	}()
	var pid int
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(pidFile)
		if err != nil || !bytes.HasSuffix(b, []byte("\n")) {
			return false
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil
	}, 20*time.Second, 10*time.Millisecond)
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		return err != nil || bytes.Contains(b, []byte(") Z "))
	}, 5*time.Second, 10*time.Millisecond, "the process outside the group is killed")
}
