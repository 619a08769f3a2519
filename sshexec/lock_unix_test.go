//go:build unix

package sshexec

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLockFileWhereLocksAreNotSupported(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "known_hosts"))
	require.NoError(t, err)
	defer f.Close()
	for _, e := range []syscall.Errno{syscall.ENOLCK, syscall.EOPNOTSUPP} {
		unlock, err := flockWith(f, func(int, int) error { return e })
		require.NoError(t, err, "an NFS mount without lockd (%v) must not refuse every new host", e)
		unlock()
	}
	calls := 0
	_, err = flockWith(f, func(int, int) error {
		if calls++; calls == 1 {
			return syscall.EINTR
		}
		return syscall.EBADF
	})
	assert.ErrorIs(t, err, syscall.EBADF, "retried after EINTR, other errors returned")
}
