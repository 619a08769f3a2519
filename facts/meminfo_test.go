package facts

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseMeminfo(t *testing.T) {
	m, err := parseMeminfo(sample(t, "centos6", "meminfo"))
	require.NoError(t, err)
	assert.Equal(t, Meminfo{TotalKiB: 8061540, AvailableKiB: 512344 + 203112 + 2837760, Estimated: true}, m)
	m, err = parseMeminfo(sample(t, "centos7", "meminfo"))
	require.NoError(t, err)
	assert.Equal(t, Meminfo{TotalKiB: 8010180, AvailableKiB: 3402760}, m)
	_, err = parseMeminfo("MemFree: 1 kB\n")
	assert.ErrorIs(t, err, ErrNoData)
	_, err = parseMeminfo("MemTotal: 1 kB\n")
	assert.ErrorIs(t, err, ErrNoData)
	_, err = parseMeminfo("MemTotal: -5 kB\nMemAvailable: x kB\n")
	assert.ErrorIs(t, err, ErrNoData)
}

func FuzzParseMeminfo(f *testing.F) {
	seed(f, "meminfo", "MemTotal: 1 kB\nMemFree: 2 kB\n")
	f.Fuzz(func(t *testing.T, out string) {
		m, err := parseMeminfo(out)
		if err == nil && (m.TotalKiB < 0 || m.AvailableKiB < 0) {
			t.Fatalf("negative memory %+v", m)
		}
	})
}
