package artifact

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ulikunitz/xz"
)

// Compression is how a tar archive is compressed.
type Compression string

// The compressions RedactArchive reads and writes.
const (
	None Compression = "tar"
	Gzip Compression = "gzip"
	XZ   Compression = "xz"
)

// ErrUnsupported is returned for an archive RedactArchive cannot read: not
// a tar archive, or compressed in a way it does not know (bzip2, zstd).
var ErrUnsupported = errors.New("artifact: unsupported archive")

// SniffLen is how much of a member decides whether it is text: a member
// whose first SniffLen bytes hold a NUL byte is binary, as git and GNU
// grep decide it.
const SniffLen = 8000

// Options tune RedactArchive.
type Options struct {
	// TempDir is where a member larger than MemoryLimit is held while it
	// is redacted (its tar header needs its new size first), in a file
	// only the current user can read; "" is os.TempDir. Put it on the
	// same disk as the archive, never on a shared directory you do not
	// trust.
	TempDir string
	// MemoryLimit is the largest member held in memory (default 1 MiB).
	MemoryLimit int64
	// MaxMemberSize is the largest member copied (default
	// DefaultMaxMemberSize): a larger one, which would fill TempDir (a
	// decompression bomb), is left out unread and named in
	// Stats.TooLarge.
	MaxMemberSize int64
}

// DefaultMaxMemberSize is Options.MaxMemberSize when it is not set.
const DefaultMaxMemberSize = 1 << 30

// Stats says what RedactArchive did.
type Stats struct {
	Compression Compression
	// Members counts every member of the archive, directories and links
	// included.
	Members int
	// Text and Binary count the regular files by kind.
	Text, Binary int
	// Redacted counts the text members in which something was replaced.
	Redacted int
	// Dropped lists the members left out of the copy: binary members in
	// which a secret appears as it is, and text members that could not be
	// cut safely (ErrNoSafeCut).
	Dropped []string
	// TooLarge lists the members left out unread because they are larger
	// than Options.MaxMemberSize.
	TooLarge []string
}

// RedactArchive copies the tar archive read from src to dst, in the same
// compression, with every secret r knows replaced by r's replacement:
//
//   - a regular file is text unless its first SniffLen bytes hold a NUL
//     byte; text is streamed through a Writer;
//   - a binary file is copied as it is, unless a secret appears in it as
//     it is, in which case it is dropped (a secret inside compressed or
//     encoded data is not seen);
//   - member names, link targets and owner names are redacted too; PAX
//     records and extended attributes are not copied.
//
// It stops, within one read, with ctx's error when ctx ends, its
// temporary file removed. Memory stays bounded: a member is held in memory up to
// opts.MemoryLimit, and in a temporary file beyond it. On error dst holds
// a partial archive, which the caller discards.
func RedactArchive(ctx context.Context, dst io.Writer, src io.Reader, r Redacter, opts Options) (Stats, error) {
	var st Stats
	br := bufio.NewReaderSize(src, 64<<10)
	comp, err := sniffCompression(br)
	if err != nil {
		return st, err
	}
	st.Compression = comp
	in, out, err := codecs(comp, br, dst)
	if err != nil {
		return st, err
	}
	sp := &spool{ctx: ctx, dir: opts.TempDir, limit: opts.MemoryLimit, maxMember: opts.MaxMemberSize}
	if sp.limit <= 0 {
		sp.limit = 1 << 20
	}
	if sp.maxMember <= 0 {
		sp.maxMember = DefaultMaxMemberSize
	}
	defer sp.remove()
	// Every read checks ctx: one member may be a gigabyte.
	tr, tw := tar.NewReader(ctxReader{ctx: ctx, r: in}), tar.NewWriter(out)
	head := make([]byte, SniffLen)
	for {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return st, fmt.Errorf("%w: %w", ErrUnsupported, err)
		}
		st.Members++
		if err := copyMember(tw, tr, hdr, r, sp, head, &st); err != nil {
			return st, err
		}
	}
	if err := tw.Close(); err != nil {
		return st, err
	}
	return st, out.Close()
}

// copyMember writes one member, redacted, to tw.
func copyMember(tw *tar.Writer, tr io.Reader, hdr *tar.Header, r Redacter, sp *spool, head []byte, st *Stats) error {
	hdr.Name, hdr.Linkname = r.Redact(hdr.Name), r.Redact(hdr.Linkname)
	hdr.Uname, hdr.Gname = r.Redact(hdr.Uname), r.Redact(hdr.Gname)
	//lint:ignore SA1019 tar.Writer still writes Xattrs, which may hold anything: drop them
	hdr.PAXRecords, hdr.Xattrs, hdr.Format = nil, nil, tar.FormatUnknown
	if hdr.Typeflag != tar.TypeReg && hdr.Typeflag != tar.TypeGNUSparse {
		hdr.Size = 0
		return tw.WriteHeader(hdr)
	}
	hdr.Typeflag = tar.TypeReg
	if hdr.Size > sp.maxMember {
		st.TooLarge = append(st.TooLarge, hdr.Name) // tr.Next skips its body
		return nil
	}
	n, err := io.ReadFull(tr, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read %s: %w", hdr.Name, err)
	}
	head = head[:n]
	body := io.MultiReader(bytes.NewReader(head), tr)
	if err := sp.reset(); err != nil {
		return err
	}
	drop, err := spoolMember(sp, body, bytes.IndexByte(head, 0) >= 0, r, st)
	if err != nil {
		return fmt.Errorf("redact %s: %w", hdr.Name, err)
	}
	if drop {
		st.Dropped = append(st.Dropped, hdr.Name)
		return nil
	}
	hdr.Size = sp.size()
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	return sp.writeTo(tw)
}

// spoolMember puts a member's new content into sp: text redacted, binary
// as it is. It reports whether the member must be dropped instead.
func spoolMember(sp *spool, body io.Reader, binary bool, r Redacter, st *Stats) (drop bool, err error) {
	if binary {
		st.Binary++
		// The original goes to the spool, a redacted copy nowhere: only
		// whether anything was replaced matters.
		rw := NewWriter(io.Discard, r)
		if _, err := io.Copy(io.MultiWriter(sp, rw), body); err != nil && !errors.Is(err, ErrNoSafeCut) {
			return false, err
		}
		err := rw.Close()
		return rw.Redacted() || errors.Is(err, ErrNoSafeCut), nil
	}
	st.Text++
	rw := NewWriter(sp, r)
	_, err = io.Copy(rw, body)
	if err == nil {
		err = rw.Close()
	}
	if errors.Is(err, ErrNoSafeCut) {
		return true, nil
	}
	if err == nil && rw.Redacted() {
		st.Redacted++
	}
	return false, err
}

// sniffCompression tells the compression from the first bytes.
func sniffCompression(br *bufio.Reader) (Compression, error) {
	magic, _ := br.Peek(6)
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		return Gzip, nil
	case bytes.HasPrefix(magic, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		return XZ, nil
	case bytes.HasPrefix(magic, []byte("BZh")):
		return "", fmt.Errorf("%w: bzip2-compressed", ErrUnsupported)
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return "", fmt.Errorf("%w: zstd-compressed", ErrUnsupported)
	}
	if b, _ := br.Peek(262); len(b) == 262 && bytes.HasPrefix(b[257:], []byte("ustar")) {
		return None, nil
	}
	return "", fmt.Errorf("%w: not a tar archive (plain, gzip or xz)", ErrUnsupported)
}

// codecs returns the decompressing reader and compressing writer of comp.
func codecs(comp Compression, src io.Reader, dst io.Writer) (io.Reader, io.WriteCloser, error) {
	switch comp {
	case Gzip:
		zr, err := gzip.NewReader(src)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
		}
		return zr, gzip.NewWriter(dst), nil
	case XZ:
		zr, err := xz.NewReader(src)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
		}
		// A 1 MiB dictionary bounds the compressor's memory; the copy is a
		// little larger than with xz's default 8 MiB.
		zw, err := xz.WriterConfig{DictCap: 1 << 20}.NewWriter(dst)
		if err != nil {
			return nil, nil, err
		}
		return zr, zw, nil
	}
	return src, nopCloser{dst}, nil
}

// ctxReader stops a copy with ctx's error once ctx has ended.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
