package debugger

import (
	"cmp"
	"context"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/facts"
)

// Port is a transport protocol ("tcp" or "udp") and a port number.
type Port struct {
	Proto  string
	Number int
}

// String formats the port as "tcp/8773".
func (p Port) String() string { return p.Proto + "/" + strconv.Itoa(p.Number) }

// DefaultPorts returns the ports the original required to be listening on
// the hosts of each role.
func DefaultPorts() map[string][]Port {
	tcp := func(ns ...int) []Port { return ports("tcp", ns) }
	udp := func(ns ...int) []Port { return ports("udp", ns) }
	return map[string][]Port{
		eucalyptus.RoleCLC:               slices.Concat(tcp(8773, 8777, 8443, 8779), udp(7500, 8773)),
		eucalyptus.RoleUserFacing:        slices.Concat(tcp(53, 8773, 8779), udp(53, 7500, 8773)),
		eucalyptus.RoleClusterController: tcp(8774),
		eucalyptus.RoleStorageController: slices.Concat(tcp(8773, 8779), udp(7500, 8773)),
		eucalyptus.RoleNodeController:    tcp(8775),
	}
}

func ports(proto string, ns []int) []Port {
	ps := make([]Port, len(ns))
	for i, n := range ns {
		ps[i] = Port{Proto: proto, Number: n}
	}
	return ps
}

// CheckPorts checks that every host listens on the ports its roles need
// (check_ports). A host holding several roles is checked once for the
// union of their ports. Listening sockets are read from `ss` (netstat on
// hosts without a recent ss) by their local address column only, so :87730
// is not taken for :8773 and a connection to a remote 8773 is not taken for
// a listener. A port that listens on a loopback address only is open, with
// a warning: other hosts cannot reach it.
type CheckPorts struct {
	// Ports maps a role to the ports its hosts must listen on; nil means
	// DefaultPorts.
	Ports map[string][]Port
}

// Name returns "check_ports".
func (*CheckPorts) Name() string { return "check_ports" }

// targets returns the roles with required ports, sorted, and their hosts.
func (d *CheckPorts) targets(rb *calyptos.RoleBuilder) (want map[string][]Port, roles, hosts []string) {
	want = d.Ports
	if want == nil {
		want = DefaultPorts()
	}
	roles = slices.Sorted(maps.Keys(want))
	return want, roles, union(rb, roles...)
}

// Needs implements calyptos.FactNeeder: the listening sockets of every
// host with a role that has required ports.
func (d *CheckPorts) Needs(rb *calyptos.RoleBuilder) []calyptos.Need {
	_, _, hosts := d.targets(rb)
	return []calyptos.Need{{Fact: facts.Listeners(), Hosts: hosts}}
}

// Debug implements calyptos.Debugger.
func (d *CheckPorts) Debug(ctx context.Context, c *calyptos.Check) {
	rb := c.Roles()
	want, roles, hosts := d.targets(rb)
	if len(hosts) == 0 {
		c.Skipped("no host holds a role with required ports")
		return
	}
	for _, r := range calyptos.Gather(ctx, c, facts.Listeners(), hosts) {
		if !c.Reached(r.Host, r.Err) {
			continue
		}
		need := map[Port][]string{}
		for _, role := range roles {
			if !rb.Has(role, r.Host) {
				continue
			}
			for _, p := range want[role] {
				if !slices.Contains(need[p], role) {
					need[p] = append(need[p], role)
				}
			}
		}
		d.report(c.OnHost(r.Host), r, need)
	}
}

func (d *CheckPorts) report(s calyptos.Scope, r calyptos.FactResult[[]facts.Listener], need map[Port][]string) {
	if r.Err != nil {
		s.Key("listeners").Hint("check that ss (iproute2) or netstat (net-tools) answers on the host; the message says what failed").Report(calyptos.Fail, r.Err.Error(), evidence(r.Output))
		return
	}
	ls := r.Value
	listening := map[Port]bool{}
	reachable := map[Port]bool{} // listening on an address other hosts can reach
	local := map[Port][]string{}
	for _, l := range ls {
		p := Port{Proto: l.Proto, Number: l.Port}
		listening[p] = true
		if isLoopback(l.Addr) {
			if !slices.Contains(local[p], l.Addr) {
				local[p] = append(local[p], l.Addr)
			}
		} else {
			reachable[p] = true
		}
	}
	order := slices.SortedFunc(maps.Keys(need), func(a, b Port) int {
		return cmp.Or(cmp.Compare(a.Proto, b.Proto), cmp.Compare(a.Number, b.Number))
	})
	var open, closed []string
	for _, p := range order {
		if listening[p] {
			open = append(open, p.String())
			if !reachable[p] {
				s.Key("loopback:"+p.Proto+"-"+strconv.Itoa(p.Number)).Hint("make the service listen on an address the other hosts reach (0.0.0.0 or the host's own address), not on 127.0.0.1").Warningf("%s listens on loopback only (%s): other hosts cannot reach it", p, strings.Join(local[p], " "))
			}
			continue
		}
		closed = append(closed, p.String())
		s.Key(p.Proto+"-"+strconv.Itoa(p.Number)).Hint("start the Eucalyptus service that owns this port on the host (see its log under /var/log/eucalyptus/), and check no firewall rule hides it").Failuref("Closed %s (needed by %s)", p, strings.Join(need[p], ", "))
	}
	if len(closed) == 0 {
		s.Key("ports").Successf("all %d required ports open: %s", len(open), strings.Join(open, " "))
		return
	}
	if len(open) > 0 {
		s.Key("open").Successf("Open: %s", strings.Join(open, " "))
	}
	s.Key("ports").Hint("start the services listed as closed above; every role of the host needs its ports").Warningf("Required ports not open: %s", strings.Join(closed, " "))
}

// isLoopback reports whether a listening address is a loopback one
// (127.0.0.0/8, ::1, ::ffff:127.x).
func isLoopback(addr string) bool {
	a, err := netip.ParseAddr(addr)
	return err == nil && a.Unmap().IsLoopback()
}
