package facts

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseOSRelease(t *testing.T) {
	tests := []struct {
		name, out string
		want      OSInfo
	}{
		{"centos6", sample(t, "centos6", "os-release"), OSInfo{"centos", []string{"rhel"}, "6.10", 6, "CentOS release 6.10 (Final)"}},
		{"centos7", sample(t, "centos7", "os-release"), OSInfo{"centos", []string{"rhel", "fedora"}, "7", 7, "CentOS Linux 7 (Core)"}},
		{"debian12", sample(t, "debian12", "os-release"), OSInfo{"debian", nil, "12", 12, "Debian GNU/Linux 12 (bookworm)"}},
		{"rocky9", sample(t, "rocky9", "os-release"), OSInfo{"rocky", []string{"rhel", "centos", "fedora"}, "9.4", 9, "Rocky Linux 9.4 (Blue Onyx)"}},
		{"rhel6", "Red Hat Enterprise Linux Server release 6.5 (Santiago)\n", OSInfo{"rhel", []string{"rhel"}, "6.5", 6, "Red Hat Enterprise Linux Server release 6.5 (Santiago)"}},
		{"centos7 system-release", "CentOS Linux release 7.9.2009 (Core)\n", OSInfo{"centos", []string{"rhel"}, "7.9.2009", 7, "CentOS Linux release 7.9.2009 (Core)"}},
		{"scientific", "Scientific Linux release 6.4 (Carbon)", OSInfo{"scientific", []string{"rhel"}, "6.4", 6, "Scientific Linux release 6.4 (Carbon)"}},
		{"single quotes", "ID='ol'\nVERSION_ID='7.9'\nNAME='Oracle Linux Server'\n", OSInfo{"ol", nil, "7.9", 7, "Oracle Linux Server 7.9"}},
		{"no version", "ID=arch\nNAME=Arch\n", OSInfo{"arch", nil, "", -1, "Arch"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseOSRelease(tt.out)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	for _, bad := range []string{"", "cat: /etc/redhat-release: No such file or directory\n", "Ubuntu 22.04\n"} {
		_, err := parseOSRelease(bad)
		assert.ErrorIs(t, err, ErrNoData, bad)
	}
}

func FuzzParseOSRelease(f *testing.F) {
	seed(f, "os-release", "Red Hat Enterprise Linux Server release 6.5 (Santiago)\n")
	f.Fuzz(func(t *testing.T, out string) {
		info, err := parseOSRelease(out)
		if err == nil && (info.ID == "" || info.Major < -1) {
			t.Fatalf("bad os %+v", info)
		}
	})
}
