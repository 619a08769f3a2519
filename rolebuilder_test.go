package calyptos_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
)

// TestLookupUnknownRole: rb.Hosts("nodes") returns nil like an empty role,
// so a misspelt role name went unseen; Lookup says so.
func TestLookupUnknownRole(t *testing.T) {
	rb := calyptos.NewRoleBuilder(map[string][]string{"custom": {"10.0.0.1"}})
	_, err := rb.Lookup("node-controller")
	assert.ErrorIs(t, err, calyptos.ErrUnknownRole, "a map-built RoleBuilder has only the map's roles")
	hs, err := rb.Lookup("custom")
	require.NoError(t, err)
	assert.Equal(t, []string{"10.0.0.1"}, hs)
	_, err = rb.Lookup("nodes")
	assert.ErrorIs(t, err, calyptos.ErrUnknownRole)
	// A map-built fleet lists its own roles, not the format's empty ones.
	assert.ErrorContains(t, err, `unknown role "nodes" (roles: all, custom)`)
	assert.Equal(t, []string{"all", "custom"}, rb.RoleNames())
	assert.Nil(t, rb.Hosts("nodes"), "Hosts keeps the original's unknown role is empty")
}

// source is a Source for tests.
type source struct{ id string }

func (s source) Identity() string  { return s.id }
func (s source) Secrets() []string { return []string{"s3cr3t-from-source"} }

func TestSourceNamesTheDeploymentAndItsSecrets(t *testing.T) {
	rb := calyptos.NewRoleBuilder(map[string][]string{"web": {"h1", "h2"}}, calyptos.WithSource(source{id: " prod \n"}))
	assert.Equal(t, "prod", rb.Identity(), "trimmed")
	lim := rb.Restrict([]string{"h1"})
	assert.Equal(t, source{id: " prod \n"}, lim.Source(), "Restrict keeps the Source")
	assert.Equal(t, "prod", lim.Identity())
	plain := calyptos.NewRoleBuilder(map[string][]string{"web": {"h1", "h2"}})
	assert.Nil(t, plain.Source())
	assert.Equal(t, plain.Identity(), calyptos.NewRoleBuilder(map[string][]string{"web": {"h1", "h2"}}, calyptos.WithSource(source{})).Identity(),
		"a Source without a name leaves the derived identity")

	rep, err := calyptos.RunValidators(context.Background(), rb, []calyptos.Validator{
		plugin{name: "v", body: func(_ context.Context, c *calyptos.Check) { c.Info("pw s3cr3t-from-source") }},
	}, calyptos.RunOptions{})
	require.NoError(t, err)
	assert.Equal(t, "prod", rep.Environment)
	assert.Equal(t, "pw [REDACTED]", rep.Findings()[0].Message, "the Source's secrets are redacted")
}
