package calyptos

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Role names. Every one of them is always present in a RoleBuilder built
// from an environment file (empty when the file does not use it).
const (
	RoleCLC                 = "clc"
	RoleUserFacing          = "user-facing"
	RoleConsole             = "console"
	RoleWalrus              = "walrus"
	RoleClusterController   = "cluster-controller"
	RoleStorageController   = "storage-controller"
	RoleNodeController      = "node-controller"
	RoleMidonetCluster      = "midonet-cluster"
	RoleMidolman            = "midolman"
	RoleMidonetGateway      = "midonet-gateway"
	RoleMonBootstrap        = "mon-bootstrap"
	RoleCephMons            = "ceph-mons"
	RoleCephOSDs            = "ceph-osds"
	RoleRiakHead            = "riak-head"
	RoleRiakNode            = "riak-node"
	RoleHAProxy             = "haproxy"
	RoleNginx               = "nginx"
	RoleZookeeper           = "zookeeper"
	RoleCassandra           = "cassandra"
	RoleSetupAdminCreds     = "setup-admin-creds"
	RoleConfigureEucalyptus = "configure-eucalyptus"
	RoleConfigureVPC        = "configure-vpc"
	RoleAll                 = "all"
)

// baseRoles returns the roles a parsed environment always has.
func baseRoles() []string {
	return []string{
		RoleCLC, RoleUserFacing, RoleConsole, RoleWalrus, RoleClusterController,
		RoleStorageController, RoleNodeController, RoleMidonetCluster, RoleMidolman,
		RoleMidonetGateway, RoleMonBootstrap, RoleCephMons, RoleCephOSDs, RoleRiakHead,
		RoleRiakNode, RoleHAProxy, RoleNginx, RoleZookeeper, RoleCassandra,
		RoleSetupAdminCreds, RoleConfigureEucalyptus, RoleConfigureVPC, RoleAll,
	}
}

// RoleBuilder groups a deployment's hosts by role. It is immutable once
// built and safe for concurrent use. Every accessor returns a sorted copy
// (see CompareHosts), so callers may modify what they get.
type RoleBuilder struct {
	env      *Environment
	roles    map[string][]string
	clusters []Cluster
	identity string // set by Restrict: the whole deployment's
}

// NewRoleBuilder builds a RoleBuilder from a plain role map: any fleet
// (package inventory reads an Ansible inventory into one), and tests. Its
// roles are the map's keys and "all", which holds every host; Eucalyptus
// clusters, if given, add their hosts to the controller roles.
func NewRoleBuilder(roles map[string][]string, clusters ...Cluster) *RoleBuilder {
	m := make(map[string][]string, len(roles)+1)
	m[RoleAll] = nil
	for r, hs := range roles {
		m[r] = append(m[r], hs...)
	}
	for _, c := range clusters {
		m[RoleClusterController] = append(m[RoleClusterController], c.CC...)
		m[RoleStorageController] = append(m[RoleStorageController], c.SC...)
		m[RoleNodeController] = append(m[RoleNodeController], c.Nodes...)
	}
	for r, hs := range m {
		if r != RoleAll {
			m[RoleAll] = append(m[RoleAll], hs...)
		}
	}
	rb := &RoleBuilder{roles: map[string][]string{}}
	for r, hs := range m {
		rb.roles[r] = SortHosts(slices.Clone(hs))
	}
	for _, c := range clusters {
		c.CC, c.SC, c.Nodes = SortHosts(slices.Clone(c.CC)), SortHosts(slices.Clone(c.SC)), SortHosts(slices.Clone(c.Nodes))
		rb.clusters = append(rb.clusters, c)
	}
	slices.SortFunc(rb.clusters, func(a, b Cluster) int { return strings.Compare(a.Name, b.Name) })
	return rb
}

// Environment returns the parsed file, or nil for a RoleBuilder built by
// NewRoleBuilder.
func (rb *RoleBuilder) Environment() *Environment { return rb.env }

// ErrUnknownRole is matched by the error of Lookup for a role name that
// is neither one of the Role constants nor a role of the RoleBuilder.
var ErrUnknownRole = errors.New("unknown role")

// Hosts returns the hosts of role, sorted. An unknown role has none; use
// Lookup (or calyptostest.KnownRoles in a test) to catch a misspelt role
// name.
func (rb *RoleBuilder) Hosts(role string) []string { return slices.Clone(rb.roles[role]) }

// Lookup is Hosts for a role name that must exist: it returns an error
// matching ErrUnknownRole, listing the roles, for a name that is neither
// one of the Role constants nor a role of the RoleBuilder.
func (rb *RoleBuilder) Lookup(role string) ([]string, error) {
	hs, ok := rb.roles[role]
	if !ok && !slices.Contains(baseRoles(), role) {
		return nil, fmt.Errorf("%w %q (roles: %s)", ErrUnknownRole, role, strings.Join(rb.RoleNames(), ", "))
	}
	return slices.Clone(hs), nil
}

// Has reports whether host holds role.
func (rb *RoleBuilder) Has(role, host string) bool {
	_, ok := slices.BinarySearchFunc(rb.roles[role], host, CompareHosts)
	return ok
}

// All returns every host of the deployment.
func (rb *RoleBuilder) All() []string { return rb.Hosts(RoleAll) }

// RoleNames returns the name of every role, sorted: those of the map given
// to NewRoleBuilder, or every Role constant for an environment file, and
// "all".
func (rb *RoleBuilder) RoleNames() []string {
	return slices.Sorted(maps.Keys(rb.roles))
}

// RolesOf returns the roles host holds, sorted, without "all".
func (rb *RoleBuilder) RolesOf(host string) []string {
	var out []string
	for _, r := range rb.RoleNames() {
		if r != RoleAll && rb.Has(r, host) {
			out = append(out, r)
		}
	}
	return out
}

// Map returns a copy of every role and its hosts.
func (rb *RoleBuilder) Map() map[string][]string {
	out := make(map[string][]string, len(rb.roles))
	for r, hs := range rb.roles {
		out[r] = slices.Clone(hs)
	}
	return out
}

// EucaHosts returns the hosts that run Eucalyptus components: clc,
// user-facing, cluster, storage and node controllers, and walrus. Console,
// ceph, riak, midonet and zookeeper hosts are not included.
func (rb *RoleBuilder) EucaHosts() []string {
	var hs []string
	for _, r := range []string{RoleCLC, RoleUserFacing, RoleClusterController, RoleStorageController, RoleNodeController, RoleWalrus} {
		hs = append(hs, rb.roles[r]...)
	}
	return SortHosts(hs)
}

// Clusters returns every cluster, sorted by name.
func (rb *RoleBuilder) Clusters() []Cluster {
	out := slices.Clone(rb.clusters)
	for i := range out {
		out[i].CC, out[i].SC, out[i].Nodes = slices.Clone(out[i].CC), slices.Clone(out[i].SC), slices.Clone(out[i].Nodes)
	}
	return out
}

// Cluster returns the named cluster.
func (rb *RoleBuilder) Cluster(name string) (Cluster, bool) {
	i, ok := slices.BinarySearchFunc(rb.clusters, name, func(c Cluster, n string) int { return strings.Compare(c.Name, n) })
	if !ok {
		return Cluster{}, false
	}
	c := rb.clusters[i]
	c.CC, c.SC, c.Nodes = slices.Clone(c.CC), slices.Clone(c.SC), slices.Clone(c.Nodes)
	return c, true
}

// Restrict returns a RoleBuilder of the same deployment with only hosts
// (a host pattern's selection, the CLI's --limit): every role and cluster
// keeps the hosts of its own that are in hosts. The environment file and
// the Identity stay those of the whole deployment, so that reports of a
// limited run compare with the full ones.
func (rb *RoleBuilder) Restrict(hosts []string) *RoleBuilder {
	keep := map[string]bool{}
	for _, h := range hosts {
		keep[h] = true
	}
	only := func(hs []string) []string {
		var out []string
		for _, h := range hs {
			if keep[h] {
				out = append(out, h)
			}
		}
		return out
	}
	out := &RoleBuilder{env: rb.env, roles: make(map[string][]string, len(rb.roles)), identity: rb.Identity()}
	for r, hs := range rb.roles {
		out.roles[r] = only(hs)
	}
	for _, c := range rb.clusters {
		c.CC, c.SC, c.Nodes = only(c.CC), only(c.SC), only(c.Nodes)
		out.clusters = append(out.clusters, c)
	}
	return out
}
