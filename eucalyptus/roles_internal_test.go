package eucalyptus

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/envfile"
)

// TestRoleNamesMatchParser holds the Role constants equal to the names the
// environment file's parser gives roles.
func TestRoleNamesMatchParser(t *testing.T) {
	assert.Equal(t, envfile.BaseRoles(), []string{
		RoleCLC, RoleUserFacing, RoleConsole, RoleWalrus, RoleClusterController,
		RoleStorageController, RoleNodeController, RoleMidonetCluster, RoleMidolman,
		RoleMidonetGateway, RoleMonBootstrap, RoleCephMons, RoleCephOSDs, RoleRiakHead,
		RoleRiakNode, RoleHAProxy, RoleNginx, RoleZookeeper, RoleCassandra,
		RoleSetupAdminCreds, RoleConfigureEucalyptus, RoleConfigureVPC, calyptos.RoleAll,
	})
}

// TestEnvironmentIsASource holds *Environment to calyptos.Source.
func TestEnvironmentIsASource(t *testing.T) {
	var src calyptos.Source = &Environment{Name: " edge \n"}
	assert.Equal(t, "edge", src.Identity())
	assert.Empty(t, src.Secrets(), "an Environment not parsed from a file has none")
}
