package artifact_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/org/calyptos/artifact"
	"github.com/org/calyptos/redact"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/ulikunitz/xz"
)

const secret = "Db-Passw0rd-42"

// member is one file of a sample archive.
type member struct {
	name string
	body []byte
	typ  byte
	link string
}

// sampleSosreport is a small sosreport: text files holding the secret as
// written, upper-cased and lower-cased, a binary file, a directory and a
// symlink.
func sampleSosreport() []member {
	bin := make([]byte, 3000)
	for i := range bin {
		bin[i] = byte(i * 7)
	}
	return []member{
		{name: "sosreport-clc/", typ: tar.TypeDir},
		{name: "sosreport-clc/etc/eucalyptus/eucalyptus.conf", body: []byte("DB_PASSWORD=\"" + secret + "\"\nCLOUD_OPTS=\"--db-home=/usr/pgsql\"\n")},
		{name: "sosreport-clc/sos_commands/env", body: []byte("PGPASSWORD=" + strings.ToUpper(secret) + "\nHOME=/root\n")},
		{name: "sosreport-clc/var/log/eucalyptus/cloud-output.log", body: []byte(strings.Repeat("2026-11-25 INFO starting\n", 2000) + "auth failed for pw " + strings.ToLower(secret) + "\n")},
		{name: "sosreport-clc/var/lib/rpm/Packages", body: bin},
		{name: "sosreport-clc/hostname", typ: tar.TypeSymlink, link: "sos_commands/general/hostname"},
	}
}

// writeTar writes members as a tar archive compressed with comp.
func writeTar(t testing.TB, comp artifact.Compression, ms []member) []byte {
	t.Helper()
	var buf bytes.Buffer
	var zw io.WriteCloser
	switch comp {
	case artifact.Gzip:
		zw = gzip.NewWriter(&buf)
	case artifact.XZ:
		w, err := xz.NewWriter(&buf)
		require.NoError(t, err)
		zw = w
	default:
		zw = nopWC{&buf}
	}
	tw := tar.NewWriter(zw)
	for _, m := range ms {
		typ := m.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: m.name, Typeflag: typ, Linkname: m.link, Size: int64(len(m.body)), Mode: 0o644}))
		_, err := tw.Write(m.body)
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

type nopWC struct{ io.Writer }

func (nopWC) Close() error { return nil }

// readTar returns the members of a compressed tar archive.
func readTar(t testing.TB, comp artifact.Compression, b []byte) []member {
	t.Helper()
	var r io.Reader = bytes.NewReader(b)
	switch comp {
	case artifact.Gzip:
		zr, err := gzip.NewReader(r)
		require.NoError(t, err)
		r = zr
	case artifact.XZ:
		zr, err := xz.NewReader(r)
		require.NoError(t, err)
		r = zr
	}
	tr := tar.NewReader(r)
	var ms []member
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return ms
		}
		require.NoError(t, err)
		body, err := io.ReadAll(tr)
		require.NoError(t, err)
		ms = append(ms, member{name: h.Name, body: body, typ: h.Typeflag, link: h.Linkname})
	}
}

func TestRedactArchive(t *testing.T) {
	for _, comp := range []artifact.Compression{artifact.XZ, artifact.Gzip, artifact.None} {
		t.Run(string(comp), func(t *testing.T) {
			in := sampleSosreport()
			var out bytes.Buffer
			st, err := artifact.RedactArchive(context.Background(), &out, bytes.NewReader(writeTar(t, comp, in)), newFold(secret), artifact.Options{})
			require.NoError(t, err)
			assert.Equal(t, artifact.Stats{Compression: comp, Members: 6, Text: 3, Binary: 1, Redacted: 3}, st)
			got := readTar(t, comp, out.Bytes())
			require.Len(t, got, len(in))
			for i, m := range got {
				assert.Equal(t, in[i].name, m.name)
				assert.Equal(t, in[i].link, m.link)
				assert.NotContains(t, strings.ToLower(string(m.body)), strings.ToLower(secret), m.name)
			}
			assert.Equal(t, "DB_PASSWORD=\"[REDACTED]\"\nCLOUD_OPTS=\"--db-home=/usr/pgsql\"\n", string(got[1].body))
			assert.Equal(t, "PGPASSWORD=[REDACTED]\nHOME=/root\n", string(got[2].body))
			assert.True(t, strings.HasSuffix(string(got[3].body), "auth failed for pw [REDACTED]\n"))
			assert.Equal(t, in[4].body, got[4].body, "a binary member without a secret is kept as it is")
			assert.Equal(t, byte(tar.TypeSymlink), got[5].typ)
		})
	}
}

// TestRedactArchiveWithRunRedactor: with the run's own Redactor, the copy
// holds what Redactor.Redact makes of each member.
func TestRedactArchiveWithRunRedactor(t *testing.T) {
	r := redact.NewRedactor(secret)
	in := sampleSosreport()
	var out bytes.Buffer
	_, err := artifact.RedactArchive(context.Background(), &out, bytes.NewReader(writeTar(t, artifact.XZ, in)), r, artifact.Options{})
	require.NoError(t, err)
	for i, m := range readTar(t, artifact.XZ, out.Bytes()) {
		if in[i].typ == 0 && bytes.IndexByte(in[i].body, 0) < 0 {
			assert.Equal(t, r.Redact(string(in[i].body)), string(m.body), m.name)
		}
		assert.NotContains(t, string(m.body), secret)
	}
}

// TestRedactArchiveBinaryWithSecret: a binary member holding a secret as
// it is cannot be rewritten without breaking it, so it is left out.
func TestRedactArchiveBinaryWithSecret(t *testing.T) {
	in := []member{
		{name: "a.db", body: append([]byte{0, 1, 2}, []byte("pw="+secret)...)},
		{name: "b.txt", body: []byte("fine\n")},
	}
	var out bytes.Buffer
	st, err := artifact.RedactArchive(context.Background(), &out, bytes.NewReader(writeTar(t, artifact.Gzip, in)), redact.NewRedactor(secret), artifact.Options{})
	require.NoError(t, err)
	assert.Equal(t, []string{"a.db"}, st.Dropped)
	got := readTar(t, artifact.Gzip, out.Bytes())
	require.Len(t, got, 1)
	assert.Equal(t, "b.txt", got[0].name)
}

// TestRedactArchiveLargeMember: a member larger than MemoryLimit goes
// through the temporary file, which is gone afterwards; a secret across
// the Writer's window is still replaced.
func TestRedactArchiveLargeMember(t *testing.T) {
	big := []byte(strings.Repeat("0123456789abcdef\n", 3<<16))
	copy(big[4*artifact.MaxSecretLen-5:], secret)
	in := []member{{name: "big.log", body: big}, {name: "small", body: []byte(secret)}}
	tmp := t.TempDir()
	var out bytes.Buffer
	st, err := artifact.RedactArchive(context.Background(), &out, bytes.NewReader(writeTar(t, artifact.XZ, in)), redact.NewRedactor(secret),
		artifact.Options{TempDir: tmp, MemoryLimit: 64 << 10})
	require.NoError(t, err)
	assert.Equal(t, 2, st.Redacted)
	got := readTar(t, artifact.XZ, out.Bytes())
	require.Len(t, got, 2)
	assert.Equal(t, strings.Replace(string(big), secret, redact.Redacted, 1), string(got[0].body))
	assert.Equal(t, redact.Redacted, string(got[1].body))
	left, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, left, "the temporary file is removed")
}

func TestRedactArchiveUnsupported(t *testing.T) {
	for name, b := range map[string][]byte{
		"bzip2":   []byte("BZh91AY&SY..."),
		"zstd":    {0x28, 0xb5, 0x2f, 0xfd, 0, 0},
		"garbage": []byte("sosreport archive of a host"),
		"bad xz":  {0xfd, '7', 'z', 'X', 'Z', 0, 1, 2, 3},
		"bad gz":  {0x1f, 0x8b, 8, 0, 0},
	} {
		_, err := artifact.RedactArchive(context.Background(), io.Discard, bytes.NewReader(b), redact.NewRedactor(secret), artifact.Options{})
		assert.ErrorIs(t, err, artifact.ErrUnsupported, name)
	}
}

func TestRedactArchiveCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := artifact.RedactArchive(ctx, io.Discard, bytes.NewReader(writeTar(t, artifact.Gzip, sampleSosreport())), redact.NewRedactor(secret), artifact.Options{})
	assert.ErrorIs(t, err, context.Canceled)
}

func FuzzRedactArchive(f *testing.F) {
	f.Add(writeTar(f, artifact.None, sampleSosreport()))
	f.Add(writeTar(f, artifact.Gzip, sampleSosreport()[:3]))
	f.Fuzz(func(t *testing.T, b []byte) {
		var out bytes.Buffer
		_, err := artifact.RedactArchive(context.Background(), &out, bytes.NewReader(b), redact.NewRedactor(secret), artifact.Options{TempDir: t.TempDir(), MaxMemberSize: 1 << 20})
		if err == nil && bytes.Contains(out.Bytes(), []byte(secret)) {
			t.Fatalf("secret left in an uncompressed copy")
		}
	})
}

// BenchmarkRedactArchive redacts a sample sosreport of 400 text files
// (16 KiB each, a quarter holding the secret in some case) and one 1 MiB
// binary file, as tar.xz and tar.gz.
func BenchmarkRedactArchive(b *testing.B) {
	var ms []member
	for i := range 400 {
		body := strings.Repeat("Nov 25 04:35:12 clc eucalyptus-cloud[1234]: a log line\n", 16<<10/56)
		switch i % 8 {
		case 0:
			body += "password=" + secret + "\n"
		case 1:
			body += "PASSWORD=" + strings.ToUpper(secret) + "\n"
		}
		ms = append(ms, member{name: "sosreport-clc/var/log/f" + string(rune('a'+i%26)) + strings.Repeat("x", i%7), body: []byte(body)})
	}
	bin := make([]byte, 1<<20)
	for i := range bin {
		bin[i] = byte(i*31 + i>>9)
	}
	ms = append(ms, member{name: "sosreport-clc/var/lib/rpm/Packages", body: bin})
	r := redact.NewRedactor(secret)
	for _, comp := range []artifact.Compression{artifact.XZ, artifact.Gzip} {
		archive := writeTar(b, comp, ms)
		b.Run(string(comp), func(b *testing.B) {
			b.SetBytes(int64(len(ms)-1)*16<<10 + 1<<20)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := artifact.RedactArchive(context.Background(), io.Discard, bytes.NewReader(archive), r, artifact.Options{TempDir: b.TempDir()}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRedactLargeMember redacts a tar.gz holding one 64 MiB log and
// reports the peak heap in use while it runs: it stays a few MiB, since
// members are streamed and spooled to disk, never held whole.
func BenchmarkRedactLargeMember(b *testing.B) {
	line := "Nov 25 04:35:12 clc eucalyptus-cloud[1234]: password=" + secret + " and more text\n"
	body := []byte(strings.Repeat(line, 64<<20/len(line)))
	archive := writeTar(b, artifact.Gzip, []member{{name: "big.log", body: body}})
	body = nil
	r := redact.NewRedactor(secret)
	b.SetBytes(64 << 20)
	var peak uint64
	for b.Loop() {
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		stop := make(chan struct{})
		done := make(chan uint64)
		go func() {
			var top uint64
			var ms runtime.MemStats
			for {
				runtime.ReadMemStats(&ms)
				top = max(top, ms.HeapInuse)
				select {
				case <-stop:
					done <- top
					return
				case <-time.After(5 * time.Millisecond):
				}
			}
		}()
		if _, err := artifact.RedactArchive(context.Background(), io.Discard, bytes.NewReader(archive), r, artifact.Options{TempDir: b.TempDir()}); err != nil {
			b.Fatal(err)
		}
		close(stop)
		if m := <-done; m > base.HeapInuse {
			peak = max(peak, m-base.HeapInuse)
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

// BenchmarkRedactSample redacts the sample sosreport of TestRedactArchive
// (three text files holding the secret as written, upper-cased and
// lower-cased, one binary file, a directory and a link) as tar.xz, with
// the run's Redactor.
func BenchmarkRedactSample(b *testing.B) {
	archive := writeTar(b, artifact.XZ, sampleSosreport())
	r := redact.NewRedactor(secret)
	var st artifact.Stats
	for b.Loop() {
		var err error
		if st, err = artifact.RedactArchive(context.Background(), io.Discard, bytes.NewReader(archive), r, artifact.Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(st.Redacted), "text-files-redacted")
	b.ReportMetric(float64(st.Text), "text-files")
}

// A member larger than MaxMemberSize (a decompression bomb: gigabytes of
// zeros in a few KiB of gzip) is left out unread rather than spooled to
// disk, and named in Stats.TooLarge.
func TestRedactArchiveMemberTooLarge(t *testing.T) {
	in := []member{{name: "bomb", body: make([]byte, 3<<20)}, {name: "small", body: []byte(secret)}}
	tmp := t.TempDir()
	var out bytes.Buffer
	st, err := artifact.RedactArchive(context.Background(), &out, bytes.NewReader(writeTar(t, artifact.Gzip, in)), redact.NewRedactor(secret),
		artifact.Options{TempDir: tmp, MemoryLimit: 64 << 10, MaxMemberSize: 1 << 20})
	require.NoError(t, err)
	assert.Equal(t, []string{"bomb"}, st.TooLarge)
	got := readTar(t, artifact.Gzip, out.Bytes())
	require.Len(t, got, 1)
	assert.Equal(t, "small", got[0].name)
	left, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, left, "nothing was spooled")
}
