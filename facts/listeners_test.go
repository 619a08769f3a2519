package facts

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func has(ls []Listener, proto string, port int) bool {
	for _, l := range ls {
		if l.Proto == proto && l.Port == port {
			return true
		}
	}
	return false
}

func TestParseListenersRecorded(t *testing.T) {
	for _, d := range []string{"centos6", "centos7", "debian12", "rocky9"} {
		t.Run(d, func(t *testing.T) {
			ls := parseListeners(sample(t, d, "listeners"))
			for _, p := range []int{22, 53, 8443, 8773, 8774, 8775, 8777, 8779} {
				assert.True(t, has(ls, "tcp", p), "tcp/%d", p)
			}
			for _, p := range []int{53, 7500, 8773} {
				assert.True(t, has(ls, "udp", p), "udp/%d", p)
			}
			assert.False(t, has(ls, "udp", 8774))
			assert.False(t, has(ls, "tcp", 7500))
		})
	}
}

func TestParseListeners(t *testing.T) {
	tests := []struct {
		name string
		out  string
		want []Listener
	}{
		{"ss -H ipv4", "tcp LISTEN 0 128 0.0.0.0:8773 0.0.0.0:*\n", []Listener{{"tcp", "0.0.0.0", 8773}}},
		{"ss ipv6 brackets", "tcp LISTEN 0 50 [::]:8773 [::]:*\n", []Listener{{"tcp", "::", 8773}}},
		{"ss star", "tcp LISTEN 0 4096 *:8773 *:*\n", []Listener{{"tcp", "*", 8773}}},
		{"ss scoped", "udp UNCONN 0 0 127.0.0.53%lo:53 0.0.0.0:*\n", []Listener{{"udp", "127.0.0.53", 53}}},
		{"ss ipv6 scoped", "udp UNCONN 0 0 [fe80::1%eth0]:123 [::]:*\n", []Listener{{"udp", "fe80::1", 123}}},
		// What iproute2's ss really prints for a socket bound to a device:
		// the scope after the closing bracket (recorded on Debian 12).
		{"ss ipv6 scope after bracket", "tcp LISTEN 0 128 [fe80::fc:ff:fe00:1]%eth0:8773 [::]:*\n", []Listener{{"tcp", "fe80::fc:ff:fe00:1", 8773}}},
		{"ss any scoped", "udp UNCONN 0 0 [::]%eth0:547 [::]:*\n", []Listener{{"udp", "::", 547}}},
		{"ss ipv4 any scoped", "udp UNCONN 0 0 0.0.0.0%eth0:68 0.0.0.0:*\n", []Listener{{"udp", "0.0.0.0", 68}}},
		{"netstat truncated ipv6", "tcp6 0 0 fe80::fc:ff:fe00::18773 :::* LISTEN\n", []Listener{{"tcp", "fe80::fc:ff:fe00:", 18773}}},
		{"ss with process", `tcp LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=812,fd=3))` + "\n", []Listener{{"tcp", "0.0.0.0", 22}}},
		{"ss without netid", "State Recv-Q Send-Q Local Address:Port Peer Address:Port\nLISTEN 0 128 *:8773 *:*\n", []Listener{{"tcp", "*", 8773}}},
		{"ss udp without netid", "UNCONN 0 0 *:7500 *:*\n", []Listener{{"udp", "*", 7500}}},
		{"netstat ipv6 triple colon", "tcp 0 0 :::8773 :::* LISTEN\n", []Listener{{"tcp", "::", 8773}}},
		{"netstat -p", "tcp 0 0 0.0.0.0:8777 0.0.0.0:* LISTEN 2044/postgres\nudp 0 0 0.0.0.0:7500 0.0.0.0:* 2044/java\n",
			[]Listener{{"tcp", "0.0.0.0", 8777}, {"udp", "0.0.0.0", 7500}}},
		{"netstat tcp6", "tcp6 0 0 :::8443 :::* LISTEN 2044/java\n", []Listener{{"tcp", "::", 8443}}},
		// net-tools' netstat prints the state through gettext: under a
		// non-English LANG it may be translated. A TCP socket whose peer is
		// the wildcard is a Listener whatever the word.
		{"netstat translated state", "tcp 0 0 0.0.0.0:8773 0.0.0.0:* ÉCOUTE\ntcp6 0 0 :::8443 :::* ESCUCHAR 2044/java\n",
			[]Listener{{"tcp", "0.0.0.0", 8773}, {"tcp", "::", 8443}}},
		{"netstat translated established ignored", "tcp 0 0 192.0.2.5:41234 192.0.2.10:8773 ÉTABLIE\n", nil},
		// The original's regex matched all of these for 8773.
		{"longer port is not 8773", "tcp LISTEN 0 128 0.0.0.0:87730 0.0.0.0:*\n", []Listener{{"tcp", "0.0.0.0", 87730 % 65536}}[:0]},
		{"other port containing 8773", "tcp LISTEN 0 128 0.0.0.0:18773 0.0.0.0:*\n", []Listener{{"tcp", "0.0.0.0", 18773}}},
		{"foreign address column ignored", "tcp 0 0 192.0.2.5:41234 192.0.2.10:8773 ESTABLISHED\n", nil},
		{"established ss ignored", "tcp ESTAB 0 0 192.0.2.5:41234 192.0.2.10:8773\n", nil},
		{"unix socket ignored", "unix 2 [ ACC ] STREAM LISTENING 1234 /run/x.sock\n", nil},
		{"header only", "Netid State Recv-Q Send-Q Local Address:Port Peer Address:Port\n", nil},
		{"port 0", "udp UNCONN 0 0 0.0.0.0:0 0.0.0.0:*\n", nil},
		{"signed port", "udp UNCONN 0 0 0.0.0.0:+53 0.0.0.0:*\n", nil},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseListeners(tt.out)
			if len(tt.want) == 0 {
				assert.Empty(t, got)
				return
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func FuzzParseListeners(f *testing.F) {
	seed(f, "listeners", "tcp LISTEN 0 1 [::]:8773 [::]:*\n", "tcp 0 0 :::8773 :::* LISTEN\n", "LISTEN 0 1 [fe80::1%eth0]:22 *:*\n")
	f.Fuzz(func(t *testing.T, out string) {
		for _, l := range parseListeners(out) {
			if l.Port < 1 || l.Port > 65535 || (l.Proto != "tcp" && l.Proto != "udp") || l.Addr == "" || strings.ContainsAny(l.Addr, "%[]") {
				t.Fatalf("bad Listener %+v", l)
			}
		}
	})
}
