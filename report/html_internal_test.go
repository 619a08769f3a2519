package report

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestProbeDetail(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"_: connect: Connection refused _: line 1: /dev/tcp/10.0.0.2/8774: Connection refused", "Connection refused"},
		{"bash: connect: Connection refused bash: line 1: /dev/tcp/192.0.2.10/8777: Connection refused ", "Connection refused"},
		{"_: connect: Network is unreachable _: line 1: /dev/tcp/10.0.0.2/22: Network is unreachable", "Network is unreachable"},
		{"_: line 1: example.invalid: Name or service not known _: line 1: /dev/tcp/example.invalid/22: Invalid argument", "example.invalid: Name or service not known; Invalid argument"},
		{"nc: connect to 10.0.0.2 port 22 (tcp) failed: Connection refused", "nc: connect to 10.0.0.2 port 22 (tcp) failed: Connection refused"},
		{"no result from the probe command (exit 255)", "no result from the probe command (exit 255)"},
		{"source host unreachable", "source host unreachable"},
		{"timed\nout", "timed out"},
		{"_: line", "line"},
		{"", ""},
		{"_:", ""},
	} {
		assert.Equal(t, tc.want, probeDetail(tc.in), "%q", tc.in)
	}
}

// FuzzProbeDetail: any probe message gives one line, no longer than the
// message, without a panic.
func FuzzProbeDetail(f *testing.F) {
	for _, s := range []string{"_: connect: Connection refused _: line 1: /dev/tcp/10.0.0.2/8774: Connection refused", "_: line 1:", "line", "bash: _: sh:", "\u0085x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := probeDetail(s)
		if strings.ContainsAny(got, "\n\r\t") || len(got) > len(s)+2 {
			t.Fatalf("probeDetail(%q) = %q", s, got)
		}
	})
}

// FuzzHostList: naturalCompare is a total order, and a host list counts
// every distinct host once and shows them all in its pieces.
func FuzzHostList(f *testing.F) {
	f.Add("10.0.0.9\n10.0.0.10\n10.0.0.11\nweb01\nweb02\nweb3")
	f.Add("n09\nn10\nn011\nn0\n0\n00\n9\n")
	f.Fuzz(func(t *testing.T, s string) {
		hosts := strings.Split(s, "\n")
		for _, a := range hosts {
			for _, b := range hosts {
				if c, d := naturalCompare(a, b), naturalCompare(b, a); c != -d || (c == 0) != (a == b) {
					t.Fatalf("naturalCompare(%q, %q) = %d, reverse %d", a, b, c, d)
				}
			}
		}
		l := newHostList(hosts)
		distinct := slices.Compact(slices.Sorted(slices.Values(hosts)))
		if l.N != len(distinct) {
			t.Fatalf("N = %d, want %d", l.N, len(distinct))
		}
		all := l.All
		if all == "" {
			all = l.Head
		}
		for _, h := range distinct {
			if !strings.Contains(all, h) && !strings.Contains(all, "–") {
				t.Fatalf("%q missing from %q", h, all)
			}
		}
	})
}
