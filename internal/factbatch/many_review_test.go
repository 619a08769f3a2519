package factbatch

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Many hung facts: the watchdog stops them one by one, each with a shell
// scan of all of /proc, inside its tick loop; it falls seconds behind,
// counts only a few ticks, and the facts it does not reach run to their
// own end, past their bound and the script's Bound (200 facts here took
// 35 s against a Bound of 11 s, 141 of them reported ended, not timed out).
func TestReviewManyHungFactsUnbounded(t *testing.T) {
	t.Skip("known: the watchdog stops hung facts one /proc scan each, so a hundred of them stall its ticks past Bound (issue 24 note)")
	cmds := make([]Cmd, 100)
	for i := range cmds {
		cmds[i] = Cmd{Command: fmt.Sprintf("sleep 20.%03d", i), Seconds: 4, Cap: 100}
	}
	start := time.Now()
	res, _, err := reviewRun(t, "dash", cmds)
	require.NoError(t, err)
	assert.Less(t, time.Since(start), Bound(cmds), "the script ran past its Bound")
	for i, r := range res {
		assert.True(t, r.TimedOut, "fact %d: %+v", i, r)
	}
}
