package calyptos

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// ErrBadHost is wrapped by SplitHostPort errors.
var ErrBadHost = errors.New("invalid host")

// SplitHostPort splits a host into its address and port (0 when absent):
// "name", "1.2.3.4", "2001:db8::1" (no port), "name:22", "1.2.3.4:22",
// "[2001:db8::1]:22".
func SplitHostPort(h string) (host string, port int, err error) {
	if h == "" {
		return "", 0, fmt.Errorf("%w: empty", ErrBadHost)
	}
	if _, perr := netip.ParseAddr(h); perr == nil {
		return h, 0, nil
	}
	if strings.HasPrefix(h, "[") {
		end := strings.Index(h, "]")
		if end < 0 {
			return "", 0, fmt.Errorf("%w: %q: missing ']'", ErrBadHost, h)
		}
		host = h[1:end]
		if host == "" {
			return "", 0, fmt.Errorf("%w: %q: empty address in brackets", ErrBadHost, h)
		}
		rest := h[end+1:]
		if rest == "" {
			return host, 0, nil
		}
		if !strings.HasPrefix(rest, ":") {
			return "", 0, fmt.Errorf("%w: %q: unexpected %q after ']'", ErrBadHost, h, rest)
		}
		port, err = parsePort(h, rest[1:])
		return host, port, err
	}
	i := strings.LastIndexByte(h, ':')
	if i < 0 {
		return h, 0, nil
	}
	if strings.Count(h, ":") > 1 {
		return "", 0, fmt.Errorf("%w: %q: an IPv6 address with a port must be written [addr]:port", ErrBadHost, h)
	}
	if i == 0 {
		return "", 0, fmt.Errorf("%w: %q: no host before the port", ErrBadHost, h)
	}
	port, err = parsePort(h, h[i+1:])
	return h[:i], port, err
}

func parsePort(h, p string) (int, error) {
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("%w: %q: port %q is not a number from 1 to 65535", ErrBadHost, h, p)
	}
	return n, nil
}

// ShellQuote returns s quoted as one POSIX shell word. Text from an input
// file must go through it into a command.
func ShellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, needsQuote) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func needsQuote(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return false
	}
	return !strings.ContainsRune("@%+=:,./-_", r)
}

// CompareHosts orders hosts as reports show them, a total order: IP
// addresses in numeric order, then names, then strings SplitHostPort
// rejects; ties are broken by port.
func CompareHosts(a, b string) int { return parseSortKey(a).compare(parseSortKey(b)) }

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
	name, port, err := SplitHostPort(h)
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

// SortHosts sorts hosts in place with CompareHosts and returns them
// without duplicates.
func SortHosts(hosts []string) []string {
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
