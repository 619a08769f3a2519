package validator

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/hostname"
	"github.com/org/calyptos/internal/words"
)

// Hosts checks every host of the deployment, whatever its role:
//
//   - it is an IPv4 or IPv6 unicast address or a DNS name (RFC 1123
//     labels), optionally with a port as hostname.Split accepts;
//     anything else is a failure naming the host;
//   - a loopback address in a deployment of more than one host is a warning
//     (other hosts cannot reach it);
//   - a node controller that is also the cloud controller or the
//     user-facing services host is a warning, unless every Eucalyptus
//     component is on one machine (a "cloud-in-a-box"), which is reported
//     as information.
type Hosts struct{}

// Name returns "hosts".
func (Hosts) Name() string { return "hosts" }

// ErrBadHostName is wrapped by CheckHost errors for a host that is neither
// an IP address nor a DNS name.
var ErrBadHostName = errors.New("not an IP address or DNS name")

// CheckHost reports whether h, as written in an environment file, is a
// usable host: a unicast IP address or a DNS name, with an optional port.
// Errors wrap hostname.ErrInvalid or ErrBadHostName.
func CheckHost(h string) error {
	addr, _, err := hostname.Split(h)
	if err != nil {
		return err
	}
	if ip, err := netip.ParseAddr(addr); err == nil {
		if ip.IsUnspecified() || ip.IsMulticast() || ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
			return fmt.Errorf("%w: %s is not a unicast address", ErrBadHostName, addr)
		}
		return nil
	}
	return checkDNSName(addr)
}

func checkDNSName(name string) error {
	n := strings.TrimSuffix(name, ".")
	if n == "" || len(n) > 253 {
		return fmt.Errorf("%w: %q: a DNS name has 1 to 253 characters", ErrBadHostName, name)
	}
	labels := strings.Split(n, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return fmt.Errorf("%w: %q: every dot-separated label has 1 to 63 characters", ErrBadHostName, name)
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return fmt.Errorf("%w: %q: a label cannot start or end with '-'", ErrBadHostName, name)
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return fmt.Errorf("%w: %q: %q is not allowed in a DNS name", ErrBadHostName, name, r)
			}
		}
	}
	if last := labels[len(labels)-1]; strings.Trim(last, "0123456789") == "" {
		// 192.0.2.300 or 10.1.1: neither an address nor a name.
		return fmt.Errorf("%w: %q: looks like an IP address but is not a valid one", ErrBadHostName, name)
	}
	return nil
}

// Validate checks every host.
func (Hosts) Validate(ctx context.Context, c *calyptos.Check) {
	e := env(c)
	if e == nil {
		return
	}
	rb := c.Roles()
	all := rb.All()
	if len(all) == 0 {
		c.Skipped("the deployment lists no hosts")
		return
	}
	distinct := make(map[string]bool, len(all))
	for _, h := range all {
		distinct[hostKey(h)] = true
	}
	bad := 0
	for _, h := range all {
		if err := CheckHost(h); err != nil {
			bad++
			atHost(c.OnHost(h), e, h).Key("host-name").Hint("write the host as an IPv4 or IPv6 address or a DNS name, optionally with :port").Failuref("invalid host %q: %v", h, err)
			continue
		}
		addr, _, _ := hostname.Split(h)
		if ip, err := netip.ParseAddr(addr); err == nil && ip.IsLoopback() && len(distinct) > 1 {
			atHost(c.OnHost(h), e, h).Key("loopback").Hint("list the host by an address the other hosts can reach, not 127.0.0.1 or ::1").Warningf("host %s is a loopback address: the other %s cannot reach it", h, words.Count(len(distinct)-1, "host", "hosts"))
		}
	}
	if bad == 0 {
		c.Key("host-names").Successf("all %s are IP addresses or DNS names", words.Count(len(all), "host", "hosts"))
	}

	// The Eucalyptus hosts (eucalyptus.ComponentHosts, without its sort).
	eucaKeys := map[string]bool{}
	one := ""
	for _, r := range []string{eucalyptus.RoleCLC, eucalyptus.RoleUserFacing, eucalyptus.RoleClusterController, eucalyptus.RoleStorageController, eucalyptus.RoleNodeController, eucalyptus.RoleWalrus} {
		for _, h := range rb.Hosts(r) {
			if one == "" {
				one = h
			}
			eucaKeys[hostKey(h)] = true
		}
	}
	if len(eucaKeys) == 1 {
		c.Infof("single-host cloud-in-a-box: every Eucalyptus component is on %s", one)
		return
	}
	front := map[string]string{}
	for _, r := range []string{eucalyptus.RoleCLC, eucalyptus.RoleUserFacing} {
		for _, h := range rb.Hosts(r) {
			k := hostKey(h)
			if front[k] == "" {
				front[k] = roleWord(r)
			} else if !strings.Contains(front[k], roleWord(r)) {
				front[k] += " and " + roleWord(r)
			}
		}
	}
	mixed := 0
	for _, h := range rb.Hosts(eucalyptus.RoleNodeController) {
		if r := front[hostKey(h)]; r != "" {
			mixed++
			atHost(c.OnHost(h), e, h).Key("nc-on-front-end").Hint("move the node controller to a host of its own; only a cloud-in-a-box shares the CLC/UFS host with instances").Warningf("node controller %s is also the %s: only a single-host cloud-in-a-box should run instances beside the front end", h, r)
		}
	}
	if mixed == 0 && len(eucaKeys) > 0 {
		c.Key("nc-on-front-end").Success("no node controller is also a cloud controller or user-facing services host")
	}
}

func roleWord(role string) string {
	if role == eucalyptus.RoleCLC {
		return "cloud controller"
	}
	return "user-facing services host"
}
