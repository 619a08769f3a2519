package inventory

import (
	"context"
	"testing"

	"github.com/org/calyptos"
	"github.com/org/calyptos/redact"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// leakValidator reports every variable of every host in a finding: what
// a careless check could do.
type leakValidator struct{ inv *Inventory }

func (leakValidator) Name() string { return "leak" }

func (l leakValidator) Validate(_ context.Context, c *calyptos.Check) {
	for _, h := range l.inv.Hosts() {
		c.OnHost(h.Name).Infof("vars: %v", h.Vars)
	}
}

// An inventory's secret variables, at any depth and of any group, never
// reach a report; the others do.
func TestInventorySecretsAreRedacted(t *testing.T) {
	inv, err := Parse("hosts.ini", []byte(`[web]
w1 ansible_password=hunter2-w1 ansible_user=deploy
w2 ansible_become_password=s3cret-become
[web:vars]
api_token=tok-123456
http_port=8080
`))
	require.NoError(t, err)
	assert.Equal(t, []string{"hunter2-w1", "s3cret-become", "tok-123456"}, inv.Secrets())
	assert.Empty(t, inv.Identity(), "the RoleBuilder names the deployment from its roles")
	rb := inv.RoleBuilder()
	require.Same(t, inv, rb.Source())
	rep, err := calyptos.RunValidators(t.Context(), rb, []calyptos.Validator{leakValidator{inv}}, calyptos.RunOptions{})
	require.NoError(t, err)
	for _, f := range rep.Findings() {
		for _, s := range inv.Secrets() {
			assert.NotContains(t, f.Message, s)
		}
		assert.Contains(t, f.Message, redact.Redacted)
		assert.Contains(t, f.Message, "8080")
	}
}

func TestInventorySecretsNested(t *testing.T) {
	inv, err := Parse("hosts.yml", []byte(`all:
  hosts:
    db1:
      db:
        credentials:
          user: admin
          pw: [pw-one, 42]
        name: main
`))
	require.NoError(t, err)
	assert.Equal(t, []string{"42", "admin", "pw-one"}, inv.Secrets())
}
