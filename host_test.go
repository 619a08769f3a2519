package calyptos_test

import (
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
)

func TestSplitHostPort(t *testing.T) {
	tests := []struct {
		in      string
		host    string
		port    int
		wantErr bool
	}{
		{"192.0.2.1", "192.0.2.1", 0, false},
		{"192.0.2.1:2222", "192.0.2.1", 2222, false},
		{"node-1.example.net", "node-1.example.net", 0, false},
		{"node-1.example.net:22", "node-1.example.net", 22, false},
		{"2001:db8::1", "2001:db8::1", 0, false},
		{"fe80::1%eth0", "fe80::1%eth0", 0, false},
		{"[2001:db8::1]:2200", "2001:db8::1", 2200, false},
		{"[2001:db8::1]", "2001:db8::1", 0, false},
		{"", "", 0, true},
		{"host:0", "", 0, true},
		{"host:65536", "", 0, true},
		{"host:ssh", "", 0, true},
		{"[2001:db8::1", "", 0, true},
		{"[2001:db8::1]x", "", 0, true},
		{"a:b:c", "", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			h, p, err := calyptos.SplitHostPort(tt.in)
			if tt.wantErr {
				assert.ErrorIs(t, err, calyptos.ErrBadHost)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.host, h)
			assert.Equal(t, tt.port, p)
		})
	}
}

func TestShellQuoteRoundTripsThroughSh(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on this machine")
	}
	for _, s := range []string{"", "plain", "192.0.2.1", "a b", "it's", `"$(rm -rf /)"`, "`id`", "a;b|c&d", "*", "~root", "new\nline", "-n", "'''", `\`} {
		out, err := exec.Command(sh, "-c", "printf %s "+calyptos.ShellQuote(s)).Output()
		require.NoError(t, err, "quoting %q", s)
		assert.Equal(t, s, string(out))
	}
	assert.Equal(t, "192.0.2.1", calyptos.ShellQuote("192.0.2.1"), "safe words stay readable")
}

func TestSortHosts(t *testing.T) {
	got := calyptos.SortHosts([]string{"b.example", "10.0.0.10", "a.example", "10.0.0.9", "10.0.0.9", "[2001:db8::1]:22", "2001:db8::1", "10.0.0.9:2222"})
	assert.Equal(t, []string{"10.0.0.9", "10.0.0.9:2222", "10.0.0.10", "2001:db8::1", "[2001:db8::1]:22", "a.example", "b.example"}, got)
}

func FuzzSplitHostPort(f *testing.F) {
	for _, s := range []string{"192.0.2.1:22", "[::1]:22", "::1", "host", "h:x", "[", "]:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, p, err := calyptos.SplitHostPort(s)
		if err != nil {
			return
		}
		if p < 0 || p > 65535 {
			t.Fatalf("port %d out of range for %q", p, s)
		}
		if h == "" && s != "[]" {
			t.Fatalf("empty host from %q", s)
		}
		_ = calyptos.CompareHosts(s, h)
	})
}
