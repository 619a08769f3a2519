package factbatch

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/org/calyptos/internal/shelltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A fact that closes the descriptors in which bash saved the worker's own
// stdout and stderr (10 to 12) leaves them on its own files: bash cannot
// restore them when gather_eval returns ("Bad file descriptor"). The
// worker's messages for the next fact (here a ulimit -S -f above the hard
// limit the first fact lowered) must still not reach the first fact's
// frame: the worker's own commands send their stderr to /dev/null
// themselves. Bash as sh (posix mode) too; dash takes no descriptor above
// 9 in exec.
func TestReviewWorkerMessagesStayOutOfFrames(t *testing.T) {
	first := `exec 10>&- 11>&- 12>&- 13>&- 14>&- 15>&-; ulimit -H -f 100000`
	second := `echo second`
	bash := shelltest.Path(t, "bash")
	posix := filepath.Join(t.TempDir(), "sh")
	require.NoError(t, os.Symlink(bash, posix))
	for name, sh := range map[string]string{"bash": bash, "bash as sh": posix} {
		t.Run(name, func(t *testing.T) {
			cmds := []Cmd{{Command: first, Seconds: 5, Cap: 1000}, {Command: second, Seconds: 5, Cap: 1000 << 20}}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			out, err := groupCommand(ctx, sh, "-c", Script(testBoundary, cmds)).Output()
			require.NoError(t, err)
			res := Parse(testBoundary, cmds, string(out))
			require.NoError(t, res[0].Err)
			require.NoError(t, res[1].Err)
			assert.NotContains(t, res[0].Stderr, "ulimit", "the worker's ulimit message for the second fact reached the first one's frame")
			assert.Equal(t, "second\n", res[1].Stdout)
		})
	}
}

// A fact that closes the descriptors 10 to 12 (where the shell keeps the
// copies it restores after a redirected call) leaves a script that still
// ends, with the later facts' results. Busybox sh looped for ever on the
// failed restore at the end of the worker, once every fact had a status
// and the watchdog had stopped watching.
func TestReviewFactClosingSavedDescriptorsEnds(t *testing.T) {
	cmds := []Cmd{
		{Command: `exec 10>&- 11>&- 12>&-; echo first`, Seconds: 3, Cap: 1000},
		{Command: `echo second`, Seconds: 3, Cap: 1000},
	}
	for _, name := range reviewShells {
		t.Run(name, func(t *testing.T) {
			res := runEnding(t, name, cmds, Script(testBoundary, cmds))
			require.Len(t, res, 2)
			assert.Equal(t, "second\n", res[1].Stdout)
		})
	}
}
