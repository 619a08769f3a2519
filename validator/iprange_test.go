package validator_test

import (
	"net/netip"
	"testing"

	"github.com/org/calyptos/validator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseIPRange(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		{in: "192.0.2.1", want: "192.0.2.1"},
		{in: " 192.0.2.1 - 192.0.2.9 ", want: "192.0.2.1-192.0.2.9"},
		{in: "192.0.2.5-192.0.2.5", want: "192.0.2.5"},
		{in: "2001:db8::1-2001:db8::ff", want: "2001:db8::1-2001:db8::ff"},
		{in: "::ffff:192.0.2.1", want: "192.0.2.1"},
		{in: "", err: "invalid IP range: empty"},
		{in: "192.0.2.9-192.0.2.1", err: `invalid IP range: "192.0.2.9-192.0.2.1" is reversed: 192.0.2.9 comes after 192.0.2.1`},
		{in: "192.0.2.1-", err: `invalid IP range: "192.0.2.1-": missing address`},
		{in: "192.0.2.1-2001:db8::1", err: `invalid IP range: "192.0.2.1-2001:db8::1": 192.0.2.1 and 2001:db8::1 are of different address families`},
		{in: "192.0.2.0/24", err: `invalid IP range: "192.0.2.0/24": CIDR notation is not accepted here, write first-last`},
		{in: "192.0.2.1-192.0.2.2-192.0.2.3", err: `invalid IP range: "192.0.2.1-192.0.2.2-192.0.2.3": "192.0.2.2-192.0.2.3" is not an IP address`},
		{in: "fe80::1%eth0", err: `invalid IP range: "fe80::1%eth0": "fe80::1%eth0" is not an IP address`},
	} {
		r, err := validator.ParseIPRange(tc.in)
		if tc.err != "" {
			assert.ErrorIs(t, err, validator.ErrInvalidIPRange, tc.in)
			assert.EqualError(t, err, tc.err)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, r.String())
	}
}

func TestIPRangeRelations(t *testing.T) {
	a, err := validator.ParseIPRange("192.0.2.10-192.0.2.20")
	require.NoError(t, err)
	b, _ := validator.ParseIPRange("192.0.2.20-192.0.2.30")
	c, _ := validator.ParseIPRange("192.0.2.21")
	v6, _ := validator.ParseIPRange("::1")
	assert.True(t, a.Overlaps(b))
	assert.True(t, b.Overlaps(a))
	assert.False(t, a.Overlaps(c))
	assert.False(t, a.Overlaps(v6))
	assert.True(t, a.Contains(netip.MustParseAddr("192.0.2.15")))
	assert.False(t, a.Contains(netip.MustParseAddr("192.0.2.21")))
	assert.True(t, a.Within(netip.MustParsePrefix("192.0.2.0/24")))
	assert.False(t, a.Within(netip.MustParsePrefix("192.0.2.16/28")))
}

// FuzzParseIPRange checks that whatever ParseIPRange accepts is a
// well-formed range that prints back to itself.
func FuzzParseIPRange(f *testing.F) {
	for _, s := range []string{"192.0.2.1", "192.0.2.1-192.0.2.9", "2001:db8::1-2001:db8::ff", "9-1", "1.2.3.4/8", " - ", "::ffff:1.2.3.4-1.2.3.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := validator.ParseIPRange(s)
		if err != nil {
			assert.ErrorIs(t, err, validator.ErrInvalidIPRange)
			return
		}
		require.True(t, r.From.IsValid() && r.To.IsValid())
		assert.Equal(t, r.From.Is4(), r.To.Is4())
		assert.False(t, r.To.Less(r.From))
		assert.True(t, r.Contains(r.From) && r.Contains(r.To))
		assert.True(t, r.Overlaps(r))
		back, err := validator.ParseIPRange(r.String())
		require.NoError(t, err)
		assert.Equal(t, r, back)
	})
}
