//go:build unix

package sshexec

import (
	"errors"
	"os"
	"syscall"
)

// lockFile takes an exclusive advisory lock on f, waiting for other
// processes that hold it, and returns the function that releases it. On a
// file system that cannot lock (NFS without a lock daemon: ENOLCK) it goes
// on unlocked, as OpenSSH does, rather than refuse every new host.
func lockFile(f *os.File) (unlock func(), err error) {
	return flockWith(f, syscall.Flock)
}

func flockWith(f *os.File, flock func(fd, how int) error) (unlock func(), err error) {
	fd := int(f.Fd())
	for {
		err = flock(fd, syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	switch {
	case errors.Is(err, syscall.ENOLCK), errors.Is(err, syscall.EOPNOTSUPP):
		return func() {}, nil
	case err != nil:
		return nil, err
	}
	return func() { _ = flock(fd, syscall.LOCK_UN) }, nil
}
