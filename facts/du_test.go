package facts

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDU(t *testing.T) {
	n, err := parseDU(sample(t, "centos7", "du"))
	require.NoError(t, err)
	assert.EqualValues(t, 412904, n)
	_, err = parseDU("du: cannot access '/var/lib/eucalyptus/db': No such file or directory\n")
	assert.ErrorIs(t, err, ErrNoData)
}

func FuzzParseDU(f *testing.F) {
	seed(f, "du")
	f.Fuzz(func(t *testing.T, out string) {
		if n, err := parseDU(out); err == nil && n < 0 {
			t.Fatalf("negative size %d", n)
		}
	})
}
