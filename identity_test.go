package calyptos_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
)

func TestDeriveKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"disk %s is %.1f%% full", "disk-is-full"},
		{"load 7.25 over 4", "load-over"},
		{"Closed tcp/%d (needed by %s)", "closed-tcp-needed-by"},
		{"%[2]*[1]d items", "items"},
		{"", "finding"},
		{"%v", "finding"},
		{"  Leading and TRAILING  ", "leading-and-trailing"},
		{"ünïcode stays out", "n-code-stays-out"},
		{"a very long message that goes on and on well past the limit of keys", "a-very-long-message-that-goes-on-and-on-well"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := calyptos.DeriveKey(tt.in)
			assert.Equal(t, tt.want, got)
			assert.LessOrEqual(t, len(got), 48)
		})
	}
}

func TestCleanKey(t *testing.T) {
	assert.Equal(t, "tcp-8773", calyptos.CleanKey(" tcp-8773 "))
	assert.Equal(t, "a-b-c", calyptos.CleanKey("a b\nc"))
	assert.Equal(t, "repo/euca_2.x:1", calyptos.CleanKey("repo/euca_2.x:1"))
	assert.Len(t, calyptos.CleanKey(string(make([]byte, 500))), 96)
}

// TestFindingIdentity checks that IDs come from the key the check gives or
// the format string, never from the measured values, and that hints stay
// on failures and warnings only.
func TestFindingIdentity(t *testing.T) {
	run := func(load float64) *calyptos.Report {
		p := plugin{name: "load", body: func(_ context.Context, c *calyptos.Check) {
			h := c.OnHost("10.0.0.5")
			h.Key("load").Hint("find the busy process with top").Ref("https://example.com/load").Warningf("load %.2f", load)
			h.Key("load").Hint("never shown").Successf("load %.2f is fine", load)
			h.Failuref("disk / is %.1f%% full", load*10)
			c.Infof("checked at load %v", load)
		}}
		rep, err := calyptos.RunValidators(context.Background(), calyptos.NewRoleBuilder(map[string][]string{"clc": {"10.0.0.5"}}), []calyptos.Validator{p}, calyptos.RunOptions{})
		require.NoError(t, err)
		return rep
	}
	a, b := run(7.25), run(0.5)
	fa, fb := a.Findings(), b.Findings()
	require.Len(t, fa, 4)
	require.Len(t, fb, 4)
	for i := range fa {
		assert.Equal(t, fa[i].ID, fb[i].ID, "finding %d", i)
		assert.NotEqual(t, fa[i].Message, fb[i].Message)
	}
	assert.Equal(t, "load/load", fa[0].ID)
	assert.Equal(t, "load", fa[0].Key())
	assert.Equal(t, "find the busy process with top", fa[0].Hint)
	assert.Equal(t, "https://example.com/load", fa[0].Ref)
	assert.Equal(t, "load/load", fa[1].ID)
	assert.Empty(t, fa[1].Hint, "a pass carries no hint")
	assert.Equal(t, "load/disk-is-full", fa[2].ID)
	assert.Equal(t, "load/checked-at-load", fa[3].ID)
	assert.Equal(t, a.Environment, b.Environment)
	assert.Regexp(t, `^roles-[0-9a-f]{12}$`, a.Environment)
}

func TestHostOKFailureHasKeyAndHint(t *testing.T) {
	fake := calyptostest.NewExecutor(t)
	fake.HostDown("10.0.0.9")
	p := plugin{name: "p", body: func(ctx context.Context, c *calyptos.Check) {
		for _, r := range c.RunOnHosts(ctx, "true", []string{"10.0.0.9"}) {
			c.HostOK(r)
		}
	}}
	rep, err := calyptos.RunDebuggers(context.Background(), calyptos.NewRoleBuilder(map[string][]string{"clc": {"10.0.0.9"}}), fake, []calyptos.Debugger{p}, calyptos.RunOptions{})
	require.NoError(t, err)
	fs := rep.Findings()
	require.Len(t, fs, 1)
	assert.Equal(t, "p/unreachable", fs[0].ID)
	assert.NotEmpty(t, fs[0].Hint)
}

func TestIdentityUsesEnvironmentName(t *testing.T) {
	rb := edge(t)
	assert.Equal(t, "edge-demo", rb.Identity())
	r1 := calyptos.NewRoleBuilder(map[string][]string{"clc": {"a", "b"}})
	r2 := calyptos.NewRoleBuilder(map[string][]string{"clc": {"b", "a"}})
	r3 := calyptos.NewRoleBuilder(map[string][]string{"clc": {"a"}})
	assert.Equal(t, r1.Identity(), r2.Identity())
	assert.NotEqual(t, r1.Identity(), r3.Identity())
}
