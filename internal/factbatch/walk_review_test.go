package factbatch

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// reviewNoChildrenFiles makes script walk /proc as on a kernel without
// /proc/PID/task/TID/children.
func reviewNoChildrenFiles(t *testing.T, script string) string {
	t.Helper()
	children := `[ -e "/proc/$1/task/$1/children" ]`
	require.Contains(t, script, children)
	return strings.Replace(script, children, "false", 1)
}
