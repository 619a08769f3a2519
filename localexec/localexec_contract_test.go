package localexec_test

import (
	"testing"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/localexec"
)

// TestExecutorContract runs calyptostest's contract suite on the local
// executor: "localhost" is this machine, any other name is outside
// Options.Hosts and so unreachable.
func TestExecutorContract(t *testing.T) {
	calyptostest.TestExecutor(t, calyptostest.ExecutorHarness{
		New: func(*testing.T) calyptos.Executor {
			return localexec.New(localexec.Options{Hosts: []string{"localhost"}})
		},
		Hosts:       []string{"localhost"},
		Unreachable: "unreachable.invalid",
	})
}
