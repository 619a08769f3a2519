package debugger

import (
	"context"
	"slices"

	"github.com/org/calyptos"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/facts"
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

func (d *DebugNodeController) services() (nc, libvirt []string) {
	return sliceOr(d.Services, []string{"eucalyptus-node", "eucalyptus-nc"}), sliceOr(d.LibvirtServices, []string{"libvirtd"})
}

// Needs implements calyptos.FactNeeder: the state of the NC and libvirt
// services on every NC, in one fact.
func (d *DebugNodeController) Needs(rb *calyptos.RoleBuilder) []calyptos.Need {
	nc, libvirt := d.services()
	return []calyptos.Need{{Fact: facts.Services(slices.Concat(nc, libvirt)...), Hosts: rb.Hosts(eucalyptus.RoleNodeController)}}
}

// Debug implements calyptos.Debugger.
func (d *DebugNodeController) Debug(ctx context.Context, c *calyptos.Check) {
	ncs := c.Roles().Hosts(eucalyptus.RoleNodeController)
	if len(ncs) == 0 {
		c.Skipped("no node controller in the deployment")
		return
	}
	nc, libvirt := d.services()
	for _, r := range calyptos.Gather(ctx, c, facts.Services(slices.Concat(nc, libvirt)...), ncs) {
		if !c.Reached(r.Host, r.Err) {
			continue
		}
		states := r.Value
		serviceCheck(c, r.Host, states, "NC service", nc)
		serviceCheck(c, r.Host, states, "libvirt service", libvirt)
	}
}
