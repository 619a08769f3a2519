//go:build !unix

package sshexec

import "os/exec"

func setProcessGroup(*exec.Cmd) {}

// killProcessGroup kills the command; what it started may outlive it.
func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
}
