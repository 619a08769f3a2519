//go:build !unix

package safefile

import "io/fs"

// ownedByOther reports false where file ownership is not a user id.
func ownedByOther(fs.FileInfo) bool { return false }
