package factbatch

import "syscall"

// reviewSysUmask reads the test process's umask (which the shells inherit).
func reviewSysUmask() int {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return m
}
