package facts

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseClock(t *testing.T) {
	tests := []struct {
		out  string
		want time.Time
	}{
		{"1764045296.123456789\n", time.Unix(1764045296, 123456789).UTC()},
		{"1764045296.5", time.Unix(1764045296, 500000000).UTC()},
		{"1764045296.N\n", time.Unix(1764045296, 0).UTC()},
		{"1764045296.%N\n", time.Unix(1764045296, 0).UTC()},
		{"1764045296\n", time.Unix(1764045296, 0).UTC()},
		{"1764045296.1234567891234", time.Unix(1764045296, 123456789).UTC()},
	}
	for _, tt := range tests {
		got, err := parseClock(tt.out)
		require.NoError(t, err, tt.out)
		assert.Equal(t, tt.want, got, tt.out)
	}
	for _, bad := range []string{"", "112233\n"[:0], "date: invalid date\n", "-5.0", "Tue Nov 25 04:30:00 UTC 2026"} {
		_, err := parseClock(bad)
		assert.ErrorIs(t, err, ErrNoData, bad)
	}
}

func FuzzParseClock(f *testing.F) {
	f.Add("1764045296.123456789\n")
	f.Add("1764045296.N")
	f.Add("999999999999999999.9")
	f.Fuzz(func(t *testing.T, out string) {
		if tm, err := parseClock(out); err == nil && tm.Unix() < 0 {
			t.Fatalf("time before the epoch: %v", tm)
		}
	})
}
