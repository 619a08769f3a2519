package cli

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos/debugger"
	"github.com/org/calyptos/validator"
)

func TestDefaultValidatorsGetTheFlags(t *testing.T) {
	vs := defaultValidators(ValidateConfig{Timeout: 3 * time.Second, Parallel: 5})
	assert.Equal(t, []string{"structure", "topology", "hosts", "network", "storage", "nc", "vpc", "repos", "pinghosts"}, pluginNames(vs))
	var ping *validator.PingHosts
	var repos *validator.Repos
	for _, v := range vs {
		switch v := v.(type) {
		case *validator.PingHosts:
			ping = v
		case *validator.Repos:
			repos = v
		}
	}
	require.NotNil(t, ping)
	require.NotNil(t, repos)
	assert.Equal(t, 3*time.Second, ping.Timeout)
	assert.Equal(t, 5, ping.Parallel)
	assert.Equal(t, 3*time.Second, repos.Timeout)
}

func TestDefaultDebuggersGetTheFlags(t *testing.T) {
	for _, allow := range []bool{false, true} {
		ds := defaultDebuggers(DebugConfig{InstallPackages: allow, AllowSideEffects: allow})
		require.Len(t, ds, 10)
		found := 0
		for _, d := range ds {
			switch d := d.(type) {
			case *debugger.EucalyptusSosreports:
				assert.Equal(t, allow, d.InstallPackages)
				found++
			case *debugger.VerifyComponentNetworking:
				assert.Equal(t, allow, d.InstallPackages)
				assert.Equal(t, allow, d.AllowSideEffects)
				found++
			}
		}
		assert.Equal(t, 2, found)
	}
}
