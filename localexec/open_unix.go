//go:build unix

package localexec

import (
	"os"
	"syscall"
)

// openNoWait opens path for reading without waiting: opening a named pipe
// would otherwise block until something opens it for writing, beyond any
// context. O_NONBLOCK changes nothing for the regular files Fetch reads.
func openNoWait(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
