//go:build unix

package localexec

import (
	"os"
	"os/exec"
	"slices"
	"syscall"

	"github.com/org/calyptos/internal/proctree"
)

// ownProcessGroup puts the shell in a new process group and makes context
// cancellation kill the whole group, so that its children die too, and
// the descendants that left the group (timeout(1) makes a group of its
// own), so that none outlives the context.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		// The group id is the shell's pid (Setpgid with Pgid 0). The shell
		// is not reaped before Cancel returns, so the pid is still its own.
		pid := cmd.Process.Pid
		err := syscall.Kill(-pid, syscall.SIGSTOP)
		if err == syscall.ESRCH {
			return os.ErrProcessDone
		}
		// Frozen, a process starts no more; stop what left the group,
		// twice, for what was being started while the list was read.
		var tree []int
		for range 2 {
			for _, p := range proctree.Descendants(pid) {
				if !slices.Contains(tree, p) {
					_ = syscall.Kill(p, syscall.SIGSTOP)
					tree = append(tree, p)
				}
			}
		}
		err = syscall.Kill(-pid, syscall.SIGKILL)
		for _, p := range tree {
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
		return err
	}
}

// exitCode returns the exit status, or 128+signal for a killed process.
func exitCode(ps *os.ProcessState) int {
	if ps == nil {
		return -1
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}
