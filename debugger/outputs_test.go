package debugger

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSosreport(t *testing.T) {
	tests := []struct {
		distro, file, dir string
		archives          []string
	}{
		{"centos6", "sosreport", "/var/tmp/calyptos-sos.k3J9aQ", []string{"/var/tmp/calyptos-sos.k3J9aQ/sosreport-clc.000-20261125043512.tar.xz"}},
		{"centos6", "sosreport-tmp", "/var/tmp/calyptos-sos.Pq7Rs1", []string{"/tmp/sosreport-clc.000-20261125043512.tar.xz"}},
		{"centos7", "sosreport", "/var/tmp/calyptos-sos.Xy12Ab", []string{"/var/tmp/calyptos-sos.Xy12Ab/sosreport-clc-20261125043512.tar.xz"}},
		{"rocky9", "sosreport", "/var/tmp/calyptos-sos.q8Wz0P", []string{"/var/tmp/calyptos-sos.q8Wz0P/sosreport-node1-2026-11-25-abcdefg.tar.xz"}},
		{"debian12", "sosreport", "/var/tmp/calyptos-sos.Lm3nB7", []string{"/var/tmp/calyptos-sos.Lm3nB7/sosreport-debian12-2026-11-25-abcdefg.tar.xz"}},
	}
	for _, tt := range tests {
		dir, archives := parseSosreport(sample(t, tt.distro, tt.file))
		assert.Equal(t, tt.dir, dir, tt.distro)
		assert.Equal(t, tt.archives, archives, tt.distro)
	}
	dir, archives := parseSosreport("calyptos-tmpdir=/var/tmp/x\n/var/tmp/../etc/sosreport-x.tar.xz\n/tmp/sosreport x.tar.xz\n/tmp/notsos.tar.xz\n")
	assert.Equal(t, "/var/tmp/x", dir)
	assert.Empty(t, archives)
}

func TestOwnTempDir(t *testing.T) {
	assert.True(t, ownTempDir("/var/tmp/calyptos-sos.Xy12Ab", "/var/tmp"))
	assert.True(t, ownTempDir("/tmp/calyptos-sos.Xy12Ab", "/tmp/"))
	for _, bad := range []string{"", "/var/tmp", "/var/tmp/", "/", "/var/tmp/sosreport-x", "/var/tmp/calyptos-sos.x/..", "/var/tmp/a/calyptos-sos.x", "/tmp/calyptos-sos.x"} {
		assert.False(t, ownTempDir(bad, "/var/tmp"), bad)
	}
}

func TestParseProbes(t *testing.T) {
	out := "probe 192.0.2.20 8773 0 \n" +
		"probe 192.0.2.10 8777 1 bash: connect: Connection refused bash: line 1: /dev/tcp/192.0.2.10/8777: Connection refused \n" +
		"probe 192.0.2.30 8774 124 \n" +
		"probe 192.0.2.31 8773 1 nc: connect to 192.0.2.31 port 8773 (tcp) timed out: Operation now in progress\n" +
		"probe 192.0.2.32 8775 1 bash: connect: No route to host\n" +
		"probe 192.0.2.33 8775 127 no probe tool: need bash and timeout, or nc\n" +
		"probe 2001:db8::1 8773 0\n" +
		"probe x 99999 0\nprobe x 1 999\nprobe x y 0\ngarbage\n"
	got := parseProbes(out)
	require.Len(t, got, 7)
	var results []string
	for _, p := range got {
		results = append(results, string(classifyProbe(p.Code, p.Detail)))
	}
	assert.Equal(t, []string{"ok", "refused", "timeout", "timeout", "error", "error", "ok"}, results)
	assert.Equal(t, probeLine{"2001:db8::1", 8773, 0, ""}, got[6])
}

func TestParseIperfPeers(t *testing.T) {
	log := "------------------------------------------------------------\nServer listening on UDP port 8773\nBinding to local address 228.7.7.3\nJoining multicast group  228.7.7.3\n" +
		"[  3] local 228.7.7.3 port 8773 connected with 192.0.2.11 port 41234\n[  4] local 228.7.7.3 port 8773 connected with 192.0.2.20 port 5001\n[  3] local 228.7.7.3 port 8773 connected with 192.0.2.11 port 41235\n"
	assert.Equal(t, []string{"192.0.2.11", "192.0.2.20"}, parseIperfPeers(log))
}
