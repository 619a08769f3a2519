package debugger

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseProbes(t *testing.T) {
	out := "probe 192.0.2.20 8773 0 \n" +
		"probe 192.0.2.10 8777 1 bash: connect: Connection refused bash: line 1: /dev/tcp/192.0.2.10/8777: Connection refused \n" +
		"probe 192.0.2.30 8774 124 \n" +
		"probe 192.0.2.31 8773 1 nc: connect to 192.0.2.31 port 8773 (tcp) timed out: Operation now in progress\n" +
		"probe 192.0.2.32 8775 1 bash: connect: No route to host\n" +
		"probe 192.0.2.33 8775 127 no probe tool: need bash or nc\n" +
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
