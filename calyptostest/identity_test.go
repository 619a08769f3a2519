package calyptostest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
)

type hinted struct{}

func (hinted) Name() string { return "hinted" }
func (hinted) Validate(_ context.Context, c *calyptos.Check) {
	c.OnHost("h1").Key("port").Hint("open it").Failure("port closed")
	c.OnHost("h2").Key("port").Success("port open")
	c.Warning("no hint here")
	c.Info("context")
}

func TestIDsAndHints(t *testing.T) {
	rb := calyptos.NewRoleBuilder(map[string][]string{"clc": {"h1", "h2"}})
	rep := calyptostest.RunValidator(t, rb, hinted{}, calyptos.RunOptions{})
	assert.Equal(t, []string{"hinted/port h1", "hinted/port h2", "hinted/no-hint-here"}, calyptostest.IDs(rep))
	assert.Len(t, calyptostest.Find(rep, calyptostest.Match{ID: "hinted/port"}), 2)
	calyptostest.HasFinding(t, rep, calyptostest.Match{ID: "hinted/port", Host: "h1", Status: calyptos.Fail})

	r := &recorder{TB: t}
	assert.False(t, calyptostest.RequireHints(r, rep))
	require.Len(t, r.errors, 1)
	assert.Contains(t, r.errors[0], "warn hinted has no hint")

	r = &recorder{TB: t}
	_, err := calyptos.RunValidators(context.Background(), rb, []calyptos.Validator{hinted{}},
		calyptos.RunOptions{Reporter: calyptostest.HintReporter(r, nil)})
	require.NoError(t, err)
	require.Len(t, r.errors, 1)
	assert.Contains(t, r.errors[0], `(id "hinted/no-hint-here")`)
}
