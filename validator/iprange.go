package validator

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// ErrInvalidIPRange is wrapped by every error ParseIPRange returns.
var ErrInvalidIPRange = errors.New("invalid IP range")

// IPRange is an inclusive range of addresses of one family, as written in
// the PublicIps and PrivateIps lists of a Eucalyptus network configuration.
type IPRange struct {
	From, To netip.Addr
}

// ParseIPRange parses "a" (one address) or "a-b" (from a to b inclusive,
// spaces around the dash allowed). Both ends must be of the same family
// and a must not come after b. CIDR prefixes are refused: the Eucalyptus
// network configuration takes addresses and ranges.
func ParseIPRange(s string) (IPRange, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return IPRange{}, fmt.Errorf("%w: empty", ErrInvalidIPRange)
	}
	if strings.Contains(s, "/") {
		return IPRange{}, fmt.Errorf("%w: %q: CIDR notation is not accepted here, write first-last", ErrInvalidIPRange, s)
	}
	from, to, isRange := strings.Cut(s, "-")
	a, err := parseAddr(s, from)
	if err != nil {
		return IPRange{}, err
	}
	if !isRange {
		return IPRange{From: a, To: a}, nil
	}
	b, err := parseAddr(s, to)
	if err != nil {
		return IPRange{}, err
	}
	if a.Is4() != b.Is4() {
		return IPRange{}, fmt.Errorf("%w: %q: %s and %s are of different address families", ErrInvalidIPRange, s, a, b)
	}
	if b.Less(a) {
		return IPRange{}, fmt.Errorf("%w: %q is reversed: %s comes after %s", ErrInvalidIPRange, s, a, b)
	}
	return IPRange{From: a, To: b}, nil
}

func parseAddr(whole, part string) (netip.Addr, error) {
	part = strings.TrimSpace(part)
	if part == "" {
		return netip.Addr{}, fmt.Errorf("%w: %q: missing address", ErrInvalidIPRange, whole)
	}
	a, err := netip.ParseAddr(part)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("%w: %q: %q is not an IP address", ErrInvalidIPRange, whole, part)
	}
	return a.Unmap(), nil
}

// String returns "a" for a one-address range and "a-b" otherwise.
func (r IPRange) String() string {
	if r.From == r.To {
		return r.From.String()
	}
	return r.From.String() + "-" + r.To.String()
}

// Contains reports whether a is in the range.
func (r IPRange) Contains(a netip.Addr) bool {
	a = a.Unmap()
	return a.BitLen() == r.From.BitLen() && !a.Less(r.From) && !r.To.Less(a)
}

// Overlaps reports whether the two ranges share an address.
func (r IPRange) Overlaps(o IPRange) bool {
	if r.From.BitLen() != o.From.BitLen() {
		return false
	}
	return !r.To.Less(o.From) && !o.To.Less(r.From)
}

// Within reports whether the whole range lies inside prefix p.
func (r IPRange) Within(p netip.Prefix) bool {
	return p.Contains(r.From) && p.Contains(r.To)
}

// prefixRange returns the range of addresses of p.
func prefixRange(p netip.Prefix) IPRange {
	p = p.Masked()
	from := p.Addr()
	to := from
	// Set every host bit.
	b := to.AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	to, _ = netip.AddrFromSlice(b)
	return IPRange{From: from, To: to}
}
