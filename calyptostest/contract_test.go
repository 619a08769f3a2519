package calyptostest_test

import (
	"testing"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/localexec"
)

// TestExecutorContract runs the contract suite on the fake, whose
// catch-all rules forward to a localexec.Executor: the fake's own part
// (recording, rule matching, HostDown, contexts, its batch decoding) must
// keep the contract as the executor it stands for does.
func TestExecutorContract(t *testing.T) {
	calyptostest.TestExecutor(t, calyptostest.ExecutorHarness{
		New: func(t *testing.T) calyptos.Executor {
			e := calyptostest.NewExecutor(t)
			local := localexec.New(localexec.Options{})
			e.OnMatch("", "").Forward(local)
			e.OnFetch("", "~.*").Forward(local)
			e.HostDown("down.invalid")
			return e
		},
		Hosts:       []string{"h1", "h2"},
		Unreachable: "down.invalid",
	})
}
