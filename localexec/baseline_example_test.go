package localexec_test

import (
	"context"
	"fmt"
	"net"
	"os"

	"github.com/org/calyptos/baseline"
	"github.com/org/calyptos/eucalyptus"

	"github.com/org/calyptos"
	"github.com/org/calyptos/localexec"
)

// Stop a service between two runs over the local executor, and compare
// the reports: the only regression is the stopped service. The "service"
// is a TCP listener of this process, looked for in /proc/net/tcp.
func Example_baseline() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	svc := listening{port: ln.Addr().(*net.TCPAddr).Port}
	rb := calyptos.NewRoleBuilder(map[string][]string{eucalyptus.RoleCLC: {"127.0.0.1"}})
	e := localexec.New(localexec.Options{Hosts: []string{"127.0.0.1"}})
	run := func() *calyptos.Report {
		rep, err := calyptos.RunDebuggers(context.Background(), rb, e, []calyptos.Debugger{svc}, calyptos.RunOptions{})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
		return rep
	}

	before := run()
	ln.Close() // the service stops
	after := run()

	d, err := baseline.Compare(before, after)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("before:", before.Totals.Pass, "passed,", before.Totals.Fail, "failed")
	fmt.Println("after:", after.Totals.Pass, "passed,", after.Totals.Fail, "failed")
	for _, ch := range d.Regressions(false) {
		fmt.Printf("regression: %s on %s (%s, was %s); hint: %s\n", ch.ID, ch.Host, ch.Status, ch.Was, ch.Hint)
	}
	// Output:
	// before: 1 passed, 0 failed
	// after: 0 passed, 1 failed
	// regression: service/listening on 127.0.0.1 (fail, was pass); hint: start the service
}

// listening checks that a TCP port of 127.0.0.1 is listening on every
// host, as the kernel's socket table says.
type listening struct{ port int }

func (listening) Name() string { return "service" }

func (l listening) Debug(ctx context.Context, c *calyptos.Check) {
	cmd := fmt.Sprintf("grep -qi ':%04X 00000000:0000 0A' /proc/net/tcp", l.port)
	for _, r := range c.RunOnHosts(ctx, cmd, c.Roles().All()) {
		if !c.HostOK(r) {
			continue
		}
		s := c.OnHost(r.Host).Key("listening").Hint("start the service")
		if r.OK() {
			s.Successf("port %d is listening", l.port)
		} else {
			s.Failuref("port %d is not listening", l.port)
		}
	}
}
