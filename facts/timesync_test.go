package facts

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseTimeSync(t *testing.T) {
	tests := []struct {
		distro string
		want   TimeSync
	}{
		{"centos6", TimeSync{"ntpd", true, -1502 * time.Microsecond}},
		{"centos7", TimeSync{"ntpd", true, 134 * time.Microsecond}},
		{"rocky9", TimeSync{"chrony", true, -12733 * time.Nanosecond}},
		{"debian12", TimeSync{"chrony", false, 0}},
	}
	for _, tt := range tests {
		got, err := parseTimeSync(sample(t, tt.distro, "timesync"))
		require.NoError(t, err, tt.distro)
		assert.Equal(t, tt.want, got, tt.distro)
	}
	for _, bad := range []string{"", "506 Cannot talk to daemon\n", "ntpq: read: Connection refused\n"} {
		_, err := parseTimeSync(bad)
		assert.ErrorIs(t, err, ErrNoData, bad)
	}
}

func FuzzParseTimeSync(f *testing.F) {
	seed(f, "timesync")
	f.Fuzz(func(t *testing.T, out string) {
		ts, err := parseTimeSync(out)
		if err == nil && ts.Source != "chrony" && ts.Source != "ntpd" {
			t.Fatalf("bad source %+v", ts)
		}
		if err == nil && !ts.Synced && ts.Offset != 0 && ts.Source == "ntpd" {
			t.Fatalf("offset without sync %+v", ts)
		}
	})
}
