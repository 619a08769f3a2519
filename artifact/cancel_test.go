package artifact_test

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos/artifact"
	"github.com/org/calyptos/redact"
)

// endlessText is a tar archive whose one member claims 1 GiB of text and
// gives it as it is read; it cancels the context after cut bytes.
type endlessText struct {
	head   *bytes.Reader
	read   int64
	cut    int64
	cancel context.CancelFunc
}

func newEndlessText(t *testing.T, cut int64, cancel context.CancelFunc) *endlessText {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "big.log", Typeflag: tar.TypeReg, Mode: 0o600, Size: 1 << 30}))
	tw.Flush()
	return &endlessText{head: bytes.NewReader(buf.Bytes()), cut: cut, cancel: cancel}
}

func (e *endlessText) Read(p []byte) (int, error) {
	if e.head.Len() > 0 {
		return e.head.Read(p)
	}
	line := "a line of log text\n"
	n := 0
	for n+len(line) <= len(p) {
		n += copy(p[n:], line)
	}
	e.read += int64(n)
	if e.read > e.cut {
		e.cancel()
	}
	return n, nil
}

// An archive being redacted stops within a read of its context's end,
// even inside one large member, and its temporary file is gone.
func TestRedactArchiveStopsWhenCancelled(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	src := newEndlessText(t, 8<<20, cancel)
	_, err := artifact.RedactArchive(ctx, io.Discard, src, redact.NewRedactor("s3cr3t"), artifact.Options{TempDir: dir})
	require.ErrorIs(t, err, context.Canceled)
	assert.Less(t, src.read, int64(64<<20), "reading stopped soon after the context ended")
	left, err := filepath.Glob(filepath.Join(dir, "*"))
	require.NoError(t, err)
	assert.Empty(t, left)
}
