package calyptos_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/eucalyptus"
)

// CLCCheck is the seed's example validator, line for line.
type CLCCheck struct{}

func (CLCCheck) Name() string { return "clccheck" }

func (CLCCheck) Validate(ctx context.Context, c *calyptos.Check) {
	clcs := c.Roles().Hosts(eucalyptus.RoleCLC)
	if len(clcs) == 0 {
		c.Failure("No CLCs found")
		return
	}
	c.Success("Found at least 1 CLC")
	if len(clcs) == 1 {
		c.Success("Found only 1 CLC")
	} else {
		c.Failure("Found more than 1 CLC")
	}
}

// NCServiceCheck is a debugger: it asks every node controller at once
// whether its service runs, and reports per host.
type NCServiceCheck struct{}

func (NCServiceCheck) Name() string { return "ncservice" }

func (NCServiceCheck) Debug(ctx context.Context, c *calyptos.Check) {
	ncs := c.Roles().Hosts(eucalyptus.RoleNodeController)
	for _, r := range c.RunOnHosts(ctx, "service eucalyptus-nc status", ncs) {
		if !c.HostOK(r) { // unreachable: reported once for this host
			continue
		}
		if strings.Contains(r.Stdout, "running") {
			c.OnHost(r.Host).Success("NC service running")
		} else {
			c.OnHost(r.Host).Failuref("NC service not running (exit %d)", r.ExitCode)
		}
	}
}

func Example_validator() {
	rb, err := eucalyptus.Load("testdata/edge.yml")
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := calyptos.RunValidators(context.Background(), rb, []calyptos.Validator{CLCCheck{}}, calyptos.RunOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range rep.Findings() {
		fmt.Println(f.Status, f.Message)
	}
	fmt.Printf("passed %d, failed %d\n", rep.Totals.Pass, rep.Totals.Fail)
	// Output:
	// pass Found at least 1 CLC
	// pass Found only 1 CLC
	// passed 2, failed 0
}

func Example_debugger() {
	rb, _ := eucalyptus.Load("testdata/edge.yml")

	// A fake executor stands in for SSH here; sshexec.New gives a real one.
	exec := calyptostest.NewExecutor(nil)
	exec.On("", "service eucalyptus-nc status").Stdout("eucalyptus-nc (pid 4242) is running...\n")
	exec.On("192.0.2.22", "service eucalyptus-nc status").Stdout("eucalyptus-nc is stopped\n").Exit(3)
	exec.HostDown("192.0.2.32")

	rep, err := calyptos.RunDebuggers(context.Background(), rb, exec, []calyptos.Debugger{NCServiceCheck{}}, calyptos.RunOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range rep.Findings() {
		fmt.Println(f.Status, f.Host, f.Message)
	}
	// Output:
	// pass 192.0.2.21 NC service running
	// fail 192.0.2.22 NC service not running (exit 3)
	// fail 192.0.2.32 cannot run commands: dial: connection refused: transport failure
}

func ExampleNewRoleBuilder() {
	rb := calyptos.NewRoleBuilder(map[string][]string{
		"web": {"10.0.0.2", "10.0.0.1"},
		"db":  {"10.0.0.3"},
	})
	fmt.Println(rb.All())
	fmt.Println(rb.RoleNames())
	// Output:
	// [10.0.0.1 10.0.0.2 10.0.0.3]
	// [all db web]
}

func ExampleShellQuote() {
	host := "192.0.2.10; rm -rf /"
	fmt.Println("ping -c 1 " + calyptos.ShellQuote(host))
	// Output:
	// ping -c 1 '192.0.2.10; rm -rf /'
}
