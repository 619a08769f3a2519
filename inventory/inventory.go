package inventory

import (
	"maps"
	"slices"

	"github.com/org/calyptos"
	"github.com/org/calyptos/hostname"
)

// Host is one host of an inventory with its connection settings and its
// variables.
type Host struct {
	// Name is the host's inventory name: what reports show.
	Name string
	// Address is where to connect: ansible_host (or ansible_ssh_host),
	// else Name.
	Address string
	// Port is ansible_port (or ansible_ssh_port, or the port written
	// host:port), 0 when unset.
	Port int
	// User is ansible_user (or ansible_ssh_user), "" when unset.
	User string
	// KeyFile is ansible_ssh_private_key_file (or
	// ansible_private_key_file) as written, "" when unset.
	KeyFile string
	// Groups are every group the host is in, ancestors and "all"
	// included, sorted.
	Groups []string
	// Vars are the host's variables merged with Ansible's precedence, the
	// connection variables included, typed as YAML gives them: string,
	// bool, int (*big.Int past int64), float64, nil, []any and
	// map[string]any. Hosts may share one map: treat it as read-only.
	Vars map[string]any
}

// Inventory is a parsed inventory: its hosts and groups. It is immutable
// and safe for concurrent use; the maps and slices it returns are shared
// and must not be modified.
type Inventory struct {
	hosts     []*Host
	byName    map[string]*Host
	groups    []string
	groupVars map[string]map[string]any
	warnings  []error
	roles     map[string][]string // the hosts of every group but "all"
	rb        func() *calyptos.RoleBuilder
}

// Hosts returns every host, sorted as hostname.Sort sorts names.
func (inv *Inventory) Hosts() []*Host { return slices.Clone(inv.hosts) }

// Host returns the host of that inventory name.
func (inv *Inventory) Host(name string) (*Host, bool) {
	h, ok := inv.byName[name]
	return h, ok
}

// Groups returns the name of every group, sorted: "all", "ungrouped" and
// every group of the inventory, empty ones included.
func (inv *Inventory) Groups() []string { return slices.Clone(inv.groups) }

// GroupVars returns the variables set on the group itself, in the
// inventory and in its group_vars file (which wins), or nil for an
// unknown group. Hosts see them merged with the variables of their other
// groups and their own (Host.Vars).
func (inv *Inventory) GroupVars(name string) map[string]any {
	v, ok := inv.groupVars[name]
	if !ok {
		return nil
	}
	return maps.Clone(v)
}

// RoleBuilder returns the inventory as roles: every group is a role
// holding its hosts and those of its child groups, "all" and "ungrouped"
// included. It is built on first use (sorting every role takes about as
// long as reading the inventory) and shared. Its Source is the inventory,
// so that a run redacts the values of its secret variables (Secrets).
func (inv *Inventory) RoleBuilder() *calyptos.RoleBuilder { return inv.rb() }

// Warnings returns what Ansible would warn about and go on: entries of a
// YAML inventory that are not groups, hosts or variables, a name that is
// both a group and a host. Each matches ErrInvalid and has a position.
func (inv *Inventory) Warnings() []error { return slices.Clone(inv.warnings) }

// sortHosts sorts hosts by name with hostname.Sort, which reads
// each name once (hostname.Compare would read both names at every step).
func sortHosts(hs []*Host, byName map[string]*Host) []*Host {
	names := make([]string, len(hs))
	for i, h := range hs {
		names[i] = h.Name
	}
	names = hostname.Sort(names)
	out := hs[:0]
	for _, n := range names {
		out = append(out, byName[n])
	}
	return out
}
