package debugger

import (
	"context"

	"github.com/org/calyptos"
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

// Debug implements calyptos.Debugger.
func (d *DebugClusterController) Debug(ctx context.Context, c *calyptos.Check) {
	ccs := c.Roles().Hosts(calyptos.RoleClusterController)
	if len(ccs) == 0 {
		c.Skipped("no cluster controller in the deployment")
		return
	}
	services := sliceOr(d.Services, []string{"eucalyptus-cluster", "eucalyptus-cc"})
	for _, r := range c.RunOnHosts(ctx, serviceScript(services...), ccs) {
		if c.HostOK(r) {
			serviceCheck(c, r.Host, parseServices(r.Stdout), "CC service", services)
		}
	}
}
