package calyptostest_test

import (
	"context"
	"fmt"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/debugger"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/facts"
)

// A test scripts a fact by its parsed value (SetFact) or by the raw output
// of its command (OnFact), per host or for every host.
func ExampleSetFact() {
	rb := calyptos.NewRoleBuilder(map[string][]string{eucalyptus.RoleClusterController: {"cc1", "cc2"}})
	fake := calyptostest.NewExecutor(nil)
	// The fact DebugClusterController reads with its default options.
	svc := facts.Services("eucalyptus-cluster", "eucalyptus-cc")
	calyptostest.SetFact(fake, "cc1", svc, []facts.ServiceState{{Name: "eucalyptus-cluster", Running: true, Installed: true, Detail: "active"}})
	calyptostest.OnFact(fake, "cc2", svc).Stdout("unit=eucalyptus-cluster init=systemd active=failed enabled=enabled\n")

	rep, _ := calyptos.RunDebuggers(context.Background(), rb, fake, []calyptos.Debugger{&debugger.DebugClusterController{}}, calyptos.RunOptions{})
	for _, f := range rep.Findings() {
		fmt.Println(f.Host, f.Status, f.Message)
	}
	fmt.Println("sessions:", fake.Sessions("cc1"), fake.Sessions("cc2"))
	// Output:
	// cc1 pass CC service running (eucalyptus-cluster: active)
	// cc2 fail CC service not running (eucalyptus-cluster: failed)
	// sessions: 0 1
}
