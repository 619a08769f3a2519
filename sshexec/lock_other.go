//go:build !unix

package sshexec

import "os"

// lockFile is a no-op where flock(2) does not exist: trust-on-first-use
// is then serialised within this process only.
func lockFile(*os.File) (unlock func(), err error) { return func() {}, nil }
