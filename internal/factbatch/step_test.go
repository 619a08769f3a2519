package factbatch

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/org/calyptos/internal/shelltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStep(t *testing.T) {
	for _, tc := range []struct {
		longest, step int
		bound         time.Duration
	}{
		{1, 1, 6 * time.Second},
		{59, 1, 64 * time.Second},
		{60, 2, 67 * time.Second},
		{108, 2, 115 * time.Second},
	} {
		cmds := []Cmd{{Command: "true", Seconds: tc.longest, Cap: 1}}
		assert.Equal(t, tc.step, step(cmds), "longest %d", tc.longest)
		assert.Equal(t, tc.bound, Bound(cmds), "longest %d", tc.longest)
		assert.Contains(t, Script(testBoundary, cmds), fmt.Sprintf("\ngather_begin %d 1 2 %d\n", tc.longest, tc.step))
	}
}

// In a long run the watchdog ticks every two seconds: a fact still gets
// its whole bound, even one that starts just before a tick (here the
// second, at ~1.9 s: a bound counted from the tick before would stop it
// at once), and a hung one is stopped at most three seconds past it.
func TestScriptLongRunTicksEveryTwoSeconds(t *testing.T) {
	for i, name := range []string{"dash", "bash", "busybox"} {
		t.Run(name, func(t *testing.T) {
			hung := fmt.Sprintf("sleep 30.%d%d", os.Getpid(), i)
			cmds := []Cmd{
				{Command: "sleep 1.9; echo a", Seconds: 5, Cap: 10},
				{Command: "sleep 0.9; echo b", Seconds: 1, Cap: 10},
				{Command: hung, Seconds: 2, Cap: 10},
				{Command: "echo c", Seconds: 60, Cap: 10},
			}
			require.Equal(t, 2, step(cmds))
			start := time.Now()
			res := Parse(testBoundary, cmds, runScript(t, shelltest.Path(t, name), Script(testBoundary, cmds)))
			took := time.Since(start)
			for k, r := range res {
				require.NoError(t, r.Err, "fact %d", k)
			}
			assert.Equal(t, Result{Stdout: "a\n"}, untimed(res[0]))
			assert.Equal(t, Result{Stdout: "b\n"}, untimed(res[1]), "a fact that starts just before a tick gets its whole bound")
			assert.True(t, res[2].TimedOut, "%+v", res[2])
			assert.Equal(t, Result{Stdout: "c\n"}, untimed(res[3]))
			assert.Less(t, took, 12*time.Second, "the hung fact is stopped a few seconds past its bound")
			assertGone(t, hung, "the hung fact's process is killed")
		})
	}
}
