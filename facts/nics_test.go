package facts

import (
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
