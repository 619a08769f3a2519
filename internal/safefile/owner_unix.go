//go:build unix

package safefile

import (
	"io/fs"
	"os"
	"syscall"
)

// ownedByOther reports whether fi belongs to a user other than this
// process's effective user.
func ownedByOther(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) != os.Geteuid()
}
