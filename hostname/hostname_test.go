package hostname_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/hostname"
)

func TestSplit(t *testing.T) {
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
		{":1", "", 0, true},
		{"[]", "", 0, true},
		{"[]:22", "", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			h, p, err := hostname.Split(tt.in)
			if tt.wantErr {
				assert.ErrorIs(t, err, hostname.ErrInvalid)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.host, h)
			assert.Equal(t, tt.port, p)
		})
	}
}

func TestSort(t *testing.T) {
	got := hostname.Sort([]string{"b.example", "10.0.0.10", "a.example", "10.0.0.9", "10.0.0.9", "[2001:db8::1]:22", "2001:db8::1", "10.0.0.9:2222"})
	assert.Equal(t, []string{"10.0.0.9", "10.0.0.9:2222", "10.0.0.10", "2001:db8::1", "[2001:db8::1]:22", "a.example", "b.example"}, got)
}

func FuzzSplit(f *testing.F) {
	for _, s := range []string{"192.0.2.1:22", "[::1]:22", "::1", "host", "h:x", "[", "]:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, p, err := hostname.Split(s)
		if err != nil {
			return
		}
		if p < 0 || p > 65535 {
			t.Fatalf("port %d out of range for %q", p, s)
		}
		if h == "" {
			t.Fatalf("empty host from %q", s)
		}
		_ = hostname.Compare(s, h)
	})
}

// FuzzCompareHosts checks that CompareHosts is a total order on any three
// strings: Has and RolesOf binary-search sorted roles, so an ordering that
// is not transitive makes hosts vanish from their own roles.
func FuzzCompare(f *testing.F) {
	f.Add("2.0.0.0", "10.0.0.1", "1B:") // a cycle under the first ordering
	f.Add("[::1]:22", "::1", "h:x")
	f.Add("10.0.0.9", "10.0.0.10:22", "b:0")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		sign := func(n int) int { return max(-1, min(1, n)) }
		ab, ba := hostname.Compare(a, b), hostname.Compare(b, a)
		if sign(ab) != -sign(ba) {
			t.Fatalf("not antisymmetric: cmp(%q,%q)=%d cmp(%q,%q)=%d", a, b, ab, b, a, ba)
		}
		if (ab == 0) != (a == b) {
			t.Fatalf("cmp(%q,%q)=%d but equality is %v", a, b, ab, a == b)
		}
		bc, ac := hostname.Compare(b, c), hostname.Compare(a, c)
		if ab <= 0 && bc <= 0 && ac > 0 {
			t.Fatalf("not transitive: %q <= %q <= %q but cmp(%q,%q)=%d", a, b, c, a, c, ac)
		}
	})
}

// TestSortWithMalformedHosts is the fuzzer's find: "1B:" (an empty
// port) sorted among addresses and names made Has miss it.
func TestSortWithMalformedHosts(t *testing.T) {
	hosts := []string{"b", "1B:", "1.2.3.4", "a:x", "10.0.0.1", "a", "[::1"}
	got := hostname.Sort(slices.Clone(hosts))
	assert.Equal(t, []string{"1.2.3.4", "10.0.0.1", "a", "b", "1B:", "[::1", "a:x"}, got)
	rb := calyptos.NewRoleBuilder(map[string][]string{calyptos.RoleAll: hosts})
	for _, h := range hosts {
		assert.True(t, rb.Has(calyptos.RoleAll, h), h)
	}
}
