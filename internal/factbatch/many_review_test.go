package factbatch

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Many hung facts: the watchdog stops all those past their bound in one
// walk of /proc per tick. (With a walk per fact it fell seconds behind,
// and 200 facts took 35 s against a Bound of 11 s, 141 of them reported
// ended, not timed out.)
func TestScriptManyHungFactsBounded(t *testing.T) {
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
