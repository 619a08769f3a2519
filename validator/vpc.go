package validator

import (
	"context"
	"net/netip"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/words"
	"github.com/org/calyptos/internal/yamlx"
	"gopkg.in/yaml.v3"
)

// VPC checks the MidoNet data of a VPCMIDO cloud; it skips every other
// network mode. It reads both places that data has lived in:
//
//   - current: eucalyptus.midonet.Gateways[] (Ip, and ExternalCidr /
//     ExternalIp / ExternalRouterIp when set) and
//     eucalyptus.midonet.midolman-host-mapping;
//   - older: network.config-json.Mido (GatewayHost, or Gateways[] with
//     GatewayHost, GatewayIP, GatewayInterface) and the midokura section
//     (midolman-host-mapping, zookeepers, cassandras).
//
// Failures are kept for what breaks a VPC: no gateway at all, a gateway
// without an address or with an invalid one, an ExternalIp outside its
// ExternalCidr, an older-form gateway missing one of its three keys, a
// cloud controller or node controller missing from a midolman host
// mapping, and a zookeeper entry that is not host:port. A mapping entry
// that is not a CLC, NC or gateway is a warning (midolman on another host
// breaks nothing), and so are missing NSDB hosts (zookeeper, cassandra),
// since they may be external.
type VPC struct{}

// Name returns "vpc".
func (VPC) Name() string { return "vpc" }

// Validate checks the VPC configuration.
func (VPC) Validate(ctx context.Context, c *calyptos.Check) {
	e := env(c)
	if e == nil {
		return
	}
	if mode := e.NetworkMode(); mode != "VPCMIDO" {
		if mode == "" {
			mode = "not set"
		}
		c.Skipped("network mode is " + mode + ", not VPCMIDO: no VPC to check")
		return
	}
	v := &vpcCheck{c: c, e: e, gwHosts: map[string]bool{}, gwIPs: map[string]bool{}}
	v.currentGateways()
	v.olderGateways()
	if len(v.gwIPs) == 0 && len(v.gwHosts) == 0 {
		at(c, e, e.Attr("eucalyptus", "network", "mode")).Failure("VPCMIDO needs at least one MidoNet gateway (default_attributes.eucalyptus.midonet.Gateways)")
	}
	v.mappings()
	v.nsdb()
}

type vpcCheck struct {
	c       *calyptos.Check
	e       *calyptos.Environment
	gwHosts map[string]bool // gateway host names (older form)
	gwIPs   map[string]bool // gateway addresses, hostKey form
}

func (v *vpcCheck) currentGateways() {
	c, e := v.c, v.e
	k, gws := calyptos.Lookup(e.Attr("eucalyptus", "midonet"), "Gateways")
	if k == nil || yamlx.IsNull(gws) {
		return
	}
	if gws.Kind != yaml.SequenceNode {
		at(c, e, k).Failuref("midonet.Gateways: expected a list, found %s", kind(gws))
		return
	}
	for i, gw := range yamlx.Items(gws) {
		ip, ok := yamlx.Scalar(get(gw, "Ip"))
		if !ok {
			at(c, e, gw).Failuref("midonet.Gateways[%d] has no Ip", i)
			continue
		}
		if err := CheckHost(ip); err != nil {
			at(c, e, get(gw, "Ip")).Failuref("midonet.Gateways[%d].Ip: %v", i, err)
			continue
		}
		v.gwIPs[hostKey(ip)] = true
		ok = true
		var cidr netip.Prefix
		if s, has := yamlx.Scalar(get(gw, "ExternalCidr")); has {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				ok = false
				at(c, e, get(gw, "ExternalCidr")).Failuref("midonet gateway %s: ExternalCidr %q is not a CIDR prefix", ip, s)
			}
			cidr = p
		}
		for _, key := range []string{"ExternalIp", "ExternalRouterIp"} {
			s, has := yamlx.Scalar(get(gw, key))
			if !has {
				continue
			}
			a, err := netip.ParseAddr(s)
			switch {
			case err != nil:
				ok = false
				at(c, e, get(gw, key)).Failuref("midonet gateway %s: %s %q is not an IP address", ip, key, s)
			case cidr.IsValid() && !cidr.Contains(a):
				ok = false
				at(c, e, get(gw, key)).Failuref("midonet gateway %s: %s %s is not inside ExternalCidr %s", ip, key, a, cidr)
			}
		}
		if ok {
			c.OnHost(ip).Successf("MidoNet gateway %s", ip)
		}
	}
}

func (v *vpcCheck) olderGateways() {
	c, e := v.c, v.e
	mk, mido := calyptos.Lookup(e.Attr("eucalyptus", "network", "config-json"), "Mido")
	if mk == nil || yamlx.IsNull(mido) {
		return
	}
	hk, host := calyptos.Lookup(mido, "GatewayHost")
	gk, gws := calyptos.Lookup(mido, "Gateways")
	if hk != nil {
		if h, ok := yamlx.Scalar(host); ok && h != "" {
			v.gwHosts[h] = true
			c.Successf("config-json.Mido.GatewayHost: %s", h)
		} else {
			at(c, e, hk).Failure("config-json.Mido.GatewayHost is empty")
		}
		if gk != nil {
			at(c, e, hk).Warning("config-json.Mido has both GatewayHost and Gateways: Eucalyptus uses Gateways")
		}
	}
	if gk == nil {
		return
	}
	if gws.Kind != yaml.SequenceNode {
		at(c, e, gk).Failuref("config-json.Mido.Gateways: expected a list, found %s", kind(gws))
		return
	}
	for i, gw := range yamlx.Items(gws) {
		var missing []string
		for _, key := range []string{"GatewayHost", "GatewayIP", "GatewayInterface"} {
			if s, ok := yamlx.Scalar(get(gw, key)); !ok || s == "" {
				missing = append(missing, key)
			}
		}
		if len(missing) > 0 {
			at(c, e, gw).Failuref("config-json.Mido.Gateways[%d] has no %s", i, strings.Join(missing, ", no "))
			continue
		}
		h, _ := yamlx.Scalar(get(gw, "GatewayHost"))
		ip, _ := yamlx.Scalar(get(gw, "GatewayIP"))
		v.gwHosts[h] = true
		if _, err := netip.ParseAddr(ip); err != nil {
			at(c, e, get(gw, "GatewayIP")).Failuref("config-json.Mido.Gateways[%d].GatewayIP %q is not an IP address", i, ip)
			continue
		}
		c.Successf("config-json.Mido gateway %s (%s)", h, ip)
	}
}

// mappings checks each midolman host mapping against the CLC, node
// controllers and gateways.
func (v *vpcCheck) mappings() {
	c, e := v.c, v.e
	rb := c.Roles()
	type mapping struct {
		name string
		key  *yaml.Node
		val  *yaml.Node
	}
	var ms []mapping
	for _, m := range []struct {
		name string
		path []string
	}{
		{"eucalyptus.midonet.midolman-host-mapping", []string{"eucalyptus", "midonet"}},
		{"midokura.midolman-host-mapping", []string{"midokura"}},
	} {
		if k, val := calyptos.Lookup(e.Attr(m.path...), "midolman-host-mapping"); k != nil {
			ms = append(ms, mapping{m.name, k, val})
		}
	}
	if len(ms) == 0 {
		at(c, e, e.Attr("eucalyptus", "midonet")).Failure("no midolman-host-mapping (default_attributes.eucalyptus.midonet.midolman-host-mapping): eucanetd cannot find the MidoNet hosts")
		return
	}
	clc := keySet(rb.Hosts(calyptos.RoleCLC))
	ncs := keySet(rb.Hosts(calyptos.RoleNodeController))
	var flat []map[string]string
	for _, m := range ms {
		if m.val == nil || m.val.Kind != yaml.MappingNode {
			at(c, e, m.key).Failuref("%s: expected a mapping of host name to address, found %s", m.name, kind(m.val))
			continue
		}
		values := map[string]bool{}
		entries := map[string]string{}
		for _, p := range calyptos.Entries(m.val) {
			ip, _ := yamlx.Scalar(p.Value)
			entries[p.Key.Value] = ip
			k := hostKey(ip)
			values[k] = true
			if !clc[k] && !ncs[k] && !v.gwIPs[k] && !v.gwHosts[p.Key.Value] {
				at(c, e, p.Key).Warningf("%s: %s (%s) is not a cloud controller, node controller or MidoNet gateway", m.name, p.Key.Value, ip)
			}
		}
		flat = append(flat, entries)
		missing := 0
		for _, r := range []struct{ role, what string }{
			{calyptos.RoleCLC, "cloud controller"},
			{calyptos.RoleNodeController, "node controller"},
		} {
			for _, h := range rb.Hosts(r.role) {
				if !values[hostKey(h)] {
					missing++
					at(c.OnHost(h), e, m.key).Failuref("%s %s is not in %s: midolman must run on it", r.what, h, m.name)
				}
			}
		}
		if missing == 0 {
			c.Successf("%s covers the cloud controller and %s", m.name, words.Count(len(ncs), "node controller", "node controllers"))
		}
	}
	if len(flat) == 2 && !mapsEqual(flat[0], flat[1]) {
		at(c, e, ms[1].key).Warning("midokura.midolman-host-mapping differs from eucalyptus.midonet.midolman-host-mapping; the cookbook reads the latter")
	}
}

func keySet(hosts []string) map[string]bool {
	out := make(map[string]bool, len(hosts))
	for _, h := range hosts {
		out[hostKey(h)] = true
	}
	return out
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// nsdb checks the zookeeper and cassandra hosts MidoNet stores its state in.
func (v *vpcCheck) nsdb() {
	v.nsdbServers("zookeepers", calyptos.RoleZookeeper, "host:port", "host:port", "is not of the form host:port", func(s string) bool {
		h, port, err := calyptos.SplitHostPort(s)
		return err == nil && port != 0 && CheckHost(h) == nil
	})
	v.nsdbServers("cassandras", calyptos.RoleCassandra, "host", "hosts", "is not a host", func(s string) bool {
		return CheckHost(s) == nil
	})
}

// nsdbServers checks midokura.<key>, a list of servers of the given shape
// (what valid accepts), or, without it, that role has hosts.
func (v *vpcCheck) nsdbServers(key, role, shape, listOf, invalid string, valid func(string) bool) {
	c, e := v.c, v.e
	k, list := calyptos.Lookup(e.Attr("midokura"), key)
	switch {
	case k == nil:
		if hs := c.Roles().Hosts(role); len(hs) > 0 {
			c.Successf("%s: %s", role, strings.Join(hs, ", "))
		} else {
			c.Warningf("no %s hosts (midokura.%s or %s.topology): MidoNet needs its NSDB, unless it is run elsewhere", role, key, role)
		}
		return
	case list == nil || list.Kind != yaml.SequenceNode:
		at(c, e, k).Failuref("midokura.%s: expected a list of %s, found %s", key, listOf, kind(list))
		return
	}
	bad := 0
	for i, it := range yamlx.Items(list) {
		s, ok := yamlx.Scalar(it)
		switch {
		case !ok:
			bad++
			at(c, e, it).Failuref("midokura.%s[%d]: expected a %s, found %s", key, i, shape, kind(it))
		case !valid(s):
			bad++
			at(c, e, it).Failuref("midokura.%s[%d] %q %s", key, i, s, invalid)
		}
	}
	if bad == 0 {
		c.Successf("midokura.%s: %s", key, words.Count(len(list.Content), "server", "servers"))
	}
}
