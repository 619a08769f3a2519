package validator

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/bits"
	"net/netip"
	"slices"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/internal/words"
	"github.com/org/calyptos/internal/yamlx"
	"gopkg.in/yaml.v3"
)

// Network checks eucalyptus.network: the mode is one Eucalyptus knows
// (EDGE, VPCMIDO, MANAGED, MANAGED-NOVLAN, matched exactly), and for EDGE
// and VPCMIDO the network configuration in config-json:
//
//   - config-json.Mode, when set, agrees with network.mode;
//   - every PublicIps entry is an address or an "a-b" range (see
//     ParseIPRange) that is not reversed, and no two entries overlap;
//   - InstanceDnsServers are IP addresses;
//   - every entry of Clusters names a cluster of the topology, and in EDGE
//     mode every topology cluster has an entry;
//   - each cluster's Subnet is a network address, its Netmask a contiguous
//     mask, its Gateway an address inside the subnet (not the network or
//     broadcast address), and its PrivateIps ranges lie inside the subnet
//     and do not include the gateway;
//   - no public range overlaps a cluster subnet; private ranges of two
//     clusters that overlap are a warning.
//
// An EDGE or VPCMIDO file without config-json is a warning: the cloud
// cannot run instances until a network configuration is uploaded, which
// may be done outside the file.
type Network struct{}

// Name returns "network".
func (Network) Name() string { return "network" }

// networkModes returns the modes Eucalyptus knows.
func networkModes() []string { return []string{"EDGE", "VPCMIDO", "MANAGED", "MANAGED-NOVLAN"} }

// rangeAt is a parsed range with where it was written.
type rangeAt struct {
	r    IPRange
	node *yaml.Node
	name string // what it belongs to, for messages
}

// Validate checks the network section.
func (Network) Validate(ctx context.Context, c *calyptos.Check) {
	e := env(c)
	if e == nil {
		return
	}
	nw := e.Attr("eucalyptus", "network")
	if nw == nil {
		c.Skipped("no eucalyptus.network section")
		return
	}
	const base = "default_attributes.eucalyptus.network"
	modeNode := get(nw, "mode")
	mode, ok := yamlx.Scalar(modeNode)
	switch {
	case !ok:
		at(c, e, nw).Key("mode").Hint("set default_attributes.eucalyptus.network.mode to EDGE or VPCMIDO").Failure("missing required key " + base + ".mode")
		return
	case !slices.Contains(networkModes(), mode):
		if slices.Contains(networkModes(), strings.ToUpper(mode)) {
			at(c, e, modeNode).Key("mode").Hint("write the network mode in upper case, as Eucalyptus reads it").Failuref("network mode %q must be written %q", mode, strings.ToUpper(mode))
		} else {
			at(c, e, modeNode).Key("mode").Hint("use one of the network modes Eucalyptus supports: EDGE or VPCMIDO (MANAGED and MANAGED-NOVLAN on older releases)").Failuref("network mode %q is not one Eucalyptus knows (%s)", mode, strings.Join(networkModes(), ", "))
		}
		return
	}
	c.Key("mode").Successf("network mode %s", mode)

	cjKey, cj := yamlx.Lookup(nw, "config-json")
	if cjKey == nil || yamlx.IsNull(cj) {
		if mode == "EDGE" || mode == "VPCMIDO" {
			at(c, e, nw).Key("config-json").Hint("add network.config-json (PublicIps, Clusters), or upload it with euctl cloud.network.network_configuration after deployment").Warningf("network mode %s but no config-json: instances cannot start until a network configuration (PublicIps, Clusters) is uploaded", mode)
		} else {
			c.Skipped("network mode " + mode + " does not use config-json")
		}
		return
	}
	if cj.Kind != yaml.MappingNode {
		at(c, e, cjKey).Key("config-json").Hint("write config-json as a mapping (Mode, PublicIps, Clusters, InstanceDnsServers)").Failuref("%s.config-json: expected a mapping, found %s", base, kind(cj))
		return
	}
	if mode != "EDGE" && mode != "VPCMIDO" {
		c.Infof("network mode %s ignores config-json", mode)
	}
	if m, ok := yamlx.Scalar(get(cj, "Mode")); ok && m != mode {
		at(c, e, get(cj, "Mode")).Key("config-json.Mode").Hint("make config-json.Mode the same as network.mode, or remove it").Failuref("config-json Mode %q differs from network mode %q", m, mode)
	}

	nc := &netChecker{c: c, e: e}
	public := nc.ranges(get(cj, "PublicIps"), "PublicIps")
	pk, pv := yamlx.Lookup(cj, "PublicIps")
	switch {
	case pk != nil && pv != nil && pv.Kind == yaml.MappingNode:
		at(c, e, pk).Key("config-json.PublicIps").Hint("write PublicIps as a list of addresses and a-b ranges").Failure("config-json.PublicIps: expected a list of addresses and ranges, found a mapping")
	case yamlx.IsNull(pv) || len(yamlx.Hosts(pv)) == 0:
		at(c, e, cjKey).Key("config-json.PublicIps").Hint("add config-json.PublicIps: the public addresses (and a-b ranges) instances get").Failure("missing required key " + base + ".config-json.PublicIps: instances need public addresses")
	case nc.noOverlap(public, "PublicIps"):
		var n uint64
		for _, r := range public {
			n += r.r.size()
		}
		c.Key("config-json.PublicIps").Successf("PublicIps: %s, %s, no overlap", words.Count(len(public), "range", "ranges"), words.Count(int(n), "address", "addresses"))
	}

	if dns := get(cj, "InstanceDnsServers"); dns != nil {
		bad := 0
		for i, s := range scalarsAt(dns) {
			if _, err := netip.ParseAddr(s.val); err != nil {
				bad++
				at(c, e, s.node).Key("config-json.InstanceDnsServers").Hint("list the instances' DNS servers by IP address").Failuref("InstanceDnsServers[%d] %q is not an IP address", i, s.val)
			}
		}
		if bad == 0 {
			c.Key("config-json.InstanceDnsServers").Successf("InstanceDnsServers: %s", strings.Join(yamlx.Hosts(dns), ", "))
		}
	}

	nc.clusters(cj, cjKey, mode, public)
}

// scalarAt is a scalar value with its node.
type scalarAt struct {
	val  string
	node *yaml.Node
}

// scalarsAt returns the scalars of a scalar-or-list node, each with its
// node; a space-separated scalar gives one entry per word.
func scalarsAt(n *yaml.Node) []scalarAt {
	n = yamlx.Resolve(n)
	if n == nil || yamlx.IsNull(n) {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		var out []scalarAt
		for _, f := range strings.Fields(strings.ReplaceAll(n.Value, ",", " ")) {
			out = append(out, scalarAt{f, n})
		}
		return out
	}
	var out []scalarAt
	for _, it := range yamlx.Items(n) {
		if s, ok := yamlx.Scalar(it); ok {
			out = append(out, scalarAt{s, it})
		}
	}
	return out
}

// netChecker holds what the config-json checks share.
type netChecker struct {
	c *calyptos.Check
	e *eucalyptus.Environment
}

// ranges parses a list of IP ranges, reporting every bad entry.
func (nc *netChecker) ranges(n *yaml.Node, name string) []rangeAt {
	var out []rangeAt
	for i, s := range scalarsAt(n) {
		r, err := ParseIPRange(s.val)
		if err != nil {
			at(nc.c, nc.e, s.node).Key("range:"+name).Hint("write each entry as an address or a range first-last (a-b) with first <= last").Failuref("%s[%d]: %v", name, i, err)
			continue
		}
		out = append(out, rangeAt{r: r, node: s.node, name: name})
	}
	return out
}

// noOverlap reports every pair of overlapping ranges in rs, as failures,
// and returns whether there was none.
func (nc *netChecker) noOverlap(rs []rangeAt, name string) bool {
	sorted := slices.Clone(rs)
	slices.SortStableFunc(sorted, func(a, b rangeAt) int { return a.r.From.Compare(b.r.From) })
	ok := true
	widest := 0 // index in sorted of the range reaching furthest so far
	for i := 1; i < len(sorted); i++ {
		if sorted[widest].r.Overlaps(sorted[i].r) {
			ok = false
			at(nc.c, nc.e, sorted[i].node).Key("overlap:"+name).Hint("make the ranges disjoint: an address handed out twice breaks both instances").Failuref("%s ranges %s and %s overlap", name, sorted[widest].r, sorted[i].r)
		}
		if sorted[widest].r.To.Less(sorted[i].r.To) {
			widest = i
		}
	}
	return ok
}

// clusters checks config-json.Clusters against the topology.
func (nc *netChecker) clusters(cj, cjKey *yaml.Node, mode string, public []rangeAt) {
	c, e := nc.c, nc.e
	ck, list := yamlx.Lookup(cj, "Clusters")
	if ck == nil || yamlx.IsNull(list) {
		if mode == "EDGE" {
			at(c, e, cjKey).Key("config-json.Clusters").Hint("add config-json.Clusters with each cluster's Name, Subnet and PrivateIps").Failure("missing required key default_attributes.eucalyptus.network.config-json.Clusters: EDGE needs each cluster's subnet")
		}
		return
	}
	if list.Kind != yaml.SequenceNode {
		at(c, e, ck).Key("config-json.Clusters").Hint("write Clusters as a list of mappings with Name, Subnet and PrivateIps").Failuref("config-json.Clusters: expected a list, found %s", kind(list))
		return
	}
	seen := map[string]bool{}
	topoClusters := eucalyptus.Clusters(c.Roles())
	known := make(map[string]bool, len(topoClusters))
	for _, cl := range topoClusters {
		known[cl.Name] = true
	}
	var private []rangeAt
	var subnets []subnetAt
	for i, cl := range yamlx.Items(list) {
		nameNode := get(cl, "Name")
		name, ok := yamlx.Scalar(nameNode)
		if !ok {
			at(c, e, cl).Key("cluster-name").Hint("give every config-json cluster the Name of a topology cluster").Failuref("config-json.Clusters[%d] has no Name", i)
			continue
		}
		if seen[name] {
			at(c, e, nameNode).Key("cluster:"+name).Hint("list each cluster once in config-json.Clusters").Failuref("config-json.Clusters lists cluster %q twice", name)
		}
		seen[name] = true
		if !known[name] {
			at(c, e, nameNode).Key("cluster:"+name).Hint("use the name of a cluster of topology.clusters (or add the cluster there)").Failuref("config-json cluster %q is not a cluster of the topology", name)
		}
		p, ok := nc.subnet(cl, name)
		if !ok {
			continue
		}
		subnets = append(subnets, subnetAt{p, name})
		private = append(private, nc.privateRanges(cl, name, p)...)
	}
	for _, cl := range topoClusters {
		if !seen[cl.Name] && mode == "EDGE" {
			at(c, e, ck).Key("cluster:"+cl.Name).Hint("add the cluster to config-json.Clusters with its Subnet and PrivateIps").Failuref("topology cluster %q has no entry in config-json.Clusters", cl.Name)
		}
	}
	nc.overlaps(public, subnets, private)
}

// subnetAt is the subnet of a config-json cluster.
type subnetAt struct {
	p    netip.Prefix
	name string
}

// privateRanges checks that the PrivateIps of config-json cluster cl,
// whose subnet is p, are inside p and leave out its gateway, and returns
// them.
func (nc *netChecker) privateRanges(cl *yaml.Node, name string, p netip.Prefix) []rangeAt {
	c, e := nc.c, nc.e
	gw, _ := netip.ParseAddr(mustScalar(get(get(cl, "Subnet"), "Gateway")))
	ps := nc.ranges(get(cl, "PrivateIps"), "cluster "+name+" PrivateIps")
	good := 0
	for i, r := range ps {
		switch {
		case !r.r.Within(p):
			at(c, e, r.node).Key("cluster:"+name+":PrivateIps").Hint("keep every PrivateIps range inside the cluster's Subnet/Netmask").Failuref("cluster %s: PrivateIps range %s is not inside its subnet %s", name, r.r, p)
		case r.r.Contains(gw):
			at(c, e, r.node).Key("cluster:"+name+":PrivateIps").Hint("leave the gateway address out of PrivateIps").Failuref("cluster %s: PrivateIps range %s includes the gateway %s", name, r.r, gw)
		default:
			good++
		}
		ps[i].name = name
	}
	if good == len(ps) {
		c.Key("cluster:"+name+":PrivateIps").Successf("cluster %s: subnet %s, gateway %s, %s inside it", name, p, gw, words.Count(len(ps), "private range", "private ranges"))
	}
	return ps
}

// overlaps fails a public range that overlaps a cluster's subnet, and
// warns about private ranges of two clusters that overlap.
func (nc *netChecker) overlaps(public []rangeAt, subnets []subnetAt, private []rangeAt) {
	c, e := nc.c, nc.e
	for _, pub := range public {
		for _, s := range subnets {
			if pub.r.Overlaps(prefixRange(s.p)) {
				at(c, e, pub.node).Key("public-private:"+s.name).Hint("take public addresses from outside every cluster's private subnet").Failuref("PublicIps range %s overlaps the subnet %s of cluster %s", pub.r, s.p, s.name)
			}
		}
	}
	for i := range private {
		for j := range i {
			if private[j].name != private[i].name && private[j].r.Overlaps(private[i].r) {
				at(c, e, private[i].node).Key("private-overlap:"+private[i].name+":"+private[j].name).Hint("give each cluster private addresses of its own").Warningf("PrivateIps range %s of cluster %s overlaps range %s of cluster %s", private[i].r, private[i].name, private[j].r, private[j].name)
			}
		}
	}
}

func mustScalar(n *yaml.Node) string {
	s, _ := yamlx.Scalar(n)
	return s
}

// subnet checks a config-json cluster's Subnet and returns its prefix.
func (nc *netChecker) subnet(cl *yaml.Node, name string) (netip.Prefix, bool) {
	c, e := nc.c, nc.e
	sk, sn := yamlx.Lookup(cl, "Subnet")
	if sk == nil || yamlx.IsNull(sn) {
		at(c, e, cl).Key("cluster:"+name+":Subnet").Hint("add Subnet with Name, Subnet, Netmask and Gateway").Failuref("config-json cluster %s has no Subnet", name)
		return netip.Prefix{}, false
	}
	addrs := map[string]netip.Addr{}
	ok := true
	for _, k := range []string{"Subnet", "Netmask", "Gateway"} {
		kn, v := yamlx.Lookup(sn, k)
		s, has := yamlx.Scalar(v)
		if kn == nil || !has {
			at(c, e, sn).Key("cluster:"+name+":Subnet."+k).Hint("add Subnet.Subnet, Subnet.Netmask and Subnet.Gateway").Failuref("config-json cluster %s: Subnet has no %s", name, k)
			ok = false
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is4() {
			at(c, e, v).Key("cluster:"+name+":Subnet."+k).Hint("write the subnet's addresses as dotted IPv4 addresses").Failuref("config-json cluster %s: Subnet.%s %q is not an IPv4 address", name, k, s)
			ok = false
			continue
		}
		addrs[k] = a
	}
	if !ok {
		return netip.Prefix{}, false
	}
	ones, err := maskBits(addrs["Netmask"])
	if err != nil {
		at(c, e, get(sn, "Netmask")).Key("cluster:"+name+":Subnet.Netmask").Hint("use a contiguous netmask such as 255.255.255.0").Failuref("config-json cluster %s: %v", name, err)
		return netip.Prefix{}, false
	}
	p := netip.PrefixFrom(addrs["Subnet"], ones)
	if p.Masked().Addr() != addrs["Subnet"] {
		at(c, e, get(sn, "Subnet")).Key("cluster:"+name+":Subnet.Subnet").Hint("write the network address: the subnet's address with the host bits zero").Failuref("config-json cluster %s: Subnet %s is not the network address of netmask %s (that is %s)", name, addrs["Subnet"], addrs["Netmask"], p.Masked().Addr())
		return netip.Prefix{}, false
	}
	gw := addrs["Gateway"]
	all := prefixRange(p)
	switch {
	case !p.Contains(gw):
		at(c, e, get(sn, "Gateway")).Key("cluster:"+name+":Subnet.Gateway").Hint("use a gateway address inside the cluster's subnet").Failuref("config-json cluster %s: Gateway %s is not inside the subnet %s", name, gw, p)
		return netip.Prefix{}, false
	case ones < 31 && (gw == all.From || gw == all.To):
		at(c, e, get(sn, "Gateway")).Key("cluster:"+name+":Subnet.Gateway").Hint("use a host address of the subnet as gateway, not its network or broadcast address").Failuref("config-json cluster %s: Gateway %s is the network or broadcast address of %s", name, gw, p)
		return netip.Prefix{}, false
	}
	return p, true
}

// maskBits converts a dotted netmask to a prefix length.
func maskBits(m netip.Addr) (int, error) {
	b := m.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	ones := 0
	for v&(1<<31) != 0 {
		ones++
		v <<= 1
	}
	if v != 0 {
		return 0, fmt.Errorf("netmask %s is not a contiguous mask", m)
	}
	return ones, nil
}

// size returns the number of addresses of r, capped at 1<<62.
func (r IPRange) size() uint64 {
	a, b := r.From.As16(), r.To.As16()
	ahi, alo := binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(a[8:])
	bhi, blo := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	lo, borrow := bits.Sub64(blo, alo, 0)
	hi, _ := bits.Sub64(bhi, ahi, borrow)
	if hi != 0 || lo >= 1<<62 {
		return 1 << 62
	}
	return lo + 1
}
