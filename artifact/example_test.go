package artifact_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"

	"github.com/org/calyptos/artifact"
	"github.com/org/calyptos/redact"
)

// ExampleRedactArchive rewrites a gzip-compressed tar archive with the
// secrets a Redactor knows replaced (a debugger passes c.Redactor()).
func ExampleRedactArchive() {
	// An archive as a host might send it.
	var src bytes.Buffer
	zw := gzip.NewWriter(&src)
	tw := tar.NewWriter(zw)
	body := "DB_PASSWORD=hunter2-s3cret\nDB_USER=eucalyptus\n"
	_ = tw.WriteHeader(&tar.Header{Name: "etc/eucalyptus/eucalyptus.conf", Typeflag: tar.TypeReg, Mode: 0o600, Size: int64(len(body))})
	_, _ = io.WriteString(tw, body)
	_ = tw.Close()
	_ = zw.Close()

	var dst bytes.Buffer
	st, err := artifact.RedactArchive(context.Background(), &dst, &src, redact.NewRedactor("hunter2-s3cret"), artifact.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s archive, %d text files, secrets replaced in %d\n", st.Compression, st.Text, st.Redacted)

	zr, _ := gzip.NewReader(&dst)
	tr := tar.NewReader(zr)
	h, _ := tr.Next()
	out, _ := io.ReadAll(tr)
	fmt.Printf("%s:\n%s", h.Name, out)
	// Output:
	// gzip archive, 1 text files, secrets replaced in 1
	// etc/eucalyptus/eucalyptus.conf:
	// DB_PASSWORD=[REDACTED]
	// DB_USER=eucalyptus
}
