package facts

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDF(t *testing.T) {
	tests := []struct {
		name string
		out  string
		want DF
	}{
		{"centos6 long device", sample(t, "centos6", "df"), DF{"/dev/mapper/vg_clc-lv_root", 51475068, 18803772, 30049856, 39, "/"}},
		{"debian12", sample(t, "debian12", "df"), DF{"/dev/vda1", 102626232, 12077960, 85288940, 13, "/"}},
		{"marker before header", absentMarker + "\nFilesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda1 1000 10 990 1% /\n",
			DF{"/dev/sda1", 1000, 10, 990, 1, "/"}},
		{"--output", "Filesystem     1K-blocks    Used   Avail Use% Mounted on\n/dev/vda1      102626232 12077960 85288940  13% /var/lib/eucalyptus\n",
			DF{"/dev/vda1", 102626232, 12077960, 85288940, 13, "/var/lib/eucalyptus"}},
		{"--output reordered", "1K-blocks Use% Mounted on\n2048 91% /srv/euca data\n", DF{SizeKiB: 2048, UsePercent: 91, Mount: "/srv/euca data"}},
		{"no capacity", "Filesystem 1024-blocks Used Available Capacity Mounted on\nnone 0 0 0 - /proc\n", DF{"none", 0, 0, 0, -1, "/proc"}},
		// df translates its header under the host's LANG (EL's /etc/bashrc
		// loads /etc/locale.conf for non-interactive shells too); the -P
		// columns keep their order.
		{"de_DE -P", "Dateisystem              1024-Blöcke  Benutzt Verfügbar Kapazität Eingehängt auf\n/dev/mapper/centos-root     52403200  9443468  42959732       19% /\n",
			DF{"/dev/mapper/centos-root", 52403200, 9443468, 42959732, 19, "/"}},
		{"fr_FR -P", "Sys. de fichiers blocs de 1024 Utilisé Disponible Capacité Monté sur\n/dev/vda1 102626232 12077960 85288940 13% /var/lib/eucalyptus\n",
			DF{"/dev/vda1", 102626232, 12077960, 85288940, 13, "/var/lib/eucalyptus"}},
		{"ja_JP -P, absent marker", absentMarker + "\nファイルシス   1024-ブロック    使用   使用可 容量  マウント位置\n/dev/sda1 1000 10 990 1% /srv/euca data\n",
			DF{"/dev/sda1", 1000, 10, 990, 1, "/srv/euca data"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseDF(tt.out)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	for _, bad := range []string{"", "df: '/var/lib/eucalyptus': No such file or directory\n", "Filesystem 1024-blocks Used\nx y z\n"} {
		_, err := parseDF(bad)
		assert.Error(t, err, bad)
	}
}

func FuzzParseDF(f *testing.F) {
	seed(f, "df", "1K-blocks Use% Mounted on\n5 5% /\n")
	f.Fuzz(func(t *testing.T, out string) {
		e, err := parseDF(out)
		if err == nil && (e.SizeKiB < 0 || e.UsePercent < -1 || e.UsePercent > 100) {
			t.Fatalf("bad df %+v", e)
		}
	})
}

// The parse error quotes the host's text it could not read, but only a
// little of it: it ends up in a finding's message, which is not capped.
func TestParseDFErrorIsShort(t *testing.T) {
	_, err := parseDF("1K-blocks Use% Mounted on\n" + strings.Repeat("\x1b", 100000) + " 5% /\n")
	require.Error(t, err)
	assert.Less(t, len(err.Error()), 600, "120 bytes, each at most 4 once quoted")
}
