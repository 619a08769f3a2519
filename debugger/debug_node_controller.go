package debugger

import (
	"context"
	"slices"

	"github.com/org/calyptos"
)

// DebugNodeController checks that the node controller service and libvirtd
// run on every NC (debug_node_controller), with one command per host for
// both.
type DebugNodeController struct {
	// Services are the alternative names of the NC service; one of them
	// must run (default eucalyptus-node, eucalyptus-nc).
	Services []string
	// LibvirtServices are the alternative names of the libvirt daemon
	// (default libvirtd).
	LibvirtServices []string
}

// Name returns "debug_node_controller".
func (*DebugNodeController) Name() string { return "debug_node_controller" }

// Debug implements calyptos.Debugger.
func (d *DebugNodeController) Debug(ctx context.Context, c *calyptos.Check) {
	ncs := c.Roles().Hosts(calyptos.RoleNodeController)
	if len(ncs) == 0 {
		c.Skipped("no node controller in the deployment")
		return
	}
	nc := sliceOr(d.Services, []string{"eucalyptus-node", "eucalyptus-nc"})
	libvirt := sliceOr(d.LibvirtServices, []string{"libvirtd"})
	for _, r := range c.RunOnHosts(ctx, serviceScript(slices.Concat(nc, libvirt)...), ncs) {
		if !c.HostOK(r) {
			continue
		}
		states := parseServices(r.Stdout)
		serviceCheck(c, r.Host, states, "NC service", nc)
		serviceCheck(c, r.Host, states, "libvirt service", libvirt)
	}
}
