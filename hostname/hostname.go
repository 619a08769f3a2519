// Package hostname parses and orders the host strings of a fleet: a name or
// an IP address, with an optional port ("node-1", "192.0.2.1:2222",
// "[2001:db8::1]:22"), as roles, inventories and reports hold them.
package hostname

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// ErrInvalid is wrapped by Split errors.
var ErrInvalid = errors.New("invalid host")

// Split splits a host into its address and port (0 when absent):
// "name", "1.2.3.4", "2001:db8::1" (no port), "name:22", "1.2.3.4:22",
// "[2001:db8::1]:22".
func Split(h string) (host string, port int, err error) {
	if h == "" {
		return "", 0, fmt.Errorf("%w: empty", ErrInvalid)
	}
	if _, perr := netip.ParseAddr(h); perr == nil {
		return h, 0, nil
	}
	if strings.HasPrefix(h, "[") {
		end := strings.Index(h, "]")
		if end < 0 {
			return "", 0, fmt.Errorf("%w: %q: missing ']'", ErrInvalid, h)
		}
		host = h[1:end]
		if host == "" {
			return "", 0, fmt.Errorf("%w: %q: empty address in brackets", ErrInvalid, h)
		}
		rest := h[end+1:]
		if rest == "" {
			return host, 0, nil
		}
		if !strings.HasPrefix(rest, ":") {
			return "", 0, fmt.Errorf("%w: %q: unexpected %q after ']'", ErrInvalid, h, rest)
		}
		port, err = parsePort(h, rest[1:])
		return host, port, err
	}
	i := strings.LastIndexByte(h, ':')
	if i < 0 {
		return h, 0, nil
	}
	if strings.Count(h, ":") > 1 {
		return "", 0, fmt.Errorf("%w: %q: an IPv6 address with a port must be written [addr]:port", ErrInvalid, h)
	}
	if i == 0 {
		return "", 0, fmt.Errorf("%w: %q: no host before the port", ErrInvalid, h)
	}
	port, err = parsePort(h, h[i+1:])
	return h[:i], port, err
}

func parsePort(h, p string) (int, error) {
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("%w: %q: port %q is not a number from 1 to 65535", ErrInvalid, h, p)
	}
	return n, nil
}

// Compare orders hosts as reports show them, a total order: IP
// addresses in numeric order, then names, then strings Split
// rejects; ties are broken by port.
func Compare(a, b string) int { return parseSortKey(a).compare(parseSortKey(b)) }

// sortKey is a host parsed once for sorting.
type sortKey struct {
	raw  string
	name string
	addr netip.Addr // valid for IP addresses
	port int
	bad  bool
}

func parseSortKey(h string) sortKey {
	k := sortKey{raw: h}
	name, port, err := Split(h)
	if err != nil {
		k.bad = true
		return k
	}
	k.name, k.port = name, port
	if ip, err := netip.ParseAddr(name); err == nil {
		k.addr = ip
	}
	return k
}

// class puts IP addresses first, then names, then strings that are not
// hosts at all; keeping the classes apart is what makes compare a total
// order (mixing raw and parsed comparisons across classes is not transitive,
// and binary search over a sorted role then misses hosts).
func (k sortKey) class() int {
	switch {
	case k.bad:
		return 2
	case k.addr.IsValid():
		return 0
	default:
		return 1
	}
}

func (a sortKey) compare(b sortKey) int {
	if c := a.class() - b.class(); c != 0 {
		return c
	}
	switch a.class() {
	case 2:
		return strings.Compare(a.raw, b.raw)
	case 0:
		if c := a.addr.Compare(b.addr); c != 0 {
			return c
		}
	default:
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
	}
	if a.port != b.port {
		return a.port - b.port
	}
	return strings.Compare(a.raw, b.raw)
}

// Sort sorts hosts in place with Compare and returns them
// without duplicates.
func Sort(hosts []string) []string {
	keys := make([]sortKey, len(hosts))
	for i, h := range hosts {
		keys[i] = parseSortKey(h)
	}
	slices.SortFunc(keys, sortKey.compare)
	out := hosts[:0]
	for i, k := range keys {
		if i == 0 || k.raw != keys[i-1].raw {
			out = append(out, k.raw)
		}
	}
	clear(hosts[len(out):])
	return out
}
