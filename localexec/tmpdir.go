package localexec

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/org/calyptos/executor"
)

// privateTempDir makes a directory of the run's own inside the TMPDIR
// that env gives the command (else os.TempDir()), and returns env with
// TMPDIR pointing at it. A command killed with its process group when its
// context ends runs no cleanup of its own (the gathering script's EXIT
// trap, its watchdog): what it made there is removed with that directory.
// When the directory cannot be made, env is returned as it is and dir is "".
func privateTempDir(env []string) (dir string, out []string) {
	base := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "TMPDIR="); ok {
			base = v // the last one wins, as in os/exec
		}
	}
	if base == "" {
		base = os.TempDir()
	}
	dir, err := os.MkdirTemp(base, "calyptos-run.")
	if err != nil {
		return "", env
	}
	return dir, append(env[:len(env):len(env)], "TMPDIR="+dir)
}

// removeTempDir removes the run's directory: with what is in it when the
// command was killed, only if it is empty when the command ended by
// itself (a command may mean to leave a file behind).
func removeTempDir(dir string, killed bool) {
	if dir == "" {
		return
	}
	if killed {
		os.RemoveAll(dir)
		return
	}
	os.Remove(dir)
}

// explain says which limit ended a command whose context ran out of time,
// in the words sshexec uses ("did not finish within 2s (command
// timeout)"), instead of a bare "context deadline exceeded".
func explain(ctx context.Context, start time.Time, err error) error {
	if !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	name, limit := "deadline of the call", time.Duration(0)
	if _, d, ok := executor.CommandLimit(ctx); ok {
		name, limit = "command timeout", d
	} else if dl, ok := ctx.Deadline(); ok {
		limit = dl.Sub(start)
	}
	if limit >= time.Second {
		limit = limit.Round(100 * time.Millisecond)
	} else {
		limit = limit.Round(10 * time.Millisecond)
	}
	return fmt.Errorf("did not finish within %s (%s): %w", limit, name, err)
}
