package facts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseKV(t *testing.T) {
	assert.Equal(t, map[string]string{"unit": "a", "init": "sysv", "text": "a b  c"}, parseKV("unit=a  init=sysv text=a b  c\n"))
	assert.Equal(t, map[string]string{"x": ""}, parseKV("x= =y novalue"))
}

func FuzzParseKV(f *testing.F) {
	f.Add("unit=a init=sysv status=0 boot= text=a b c")
	f.Fuzz(func(t *testing.T, line string) {
		for k, v := range parseKV(line) {
			if k == "" || (k != "text" && strings.ContainsAny(v, " \t")) {
				t.Fatalf("bad pair %q=%q", k, v)
			}
		}
	})
}

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
