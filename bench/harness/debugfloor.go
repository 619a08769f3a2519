package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/org/calyptos"
	"github.com/org/calyptos/debugger"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/internal/factbatch"
)

// The debug-floor tool: what `calyptos debug` must at least run on a node
// controller, bare, through `calyptos execute` on every host in one
// session: the node controller's fact commands (as the runner declares
// them, the reachability probe among them, one after another, stdin
// closed) and then every other command debug sends it. debug's cost over
// this is the gathering framework. The commands are
// built by the code under test, so the row follows every change.

// recorder is an Executor that keeps the commands sent to one host and
// answers every command with empty output.
type recorder struct {
	host string
	mu   sync.Mutex
	cmds []string
}

func (r *recorder) Run(_ context.Context, host, command string) (calyptos.Output, error) {
	if host == r.host {
		r.mu.Lock()
		r.cmds = append(r.cmds, command)
		r.mu.Unlock()
	}
	return calyptos.Output{}, nil
}

func (r *recorder) Fetch(context.Context, string, string, io.Writer) error {
	return errors.New("bench recorder: no files")
}

// debugFloorCommand returns the one command of debug-floor for the
// deployment rb: the fact commands and other commands debug's default
// debuggers send to rb's first node controller.
func debugFloorCommand(ctx context.Context, rb *calyptos.RoleBuilder) (string, error) {
	ncs := rb.Hosts(eucalyptus.RoleNodeController)
	if len(ncs) == 0 {
		return "", errors.New("debug-floor: the deployment has no node controller")
	}
	rec := &recorder{host: ncs[0]}
	if _, err := calyptos.RunDebuggers(ctx, rb, rec, debugger.Default(), calyptos.RunOptions{}); err != nil {
		return "", fmt.Errorf("debug-floor: recording debug's commands: %w", err)
	}
	var b strings.Builder
	facts := map[string]bool{}
	for _, c := range rec.cmds {
		_, cmds, ok := factbatch.Decode(c)
		if !ok {
			// The recorder answers no fact, so debug runs again on its own
			// what it had asked as a fact (the probe): count it once.
			if !facts[c] {
				b.WriteString(c + "\n")
			}
			continue
		}
		for _, f := range cmds {
			facts[f.Command] = true
			b.WriteString("{ " + f.Command + "\n} </dev/null\n")
		}
	}
	if len(facts) == 0 {
		return "", fmt.Errorf("debug-floor: debug sent %s no fact-gathering script", ncs[0])
	}
	return b.String(), nil
}
