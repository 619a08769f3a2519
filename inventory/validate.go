package inventory

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxNameLen bounds a host name (DNS allows 253 bytes).
const maxNameLen = 255

// checkHostName refuses a host name (or ansible_host address) that ssh or
// a shell could read as something else: it is an IP address, or letters,
// digits, '.', '-' and '_' not starting with '-' or made only of dots.
// Ansible takes more (anything its pattern parser cannot read is kept
// whole); such names reach ssh and ProxyCommand lines, so they are refused
// here with what to write instead.
func checkHostName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty host name")
	case len(name) > maxNameLen:
		return fmt.Errorf("host name %.40q... is longer than %d bytes", name, maxNameLen)
	case strings.HasPrefix(name, "-"):
		return fmt.Errorf("host %q must not start with '-' (ssh would read it as an option)", name)
	case !utf8.ValidString(name):
		return fmt.Errorf("host %q is not UTF-8", name)
	}
	if a, err := netip.ParseAddr(name); err == nil {
		if strings.IndexFunc(a.Zone(), func(r rune) bool { return !isNameRune(r) }) >= 0 {
			return fmt.Errorf("host %q: the zone of an IPv6 address is letters, digits, '.', '-' and '_'", name)
		}
		return nil
	}
	if i := strings.IndexFunc(name, func(r rune) bool { return !isNameRune(r) }); i >= 0 {
		r, _ := utf8.DecodeRuneInString(name[i:])
		switch {
		case unicode.IsSpace(r) || unicode.IsControl(r):
			return fmt.Errorf("host %q contains a space or a control character", name)
		case r == '@':
			return fmt.Errorf("host %q contains '@': give the login user as ansible_user", name)
		case r == ':':
			return fmt.Errorf("host %q is neither an IP address nor a host name (a port is written host:22, or [ipv6]:22)", name)
		case r == '[' || r == ']':
			return fmt.Errorf("host %q: %q is not part of a valid [begin:end] range", name, r)
		}
		return fmt.Errorf("host %q contains %q: a host name is letters, digits, '.', '-' and '_', or an IP address", name, r)
	}
	if strings.Trim(name, ".") == "" {
		return fmt.Errorf("host %q is not a host name", name)
	}
	return nil
}

func isNameRune(r rune) bool {
	return r == '.' || r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}
