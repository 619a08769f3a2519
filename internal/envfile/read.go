package envfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Bounds on what an environment file may cost. Real files are a few
// kilobytes with a few hundred nodes; a 5,000-host deployment is about
// 30,000 nodes. A file past a bound is refused before it is parsed, so
// that the time and memory any file can cost stay small (parsing a
// 16 MiB list of 8M items took a minute and 1.7 GB).
const (
	maxEnvFileSize = 16 << 20 // bytes eucalyptus.Load reads
	maxYAMLNodes   = 200_000  // an upper bound counted from the text, see CountNodes
	maxHosts       = 100_000  // host entries, a space-separated list counting each
)

// Read reads an environment file, refusing what is not a regular file (a
// FIFO whose open or read could block) and a file larger than 16 MiB, with
// errors matching ErrInvalid; a file that cannot be opened gives the open's
// error.
func Read(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := regular(path, st); err != nil {
		return nil, err
	}
	// O_NONBLOCK: should a FIFO replace the file after the Stat, the
	// open does not wait for a writer; the second check refuses it.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err = f.Stat(); err != nil {
		return nil, err
	}
	if err := regular(path, st); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(int(min(st.Size(), maxEnvFileSize)) + bytes.MinRead)
	if _, err := buf.ReadFrom(io.LimitReader(f, maxEnvFileSize+1)); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	if len(data) > maxEnvFileSize {
		return nil, refused(fmt.Sprintf("environment file %s is larger than %d MiB: is it the right file?", path, maxEnvFileSize>>20))
	}
	return data, nil
}

// regular refuses what is not a regular file, naming what it is.
func regular(path string, st fs.FileInfo) error {
	if st.Mode().IsRegular() {
		return nil
	}
	return refused(fmt.Sprintf("environment file %s is %s, not a regular file", path, FileKind(st.Mode())))
}

// FileKind names what a file that is not regular is, for a refusal: "a
// directory", "a named pipe (FIFO)", "a socket", "a device".
func FileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}

// refused is a file eucalyptus.Load does not read; it matches
// ErrInvalid.
type refused string

func (r refused) Error() string { return string(r) }

func (r refused) Is(target error) bool { return target == ErrInvalid }

// ErrTooManyNodes is the cause of the Error for a file past maxYAMLNodes.
var ErrTooManyNodes = errors.New("too many YAML nodes")

// countNodes returns the position in data where an upper bound of the
// number of YAML nodes passes limit, or ok when it never does. It reads
// the text once, without parsing it: outside quoted scalars and comments,
// every node but the root is introduced by an indicator (": " for a
// mapping entry counts two, "- " and "? " one, ',' two for the next
// entry (a key and its value in a flow mapping), '[' two and '{' three for
// the collection and its first entry). Indicators inside block scalars
// count too; the bound only ever over-counts.
func CountNodes(data []byte, limit int) (line, col int, ok bool) {
	n := 1
	line, col = 1, 0
	var quote byte // the open quote, or 0
	spaceBefore := true
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c&0xC0 != 0x80 {
			col++
		}
		if c == '\n' {
			line, col, spaceBefore = line+1, 0, true
			continue
		}
		var next byte = '\n'
		if i+1 < len(data) {
			next = data[i+1]
		}
		blankNext := next == ' ' || next == '\t' || next == '\n' || next == '\r'
		switch {
		case quote == '"':
			if c == '\\' {
				i++ // an escaped quote or newline does not end the scalar
				if next == '\n' {
					line, col = line+1, 0
				}
			} else if c == '"' {
				quote = 0
			}
		case quote == '\'':
			if c == '\'' && next == '\'' {
				i++
			} else if c == '\'' {
				quote = 0
			}
		case c == '#' && spaceBefore:
			for i+1 < len(data) && data[i+1] != '\n' {
				i++
			}
		case (c == '"' || c == '\'') && (spaceBefore || i > 0 && byteIn(data[i-1], "[{,:-?")):
			quote = c
		case c == ':' && (blankNext || byteIn(next, ",]}")):
			n += 2
		case (c == '-' || c == '?') && spaceBefore && blankNext:
			n++
		case c == ',' || c == '[':
			n += 2
		case c == '{':
			n += 3
		}
		spaceBefore = c == ' ' || c == '\t'
		if n > limit {
			return line, col, false
		}
	}
	return 0, 0, true
}

func byteIn(c byte, set string) bool {
	for i := 0; i < len(set); i++ {
		if set[i] == c {
			return true
		}
	}
	return false
}
