package facts

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// seed adds every recorded sample named name (all distributions) and the
// extra texts to the corpus.
func seed(f *testing.F, name string, extra ...string) {
	f.Helper()
	files, _ := filepath.Glob(filepath.Join("testdata", "*", name+".txt"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	for _, e := range extra {
		f.Add(e)
	}
}

// sample returns a recorded output from testdata/<distro>/<name>.txt.
func sample(t testing.TB, distro, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", distro, name+".txt"))
	require.NoError(t, err)
	return string(b)
}
