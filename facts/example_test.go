package facts_test

import (
	"context"
	"fmt"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/debugger"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/facts"
)

// memoryReport is a third-party debugger: it reports each host's total
// memory, read from the built-in fact.
type memoryReport struct{}

func (memoryReport) Name() string { return "memory_report" }

// Needs declares the fact, so that the run gathers it with the built-in
// debuggers' facts, in the same session.
func (memoryReport) Needs(rb *calyptos.RoleBuilder) []calyptos.Need {
	return []calyptos.Need{{Fact: facts.Memory(), Hosts: rb.All()}}
}

func (memoryReport) Debug(ctx context.Context, c *calyptos.Check) {
	for _, r := range calyptos.Gather(ctx, c, facts.Memory(), c.Roles().All()) {
		switch {
		case !c.Reached(r.Host, r.Err): // reported: the host is unreachable
		case r.Err != nil:
			c.OnHost(r.Host).Report(calyptos.Fail, "cannot read the memory: "+r.Err.Error(), r.Output.Stdout)
		default:
			c.OnHost(r.Host).Infof("%d MiB of memory", r.Value.TotalKiB>>10)
		}
	}
}

// A third-party debugger reads a built-in fact: the run gathers it once,
// in the one session per host that also serves the built-in debugger.
func Example_reuse() {
	const host = "192.0.2.10"
	rb := calyptos.NewRoleBuilder(map[string][]string{eucalyptus.RoleCLC: {host}})
	fake := calyptostest.NewExecutor(nil)
	calyptostest.OnFact(fake, "", facts.Memory()).Stdout("MemTotal: 8010180 kB\nMemAvailable: 3402760 kB\n")
	calyptostest.OnFact(fake, "", facts.DirFilesystem(debugger.DefaultEucalyptusDir)).
		Stdout("Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/vda1 52403200 9443468 42959732 19% /\n")

	ds := []calyptos.Debugger{&debugger.ComponentStorageCheck{}, memoryReport{}}
	rep, err := calyptos.RunDebuggers(context.Background(), rb, fake, ds, calyptos.RunOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range rep.Findings() {
		fmt.Println(f.Check, f.Status, f.Message)
	}
	fmt.Println("sessions:", fake.Sessions(host), "meminfo read:", fake.CallCount(facts.MeminfoCommand))
	// Output:
	// component_storage_check pass 30.0 GiB minimum disk requirement met: /var/lib/eucalyptus is 50.0 GiB
	// component_storage_check pass 3.8 GiB minimum memory requirement met: 7.6 GiB total
	// memory_report info 7822 MiB of memory
	// sessions: 1 meminfo read: 1
}
