//go:build !unix

package localexec

import (
	"os"
	"os/exec"
)

// ownProcessGroup is a no-op where process groups do not exist: context
// cancellation kills the shell only.
func ownProcessGroup(*exec.Cmd) {}

// exitCode returns the exit status.
func exitCode(ps *os.ProcessState) int {
	if ps == nil {
		return -1
	}
	return ps.ExitCode()
}
