// Command factscript writes the commands `calyptos debug` sends to each
// host of a small deployment (a CLC, a CC and SC, two node controllers),
// built by the runner's own code, so that they can be measured on this
// machine (strace, perf) without SSH:
//
//	go run ./bench/factscript -out /tmp/scripts
//	strace -f -c -e trace=execve,clone,fork,vfork sh /tmp/scripts/10.0.0.10-1.sh
//
// The commands run here through localexec (sh -c), as a host would run
// them; each is written to OUT/HOST-N.sh in the order the host got them.
// The gathering script is the one that starts with ": calyptos-facts";
// beside it, HOST-N.floor.sh holds its fact commands bare, one after
// another, as the bench's debug-floor row runs them.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/org/calyptos"
	"github.com/org/calyptos/debugger"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/internal/factbatch"
	"github.com/org/calyptos/localexec"
)

// recorder writes every command to a file, then runs it locally.
type recorder struct {
	dir  string
	next calyptos.Executor
	mu   sync.Mutex
	n    map[string]int
}

func (r *recorder) Run(ctx context.Context, host, command string) (calyptos.Output, error) {
	r.mu.Lock()
	r.n[host]++
	name := filepath.Join(r.dir, fmt.Sprintf("%s-%d.sh", host, r.n[host]))
	r.mu.Unlock()
	if err := os.WriteFile(name, []byte(command+"\n"), 0o644); err != nil {
		return calyptos.Output{}, err
	}
	if _, cmds, ok := factbatch.Decode(command); ok {
		// The same commands bare, one after another: debug-floor's form.
		var b strings.Builder
		for _, c := range cmds {
			b.WriteString("{ " + c.Command + "\n} </dev/null\n")
		}
		if err := os.WriteFile(strings.TrimSuffix(name, ".sh")+".floor.sh", []byte(b.String()), 0o644); err != nil {
			return calyptos.Output{}, err
		}
	}
	return r.next.Run(ctx, host, command)
}

func (r *recorder) Fetch(ctx context.Context, host, path string, dst io.Writer) error {
	return r.next.Fetch(ctx, host, path, dst)
}

func main() {
	out := flag.String("out", "", "directory for the scripts (made if missing)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "factscript: -out DIR is required")
		os.Exit(2)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "factscript:", err)
		os.Exit(1)
	}
	rb := eucalyptus.NewRoleBuilder(map[string][]string{
		eucalyptus.RoleCLC: {"10.0.0.1"}, eucalyptus.RoleUserFacing: {"10.0.0.1"},
	}, eucalyptus.Cluster{Name: "bench", CC: []string{"10.0.0.2"}, SC: []string{"10.0.0.2"}, Nodes: []string{"10.0.0.10", "10.0.0.11"}})
	rec := &recorder{dir: *out, next: localexec.New(localexec.Options{}), n: map[string]int{}}
	if _, err := calyptos.RunDebuggers(context.Background(), rb, rec, debugger.Default(), calyptos.RunOptions{}); err != nil {
		fmt.Fprintln(os.Stderr, "factscript:", err)
		os.Exit(1)
	}
	for h, n := range rec.n {
		fmt.Printf("%s: %d commands\n", h, n)
	}
}
