package calyptos

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/org/calyptos/internal/envfile"
)

// TestRoleNamesMatchParser holds the Role constants equal to the names the
// environment file's parser gives roles.
func TestRoleNamesMatchParser(t *testing.T) {
	assert.Equal(t, envfile.BaseRoles(), baseRoles())
}
