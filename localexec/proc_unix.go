//go:build unix

package localexec

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
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
			for _, p := range descendants(pid) {
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

// descendants lists the processes below root, from /proc's parent links
// (none where /proc is missing: the group kill is all there is).
func descendants(root int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces and ')'.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		children[ppid] = append(children[ppid], pid)
	}
	var out []int
	for queue := []int{root}; len(queue) > 0; queue = queue[1:] {
		for _, c := range children[queue[0]] {
			if !slices.Contains(out, c) {
				out = append(out, c)
				queue = append(queue, c)
			}
		}
	}
	return out
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
