package debugger

import (
	"context"

	"github.com/org/calyptos"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/facts"
)

// DebugClusterController checks that the cluster controller service runs
// on every CC (debug_cluster_controller). Where the original grepped the
// output of `service eucalyptus-cc status` for "running" (so "not
// running" passed), it asks systemd, or SysV init's exit status.
type DebugClusterController struct {
	// Services are the alternative names of the CC service; one of them
	// must run (default eucalyptus-cluster, eucalyptus-cc).
	Services []string
}

// Name returns "debug_cluster_controller".
func (*DebugClusterController) Name() string { return "debug_cluster_controller" }

func (d *DebugClusterController) services() []string {
	return sliceOr(d.Services, []string{"eucalyptus-cluster", "eucalyptus-cc"})
}

// Needs implements calyptos.FactNeeder: the state of the CC service on
// every CC.
func (d *DebugClusterController) Needs(rb *calyptos.RoleBuilder) []calyptos.Need {
	return []calyptos.Need{{Fact: facts.Services(d.services()...), Hosts: rb.Hosts(eucalyptus.RoleClusterController)}}
}

// Debug implements calyptos.Debugger.
func (d *DebugClusterController) Debug(ctx context.Context, c *calyptos.Check) {
	ccs := c.Roles().Hosts(eucalyptus.RoleClusterController)
	if len(ccs) == 0 {
		c.Skipped("no cluster controller in the deployment")
		return
	}
	services := d.services()
	for _, r := range calyptos.Gather(ctx, c, facts.Services(services...), ccs) {
		if c.Reached(r.Host, r.Err) {
			serviceCheck(c, r.Host, r.Value, "CC service", services)
		}
	}
}
