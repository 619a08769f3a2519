package baseline_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/org/calyptos/baseline"
	"github.com/org/calyptos/eucalyptus"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
)

// ncService is NCServiceCheck with a key and a hint: its pass and its
// failure on a host share the ID "ncservice/eucalyptus-nc".
type ncService struct{}

func (ncService) Name() string { return "ncservice" }

func (ncService) Debug(ctx context.Context, c *calyptos.Check) {
	ncs := c.Roles().Hosts(eucalyptus.RoleNodeController)
	for _, r := range c.RunOnHosts(ctx, "service eucalyptus-nc status", ncs) {
		if !c.HostOK(r) {
			continue
		}
		s := c.OnHost(r.Host).Key("eucalyptus-nc").Hint("start it: service eucalyptus-nc start")
		if strings.Contains(r.Stdout, "running") {
			s.Successf("NC service running (%s)", strings.TrimSpace(r.Stdout))
		} else {
			s.Failuref("NC service not running (exit %d)", r.ExitCode)
		}
	}
}

// Compare two runs of the same deployment: the node controller stopped on
// one host between them is the only regression.
func ExampleCompare() {
	rb := calyptos.NewRoleBuilder(map[string][]string{eucalyptus.RoleNodeController: {"10.0.0.21", "10.0.0.22"}})
	run := func(stopped string) *calyptos.Report {
		fake := calyptostest.NewExecutor(nil)
		fake.On(stopped, "service eucalyptus-nc status").Stdout("stopped").Exit(3)
		fake.On("", "service eucalyptus-nc status").Stdout("running, pid 4242")
		rep, _ := calyptos.RunDebuggers(context.Background(), rb, fake, []calyptos.Debugger{ncService{}}, calyptos.RunOptions{})
		return rep
	}
	before, after := run(""), run("10.0.0.22")

	d, err := baseline.Compare(before, after)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ch := range d.Changes {
		fmt.Printf("%-9s %s on %s: %s\n", ch.Class, ch.ID, ch.Host, ch.Message)
	}
	fmt.Println("regressions:", len(d.Regressions(false)))
	// Output:
	// unchanged ncservice/eucalyptus-nc on 10.0.0.21: NC service running (running, pid 4242)
	// new       ncservice/eucalyptus-nc on 10.0.0.22: NC service not running (exit 3)
	// regressions: 1
}
