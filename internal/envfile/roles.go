package envfile

// The role names the format defines; eucalyptus.RoleCLC and its siblings
// are the same strings (a test of package eucalyptus holds them equal).
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

// BaseRoles returns the roles a parsed environment always has.
func BaseRoles() []string {
	return []string{
		RoleCLC, RoleUserFacing, RoleConsole, RoleWalrus, RoleClusterController,
		RoleStorageController, RoleNodeController, RoleMidonetCluster, RoleMidolman,
		RoleMidonetGateway, RoleMonBootstrap, RoleCephMons, RoleCephOSDs, RoleRiakHead,
		RoleRiakNode, RoleHAProxy, RoleNginx, RoleZookeeper, RoleCassandra,
		RoleSetupAdminCreds, RoleConfigureEucalyptus, RoleConfigureVPC, RoleAll,
	}
}
