// Package safefile writes files under a directory other users may reach
// without following links they plant.
package safefile

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// Write writes dir/sub/name through a temporary file renamed on success,
// without following a symbolic link at sub or name, and returns its size.
// Directories it creates are 0700, the file 0600. A refusal wraps unsafe.
func Write(dir, sub, name string, unsafe error, write func(io.Writer) error) (int64, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return 0, err
	}
	defer root.Close()
	if err := root.Mkdir(sub, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return 0, err
	}
	hroot, err := openDirNoFollow(root, sub, unsafe)
	if err != nil {
		return 0, err
	}
	defer hroot.Close()
	if fi, err := hroot.Lstat(name); err == nil && !fi.Mode().IsRegular() {
		return 0, fmt.Errorf("%w: %s is not a regular file (%s)", unsafe, name, fi.Mode().Type())
	}
	tmp := "." + name + ".part-" + rand.Text()
	f, err := hroot.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, err
	}
	defer hroot.Remove(tmp) // no-op after a successful rename
	werr := write(f)
	st, serr := f.Stat()
	if err := errors.Join(werr, f.Close(), serr); err != nil {
		return 0, err
	}
	if err := hroot.Rename(tmp, name); err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// openDirNoFollow opens the directory name of root, refusing a symbolic
// link or a directory of another user (who could swap the files in it),
// and checks that what it opened is what it looked at.
func openDirNoFollow(root *os.Root, name string, unsafe error) (*os.Root, error) {
	fi, err := root.Lstat(name)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%w: %s is not a directory (%s)", unsafe, name, fi.Mode().Type())
	}
	if ownedByOther(fi) {
		return nil, fmt.Errorf("%w: %s belongs to another user", unsafe, name)
	}
	r, err := root.OpenRoot(name)
	if err != nil {
		return nil, err
	}
	if got, err := r.Stat("."); err != nil || !os.SameFile(fi, got) {
		r.Close()
		return nil, fmt.Errorf("%w: %s changed while it was opened", unsafe, name)
	}
	return r, nil
}

// CheckName refuses what is not a plain file name, wrapping unsafe.
func CheckName(name string, unsafe error) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) || strings.ContainsRune(name, 0) {
		return fmt.Errorf("%w: %q is not a plain file name", unsafe, name)
	}
	return nil
}
