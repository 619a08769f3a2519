package facts

import (
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseNICs(t *testing.T) {
	assert.Equal(t, []NIC{{Name: "eth0", Speed: 1000, Driver: "e1000e", State: "up"}, {Name: "eth1", Speed: 10000, Driver: "ixgbe", State: "up"}},
		parseNICs(sample(t, "centos6", "nics")))
	assert.Equal(t, []NIC{{Name: "em1", Speed: 1000, Driver: "tg3", State: "up"}, {Name: "em2", Speed: -1, Driver: "tg3", State: "down"}},
		parseNICs(sample(t, "centos7", "nics")))
	assert.Equal(t, []NIC{{Name: "ens3", Speed: -1, Driver: "virtio_net", State: "up"}}, parseNICs(sample(t, "debian12", "nics")))
	lspci := parseNICs(sample(t, "centos6", "nics-lspci"))
	require.Len(t, lspci, 2)
	assert.Equal(t, 1000, lspci[0].Speed)
	assert.Equal(t, 10000, lspci[1].Speed, "the original failed 10-Gigabit SFP NICs")
	assert.Equal(t, -1, lspciSpeed("00:03.0 Ethernet controller: Red Hat, Inc. Virtio network device"))
	assert.Equal(t, 100, lspciSpeed("Realtek RTL-8139 Fast Ethernet"))
	assert.Empty(t, parseNICs("\n"), "no NIC is no NIC (the original counted one)")
}

func FuzzParseNICs(f *testing.F) {
	seed(f, "nics")
	seed(f, "nics-lspci")
	f.Fuzz(func(t *testing.T, out string) {
		for _, n := range parseNICs(out) {
			if n.Name == "" || (n.Speed != -1 && n.Speed <= 0) {
				t.Fatalf("bad nic %+v", n)
			}
		}
	})
}

// TestNICsCommandHere runs NICsCommand on this machine and compares it
// with the command it replaced, which read the sysfs files with cat.
func TestNICsCommandHere(t *testing.T) {
	if _, err := os.Stat("/sys/class/net"); err != nil {
		t.Skip("no /sys/class/net here")
	}
	const withCat = `found=0; for d in /sys/class/net/*; do [ -e "$d/device" ] || continue; found=1; ` +
		`drv=$(readlink "$d/device/driver" 2>/dev/null); ` +
		`printf 'nic name=%s speed=%s driver=%s state=%s\n' "${d##*/}" "$(cat "$d/speed" 2>/dev/null)" "${drv##*/}" "$(cat "$d/operstate" 2>/dev/null)"; done; ` +
		`if [ "$found" = 0 ] && command -v lspci >/dev/null 2>&1; then lspci | grep -Ei 'network|ethernet' | sed 's/^/lspci /'; fi`
	run := func(script string) string {
		out, err := exec.Command("sh", "-c", script).Output()
		require.NoError(t, err)
		return string(out)
	}
	assert.Equal(t, run(withCat), run(NICsCommand))
}
