package calyptos_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/redact"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fetchAll runs one debugger that fetches /x from each host with
// FetchToDir, and returns the errors.
func fetchAll(t *testing.T, dir string, hosts ...string) []error {
	t.Helper()
	exec := calyptostest.NewExecutor(t)
	exec.OnFetch("", "/x").Content("remote data\n")
	rb := calyptos.NewRoleBuilder(map[string][]string{"x": hosts})
	var errs []error
	_, err := calyptos.RunDebuggers(context.Background(), rb, exec, []calyptos.Debugger{
		plugin{name: "d", body: func(ctx context.Context, c *calyptos.Check) {
			for _, h := range hosts {
				_, err := c.FetchToDir(ctx, h, "/x", "")
				errs = append(errs, err)
			}
		}},
	}, calyptos.RunOptions{ArtifactsDir: dir})
	require.NoError(t, err)
	return errs
}

// TestArtifactModes: the artifacts directory and host folders are made
// 0700, files 0600, whatever the umask allows.
func TestArtifactModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "artifacts")
	require.NoError(t, fetchAll(t, dir, "10.0.0.1")[0])
	for p, want := range map[string]os.FileMode{
		dir:                                 0o700,
		filepath.Join(dir, "10.0.0.1"):      0o700,
		filepath.Join(dir, "10.0.0.1", "x"): 0o600,
		filepath.Join(filepath.Dir(dir)):    0o700,
	} {
		fi, err := os.Lstat(p)
		require.NoError(t, err)
		assert.Equal(t, want, fi.Mode().Perm(), p)
	}
}

// TestArtifactPlantedSymlinks: another user who can write into the
// artifacts directory plants a host folder or a file that is a symbolic
// link to somewhere of theirs (or of the victim's): it is refused, and
// nothing is written where it points.
func TestArtifactPlantedSymlinks(t *testing.T) {
	dir, elsewhere := t.TempDir(), t.TempDir()
	// A host folder that is a link to another directory.
	require.NoError(t, os.Symlink(elsewhere, filepath.Join(dir, "10.0.0.1")))
	// A host folder that is real, with the file name linked elsewhere.
	require.NoError(t, os.Mkdir(filepath.Join(dir, "10.0.0.2"), 0o700))
	victim := filepath.Join(elsewhere, "victim")
	require.NoError(t, os.WriteFile(victim, []byte("keep me"), 0o600))
	require.NoError(t, os.Symlink(victim, filepath.Join(dir, "10.0.0.2", "x")))
	// A dangling link, which O_CREAT would follow to create its target.
	require.NoError(t, os.Mkdir(filepath.Join(dir, "10.0.0.3"), 0o700))
	require.NoError(t, os.Symlink(filepath.Join(elsewhere, "created"), filepath.Join(dir, "10.0.0.3", "x")))

	errs := fetchAll(t, dir, "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4")
	for i := range 3 {
		assert.ErrorIs(t, errs[i], calyptos.ErrUnsafePath, "host %d", i+1)
	}
	require.NoError(t, errs[3], "other hosts are not affected")
	left, err := os.ReadDir(elsewhere)
	require.NoError(t, err)
	require.Len(t, left, 1, "nothing written through a link")
	b, err := os.ReadFile(victim)
	require.NoError(t, err)
	assert.Equal(t, "keep me", string(b))
	fi, err := os.Lstat(filepath.Join(dir, "10.0.0.2", "x"))
	require.NoError(t, err)
	assert.Equal(t, os.ModeSymlink, fi.Mode().Type(), "the link is left as it was, for the user to see")
}

// TestWriteArtifact: a check writes an artifact of its own making; a
// failed write leaves nothing under the final name.
func TestWriteArtifact(t *testing.T) {
	dir := t.TempDir()
	exec := calyptostest.NewExecutor(t)
	rb := calyptos.NewRoleBuilder(map[string][]string{"x": {"h"}})
	r := redact.NewRedactor("s3cr3t")
	rep, err := calyptos.RunDebuggers(context.Background(), rb, exec, []calyptos.Debugger{
		plugin{name: "d", body: func(ctx context.Context, c *calyptos.Check) {
			a, err := c.WriteArtifact("h", "out.txt", "/remote/s3cr3t", func(w io.Writer) error {
				_, err := io.WriteString(w, c.Redactor().Redact("pw=s3cr3t"))
				return err
			})
			assert.NoError(t, err)
			assert.Equal(t, int64(len("pw=[REDACTED]")), a.Bytes)
			_, err = c.WriteArtifact("h", "bad.txt", "", func(w io.Writer) error {
				_, _ = io.WriteString(w, "partial")
				return io.ErrUnexpectedEOF
			})
			assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
		}},
	}, calyptos.RunOptions{ArtifactsDir: dir, Redactor: r})
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(dir, "h", "out.txt"))
	require.NoError(t, err)
	assert.Equal(t, "pw=[REDACTED]", string(b))
	entries, err := os.ReadDir(filepath.Join(dir, "h"))
	require.NoError(t, err)
	assert.Len(t, entries, 1)
	arts := rep.Check("d").Artifacts
	require.Len(t, arts, 1)
	assert.False(t, strings.Contains(arts[0].Remote, "s3cr3t"))
}

// TestArtifactHostDirOfAnotherUser: a real host folder planted by another
// user (who could swap files in it) is refused too.
func TestArtifactHostDirOfAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a directory to another user")
	}
	dir := t.TempDir()
	planted := filepath.Join(dir, "10.0.0.1")
	require.NoError(t, os.Mkdir(planted, 0o777))
	require.NoError(t, os.Chown(planted, 65534, 65534))
	errs := fetchAll(t, dir, "10.0.0.1")
	assert.ErrorIs(t, errs[0], calyptos.ErrUnsafePath)
	assert.ErrorContains(t, errs[0], "belongs to another user")
	left, err := os.ReadDir(planted)
	require.NoError(t, err)
	assert.Empty(t, left)
}
