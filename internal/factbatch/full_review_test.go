package factbatch

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/org/calyptos/internal/shelltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runPatched runs Script(cmds), with old replaced by new, in shell name,
// and requires that it ends by itself within 15 s.
func runPatched(t *testing.T, name string, cmds []Cmd, old, new string) []Result {
	t.Helper()
	script := Script(testBoundary, cmds)
	require.Contains(t, script, old)
	return runEnding(t, name, cmds, strings.ReplaceAll(script, old, new))
}

// runEnding runs script for cmds in shell name, with env added to the
// environment, and requires that it ends by itself within 15 s.
func runEnding(t *testing.T, name string, cmds []Cmd, script string, env ...string) []Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd := groupCommand(ctx, shelltest.Path(t, name), "-c", script)
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = time.Second // a process left behind may hold the output open
	out, _ := cmd.Output()
	require.NoError(t, ctx.Err(), "the script ended by itself")
	return Parse(testBoundary, cmds, string(out))
}

// A full private directory (no inode left, or no space: made here with a
// path that cannot be written) must not leave a hung fact running for
// ever. Each case makes one of the watchdog's writes fail: the .killed
// mark (a failed redirection of ":" ended the watchdog in dash and
// busybox), and the list of workers (the watchdog could not find the
// worker to stop). Before the fix both hung until the session was cut.
func TestScriptStopsHungFactWhenItsDirectoryIsFull(t *testing.T) {
	for _, tc := range []struct{ name, old, new string }{
		{"killed mark", `"$gather_dir/$1.killed"`, `"$gather_dir/full/$1.killed"`},
		{"workers list", `>>"$gather_dir/workers"`, `>>"$gather_dir/full/workers"`},
	} {
		for i, name := range reviewShells {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				tag := fmt.Sprintf("37.5%d%d", os.Getpid(), i)
				cmds := []Cmd{{Command: "sleep " + tag, Seconds: 1, Cap: 100}, {Command: "echo after", Seconds: 1, Cap: 100}}
				res := runPatched(t, name, cmds, tc.old, tc.new)
				assertGone(t, "sleep "+tag, "the hung fact is stopped")
				assert.False(t, res[0].Err == nil && res[0].ExitCode == 0, "the hung fact is not a success: %+v", res[0])
			})
		}
	}
}

// A private directory in which the script cannot make its own files (no
// inode left after the mkdir) ends the script with the reason, not
// silently (":" with a failed redirection ended it without a word).
func TestScriptSaysWhenItCannotMakeItsFiles(t *testing.T) {
	for _, name := range reviewShells {
		t.Run(name, func(t *testing.T) {
			cmds := []Cmd{{Command: "echo ran", Seconds: 1, Cap: 100}}
			res := runPatched(t, name, cmds, ` >"$gather_dir/workers"`, ` >"$gather_dir/full/workers"`)
			assert.ErrorContains(t, res[0].Err, "cannot write in the private directory")
		})
	}
}
