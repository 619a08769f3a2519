package eucalyptus

import (
	"slices"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/hostname"
)

// Role names. A RoleBuilder from Load or Parse has every one of them
// (empty when the file does not use it), and calyptos.RoleAll.
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
)

// NewRoleBuilder builds the RoleBuilder of a Eucalyptus fleet described
// in Go (tests, generated fleets) rather than in a file: the roles of
// calyptos.NewRoleBuilder, plus the hosts of each cluster added to the
// controller roles. Clusters and Cluster give the clusters back; Of gives
// nil, as there is no file.
func NewRoleBuilder(roles map[string][]string, clusters ...Cluster) *calyptos.RoleBuilder {
	m := make(map[string][]string, len(roles)+3)
	for r, hs := range roles {
		m[r] = slices.Clone(hs)
	}
	env := &Environment{}
	for _, c := range clusters {
		m[RoleClusterController] = append(m[RoleClusterController], c.CC...)
		m[RoleStorageController] = append(m[RoleStorageController], c.SC...)
		m[RoleNodeController] = append(m[RoleNodeController], c.Nodes...)
		c.CC, c.SC, c.Nodes = hostname.Sort(slices.Clone(c.CC)), hostname.Sort(slices.Clone(c.SC)), hostname.Sort(slices.Clone(c.Nodes))
		env.Topology.Clusters = append(env.Topology.Clusters, c)
	}
	slices.SortFunc(env.Topology.Clusters, func(a, b Cluster) int { return strings.Compare(a.Name, b.Name) })
	return calyptos.NewRoleBuilder(m, calyptos.WithSource(env))
}

// ComponentHosts returns the hosts that run Eucalyptus components: clc,
// user-facing, cluster, storage and node controllers, and walrus. Console,
// ceph, riak, midonet and zookeeper hosts are not included.
func ComponentHosts(rb *calyptos.RoleBuilder) []string {
	var hs []string
	for _, r := range []string{RoleCLC, RoleUserFacing, RoleClusterController, RoleStorageController, RoleNodeController, RoleWalrus} {
		hs = append(hs, rb.Hosts(r)...)
	}
	return hostname.Sort(hs)
}
