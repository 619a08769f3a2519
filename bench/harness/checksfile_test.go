package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/checks"
)

// TestBenchChecksFile: calyptos-check's file is a valid checks file for
// the bench's roles.
func TestBenchChecksFile(t *testing.T) {
	f, err := checks.Parse("checks.yml", []byte(benchChecks))
	require.NoError(t, err)
	require.NoError(t, f.Validate(calyptos.NewRoleBuilder(map[string][]string{"x": {"127.0.0.1"}})))
}
