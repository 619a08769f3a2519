package cli

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
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
		ds := defaultDebuggers(DebugConfig{InstallPackages: allow, AllowSideEffects: allow, KeepUnredacted: allow})
		require.Len(t, ds, 10)
		found := 0
		for _, d := range ds {
			switch d := d.(type) {
			case *debugger.EucalyptusSosreports:
				assert.Equal(t, allow, d.InstallPackages)
				assert.Equal(t, allow, d.KeepUnredacted)
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

// TestDebugArtifactsUnredacted: --artifacts-unredacted reaches the
// debuggers' configuration, and the artifacts directory is made 0700.
func TestDebugArtifactsUnredacted(t *testing.T) {
	env := writeEnv(t, twoHosts)
	for _, keep := range []bool{false, true} {
		dir := filepath.Join(t.TempDir(), "arts")
		var got DebugConfig
		h := newHarness(t, nil, nil)
		h.p.Debuggers = func(cfg DebugConfig) []calyptos.Debugger { got = cfg; return []calyptos.Debugger{passing("a")} }
		args := []string{"debug", "--local", "-e", env, "--artifacts", dir}
		if keep {
			args = append(args, "--artifacts-unredacted")
		}
		require.Equal(t, ExitOK, h.run(args...), h.stderr.String())
		assert.Equal(t, keep, got.KeepUnredacted)
		fi, err := os.Stat(dir)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm())
	}
}
