package validator

import (
	"context"
	"net/netip"
	"strconv"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/hostname"
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
		at(c, e, e.Attr("eucalyptus", "network", "mode")).Key("midonet.Gateways").Hint("add midonet.Gateways with each gateway's Ip, ExternalCidr, ExternalIp, ExternalRouterIp and ExternalInterface").Failure("VPCMIDO needs at least one MidoNet gateway (default_attributes.eucalyptus.midonet.Gateways)")
	}
	v.mappings()
	v.nsdb()
}

type vpcCheck struct {
	c       *calyptos.Check
	e       *eucalyptus.Environment
	gwHosts map[string]bool // gateway host names (older form)
	gwIPs   map[string]bool // gateway addresses, hostKey form
}

func (v *vpcCheck) currentGateways() {
	c, e := v.c, v.e
	k, gws := yamlx.Lookup(e.Attr("eucalyptus", "midonet"), "Gateways")
	if k == nil || yamlx.IsNull(gws) {
		return
	}
	if gws.Kind != yaml.SequenceNode {
		at(c, e, k).Key("midonet.Gateways").Hint("write midonet.Gateways as a list of gateway mappings").Failuref("midonet.Gateways: expected a list, found %s", kind(gws))
		return
	}
	for i, gw := range yamlx.Items(gws) {
		ip, ok := yamlx.Scalar(get(gw, "Ip"))
		if !ok {
			at(c, e, gw).Key("gateway-"+strconv.Itoa(i)+":Ip").Hint("give every MidoNet gateway its Ip").Failuref("midonet.Gateways[%d] has no Ip", i)
			continue
		}
		if err := CheckHost(ip); err != nil {
			at(c, e, get(gw, "Ip")).Key("gateway-"+strconv.Itoa(i)+":Ip").Hint("write the gateway's Ip as an IP address").Failuref("midonet.Gateways[%d].Ip: %v", i, err)
			continue
		}
		v.gwIPs[hostKey(ip)] = true
		ok = true
		var cidr netip.Prefix
		if s, has := yamlx.Scalar(get(gw, "ExternalCidr")); has {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				ok = false
				at(c, e, get(gw, "ExternalCidr")).Key("gateway:"+ip+":ExternalCidr").Hint("write ExternalCidr as address/prefix-length, e.g. 172.19.0.0/30").Failuref("midonet gateway %s: ExternalCidr %q is not a CIDR prefix", ip, s)
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
				at(c, e, get(gw, key)).Key("gateway:"+ip+":"+key).Hint("write it as an IP address").Failuref("midonet gateway %s: %s %q is not an IP address", ip, key, s)
			case cidr.IsValid() && !cidr.Contains(a):
				ok = false
				at(c, e, get(gw, key)).Key("gateway:"+ip+":"+key).Hint("use an address inside the gateway's ExternalCidr").Failuref("midonet gateway %s: %s %s is not inside ExternalCidr %s", ip, key, a, cidr)
			}
		}
		if ok {
			c.OnHost(ip).Key("gateway").Successf("MidoNet gateway %s", ip)
		}
	}
}

func (v *vpcCheck) olderGateways() {
	c, e := v.c, v.e
	mk, mido := yamlx.Lookup(e.Attr("eucalyptus", "network", "config-json"), "Mido")
	if mk == nil || yamlx.IsNull(mido) {
		return
	}
	hk, host := yamlx.Lookup(mido, "GatewayHost")
	gk, gws := yamlx.Lookup(mido, "Gateways")
	if hk != nil {
		if h, ok := yamlx.Scalar(host); ok && h != "" {
			v.gwHosts[h] = true
			c.Key("Mido.GatewayHost").Successf("config-json.Mido.GatewayHost: %s", h)
		} else {
			at(c, e, hk).Key("Mido.GatewayHost").Hint("name the gateway host, or move to midonet.Gateways").Failure("config-json.Mido.GatewayHost is empty")
		}
		if gk != nil {
			at(c, e, hk).Key("Mido.GatewayHost").Hint("remove GatewayHost: Eucalyptus reads Mido.Gateways").Warning("config-json.Mido has both GatewayHost and Gateways: Eucalyptus uses Gateways")
		}
	}
	if gk == nil {
		return
	}
	if gws.Kind != yaml.SequenceNode {
		at(c, e, gk).Key("Mido.Gateways").Hint("write Mido.Gateways as a list of mappings with GatewayHost, GatewayIP and GatewayInterface").Failuref("config-json.Mido.Gateways: expected a list, found %s", kind(gws))
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
			at(c, e, gw).Key("Mido.Gateways-"+strconv.Itoa(i)).Hint("give every gateway GatewayHost, GatewayIP and GatewayInterface").Failuref("config-json.Mido.Gateways[%d] has no %s", i, strings.Join(missing, ", no "))
			continue
		}
		h, _ := yamlx.Scalar(get(gw, "GatewayHost"))
		ip, _ := yamlx.Scalar(get(gw, "GatewayIP"))
		v.gwHosts[h] = true
		if _, err := netip.ParseAddr(ip); err != nil {
			at(c, e, get(gw, "GatewayIP")).Key("Mido.Gateways-"+strconv.Itoa(i)+":GatewayIP").Hint("write GatewayIP as an IP address").Failuref("config-json.Mido.Gateways[%d].GatewayIP %q is not an IP address", i, ip)
			continue
		}
		c.Key("Mido.Gateways-"+strconv.Itoa(i)).Successf("config-json.Mido gateway %s (%s)", h, ip)
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
		if k, val := yamlx.Lookup(e.Attr(m.path...), "midolman-host-mapping"); k != nil {
			ms = append(ms, mapping{m.name, k, val})
		}
	}
	if len(ms) == 0 {
		at(c, e, e.Attr("eucalyptus", "midonet")).Key("midolman-host-mapping").Hint("add midonet.midolman-host-mapping: each CLC, NC and gateway host name with its address").Failure("no midolman-host-mapping (default_attributes.eucalyptus.midonet.midolman-host-mapping): eucanetd cannot find the MidoNet hosts")
		return
	}
	clc := keySet(rb.Hosts(eucalyptus.RoleCLC))
	ncs := keySet(rb.Hosts(eucalyptus.RoleNodeController))
	var flat []map[string]string
	for _, m := range ms {
		if m.val == nil || m.val.Kind != yaml.MappingNode {
			at(c, e, m.key).Key("mapping:"+m.name).Hint("write the mapping as host-name: address pairs").Failuref("%s: expected a mapping of host name to address, found %s", m.name, kind(m.val))
			continue
		}
		values := map[string]bool{}
		entries := map[string]string{}
		for _, p := range yamlx.Entries(m.val) {
			ip, _ := yamlx.Scalar(p.Value)
			entries[p.Key.Value] = ip
			k := hostKey(ip)
			values[k] = true
			if !clc[k] && !ncs[k] && !v.gwIPs[k] && !v.gwHosts[p.Key.Value] {
				at(c, e, p.Key).Key("mapping:"+m.name+":"+p.Key.Value).Hint("remove the entry, or list the host in the topology or as a gateway").Warningf("%s: %s (%s) is not a cloud controller, node controller or MidoNet gateway", m.name, p.Key.Value, ip)
			}
		}
		flat = append(flat, entries)
		missing := 0
		for _, r := range []struct{ role, what string }{
			{eucalyptus.RoleCLC, "cloud controller"},
			{eucalyptus.RoleNodeController, "node controller"},
		} {
			for _, h := range rb.Hosts(r.role) {
				if !values[hostKey(h)] {
					missing++
					at(c.OnHost(h), e, m.key).Key("mapping:"+m.name).Hint("add the host to the midolman host mapping: every CLC and NC runs midolman").Failuref("%s %s is not in %s: midolman must run on it", r.what, h, m.name)
				}
			}
		}
		if missing == 0 {
			c.Key("mapping:"+m.name).Successf("%s covers the cloud controller and %s", m.name, words.Count(len(ncs), "node controller", "node controllers"))
		}
	}
	if len(flat) == 2 && !mapsEqual(flat[0], flat[1]) {
		at(c, e, ms[1].key).Key("midokura.midolman-host-mapping").Hint("make the two mappings the same, or drop the midokura one").Warning("midokura.midolman-host-mapping differs from eucalyptus.midonet.midolman-host-mapping; the cookbook reads the latter")
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
	v.nsdbServers("zookeepers", eucalyptus.RoleZookeeper, "host:port", "host:port", "is not of the form host:port", func(s string) bool {
		h, port, err := hostname.Split(s)
		return err == nil && port != 0 && CheckHost(h) == nil
	})
	v.nsdbServers("cassandras", eucalyptus.RoleCassandra, "host", "hosts", "is not a host", func(s string) bool {
		return CheckHost(s) == nil
	})
}

// nsdbServers checks midokura.<key>, a list of servers of the given shape
// (what valid accepts), or, without it, that role has hosts.
func (v *vpcCheck) nsdbServers(key, role, shape, listOf, invalid string, valid func(string) bool) {
	c, e := v.c, v.e
	k, list := yamlx.Lookup(e.Attr("midokura"), key)
	switch {
	case k == nil:
		if hs := c.Roles().Hosts(role); len(hs) > 0 {
			c.Key(key).Successf("%s: %s", role, strings.Join(hs, ", "))
		} else {
			c.Key(key).Hint("list the NSDB servers under midokura (zookeepers, cassandras) or in their own topology sections").Warningf("no %s hosts (midokura.%s or %s.topology): MidoNet needs its NSDB, unless it is run elsewhere", role, key, role)
		}
		return
	case list == nil || list.Kind != yaml.SequenceNode:
		at(c, e, k).Key(key).Hint("write it as a list of servers").Failuref("midokura.%s: expected a list of %s, found %s", key, listOf, kind(list))
		return
	}
	bad := 0
	for i, it := range yamlx.Items(list) {
		s, ok := yamlx.Scalar(it)
		switch {
		case !ok:
			bad++
			at(c, e, it).Key(key+"-"+strconv.Itoa(i)).Hint("write each server as a plain host:port string").Failuref("midokura.%s[%d]: expected a %s, found %s", key, i, shape, kind(it))
		case !valid(s):
			bad++
			at(c, e, it).Key(key+"-"+strconv.Itoa(i)).Hint("write each server as host:port (zookeeper) or a host (cassandra)").Failuref("midokura.%s[%d] %q %s", key, i, s, invalid)
		}
	}
	if bad == 0 {
		c.Key(key).Successf("midokura.%s: %s", key, words.Count(len(list.Content), "server", "servers"))
	}
}
