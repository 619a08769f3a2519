package localexec_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/localexec"
)

// Run a command on this machine, whatever host the caller names.
func Example() {
	e := localexec.New(localexec.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	out, err := e.Run(ctx, "127.0.0.1", "echo hello; echo oops >&2; exit 2")
	if err != nil {
		fmt.Println("could not run:", err)
		return
	}
	fmt.Printf("stdout=%q stderr=%q exit=%d\n", out.Stdout, out.Stderr, out.ExitCode)
	// Output: stdout="hello\n" stderr="oops\n" exit=2
}

// Run the debuggers of a deployment whose hosts are all this machine.
func Example_debuggers() {
	rb := calyptos.NewRoleBuilder(map[string][]string{eucalyptus.RoleCLC: {"127.0.0.1"}})
	e := localexec.New(localexec.Options{Hosts: []string{"127.0.0.1"}})
	rep, err := calyptos.RunDebuggers(context.Background(), rb, e, []calyptos.Debugger{uptime{}}, calyptos.RunOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	fmt.Println(rep.Totals.Pass, "passed,", rep.Totals.Fail, "failed")
	// Output: 1 passed, 0 failed
}

// uptime is a tiny debugger: every host must answer `cat /proc/uptime`.
type uptime struct{}

func (uptime) Name() string { return "uptime" }

func (uptime) Debug(ctx context.Context, c *calyptos.Check) {
	for _, r := range c.RunOnHosts(ctx, "cat /proc/uptime", c.Roles().All()) {
		if c.HostOK(r) && r.OK() {
			c.OnHost(r.Host).Success("host is up")
		}
	}
}
