package inventory

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/envfile"
)

// readFile reads an inventory or vars file as eucalyptus.Load reads an
// environment file: only a regular file (a FIFO or a device could block
// or never end), at most maxFileSize bytes, and within what the Load may
// still read. what names the file in errors ("inventory file").
func (m *model) readFile(path, what string) ([]byte, error) {
	if m.spent.files++; m.spent.files > maxFiles {
		return nil, &Error{Pos: calyptos.Position{File: path}, Msg: fmt.Sprintf("more than %d files to read: refusing the rest", maxFiles)}
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := regular(path, what, st); err != nil {
		return nil, err
	}
	// O_NONBLOCK: should a FIFO replace the file after the Stat, the open
	// does not wait for a writer; the second check refuses it.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err = f.Stat(); err != nil {
		return nil, err
	}
	if err := regular(path, what, st); err != nil {
		return nil, err
	}
	limit := int64(min(maxFileSize, maxTotalSize-m.spent.bytes))
	var buf bytes.Buffer
	buf.Grow(int(min(st.Size(), limit)) + bytes.MinRead)
	if _, err := buf.ReadFrom(io.LimitReader(f, limit+1)); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	if int64(len(data)) > limit {
		if limit < maxFileSize {
			return nil, &Error{Pos: calyptos.Position{File: path}, Msg: fmt.Sprintf("the files of this inventory pass %d MiB: refusing to read more", maxTotalSize>>20)}
		}
		return nil, &Error{Pos: calyptos.Position{File: path}, Msg: fmt.Sprintf("%s is larger than %d MiB: is it the right file?", what, maxFileSize>>20)}
	}
	m.spent.bytes += len(data)
	return data, nil
}

// regular refuses what is not a regular file, naming what it is.
func regular(path, what string, st fs.FileInfo) error {
	if st.Mode().IsRegular() {
		return nil
	}
	return &Error{Pos: calyptos.Position{File: path}, Msg: fmt.Sprintf("%s is %s, not a regular file", what, envfile.FileKind(st.Mode()))}
}
