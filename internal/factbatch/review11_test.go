package factbatch

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/org/calyptos/internal/shelltest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A fact that closes the descriptors in which bash saved the worker's own
// stdout and stderr (10 to 12) leaves the worker's stderr on its stderr
// file: bash cannot restore it when gather_eval returns ("Bad file
// descriptor"). The worker's own messages for the next fact (here a
// ulimit -S -f above the hard limit the first fact lowered) then land in
// the first fact's frame, which the old script's 2>/dev/null prevented.
// Bash as sh (posix mode) too. Dash takes no fd above 9 in exec; busybox is not run (closing fd 10
// there spins, in the old script too).
func TestReview11WorkerMessagesStayOutOfFrames(t *testing.T) {
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
			out, err := exec.CommandContext(ctx, sh, "-c", Script(testBoundary, cmds)).Output()
			require.NoError(t, err)
			res := Parse(testBoundary, cmds, string(out))
			require.NoError(t, res[0].Err)
			require.NoError(t, res[1].Err)
			assert.NotContains(t, res[0].Stderr, "ulimit", "the worker's ulimit message for the second fact reached the first one's frame")
			assert.Equal(t, "second\n", res[1].Stdout)
		})
	}
}
