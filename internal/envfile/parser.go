package envfile

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/org/calyptos/internal/yamlx"
	"gopkg.in/yaml.v3"
)

// parser derives roles from the YAML tree, collecting every problem.
type parser struct {
	file   string
	f      *File
	roles  map[string][]string
	errs   []error
	nhosts int // host entries read, bounded by maxHosts
	seen   map[hostAt]bool
}

// hostAt is one place a host is written.
type hostAt struct {
	host string
	pos  Position
}

// maxProblems bounds the problems reported for one file: past it, one
// more says so and the rest are dropped.
const maxProblems = 100

func (p *parser) errorf(n *yaml.Node, path []string, format string, args ...any) {
	p.errorAt(p.pos(n), path, format, args...)
}

func (p *parser) errorAt(pos Position, path []string, format string, args ...any) {
	switch {
	case len(p.errs) > maxProblems:
		return
	case len(p.errs) == maxProblems:
		format, args = "more than %d problems: the rest are not listed", []any{maxProblems}
	}
	p.errs = append(p.errs, &Error{Pos: pos, Path: attrPath(path), Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) add(role string, hosts ...string) {
	p.roles[role] = append(p.roles[role], hosts...)
}

func (p *parser) parse() {
	root := p.f.Root
	if root.Kind != yaml.MappingNode {
		p.errs = append(p.errs, &Error{Pos: p.pos(root), Msg: fmt.Sprintf("expected a mapping with default_attributes at the top level, found %s", yamlx.KindName(root))})
		return
	}
	if v := yamlx.MapValue(root, "name"); v != nil && v.Kind == yaml.ScalarNode {
		p.f.Name = v.Value
	}
	if v := yamlx.MapValue(root, "description"); v != nil && v.Kind == yaml.ScalarNode {
		p.f.Description = v.Value
	}
	attrs := yamlx.MapValue(root, "default_attributes")
	if attrs == nil {
		p.errs = append(p.errs, &Error{Pos: p.pos(root), Path: "default_attributes", Msg: "missing default_attributes: the roles are read from it"})
		return
	}
	if attrs.Kind != yaml.MappingNode {
		p.errs = append(p.errs, &Error{Pos: p.pos(attrs), Path: "default_attributes", Msg: fmt.Sprintf("default_attributes must be a mapping, found %s", yamlx.KindName(attrs))})
		return
	}
	p.f.Attrs = attrs
	p.riak()
	p.ceph()
	p.eucalyptus()
	for _, role := range []string{RoleZookeeper, RoleCassandra} {
		if sec := yamlx.MapValue(attrs, role); yamlx.Truthy(sec) {
			p.add(role, p.requiredHosts(sec, []string{role}, "topology", role+" hosts")...)
		}
	}
	p.vpc()
	for r, hs := range p.roles {
		if r != RoleAll {
			p.add(RoleAll, hs...)
		}
	}
}

// hosts normalises a host list: a scalar is one host (or several when it
// is whitespace or comma separated), a list holds scalars.
func (p *parser) hosts(n *yaml.Node, path []string) []string {
	n = yamlx.Resolve(n)
	if n == nil || yamlx.IsNull(n) {
		return nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return p.splitHosts(n, path)
	case yaml.SequenceNode:
		var out []string
		for i, c := range n.Content {
			c = yamlx.Resolve(c)
			if c.Kind != yaml.ScalarNode {
				p.errorf(c, append(path, strconv.Itoa(i)), "%s[%d]: expected a host address, found %s", path[len(path)-1], i, yamlx.KindName(c))
				continue
			}
			if h := strings.TrimSpace(c.Value); h != "" && !yamlx.IsNull(c) {
				col := newColumns(c)
				col.skip(c.Value[:strings.Index(c.Value, h)])
				out = append(out, p.checkHost(c, path, h, col.at())...)
			}
		}
		return out
	}
	p.errorf(n, path, "%s: expected a host or a list of hosts, found %s", path[len(path)-1], yamlx.KindName(n))
	return nil
}

// splitHosts reads a scalar holding hosts separated by white space or
// commas, in one pass over it.
func (p *parser) splitHosts(n *yaml.Node, path []string) []string {
	var out []string
	rest, col := n.Value, newColumns(n)
	for p.nhosts <= maxHosts {
		start := strings.IndexFunc(rest, notHostSeparator)
		if start < 0 {
			break
		}
		end := strings.IndexFunc(rest[start:], yamlx.IsHostSeparator)
		if end < 0 {
			end = len(rest) - start
		}
		h := rest[start : start+end]
		col.skip(rest[:start])
		out = append(out, p.checkHost(n, path, h, col.at())...)
		col.skip(h)
		rest = rest[start+end:]
	}
	return out
}

// columns follows the column of a place in a scalar's value as the value
// is read, as long as the text before it on the value's first line maps
// to columns one for one: a plain or quoted scalar, with no escape before.
type columns struct {
	quoted bool
	known  bool
	n      int // characters read
}

func newColumns(n *yaml.Node) columns {
	quoted := n.Style == yaml.SingleQuotedStyle || n.Style == yaml.DoubleQuotedStyle
	return columns{quoted: quoted, known: n.Style == 0 || quoted}
}

// skip reads past text.
func (c *columns) skip(text string) {
	if strings.Contains(text, "\n") || c.quoted && strings.ContainsAny(text, `'"\`) {
		c.known = false
	}
	c.n += utf8.RuneCountInString(text)
}

// at returns how many columns after the node's own the place read up to
// is, or -1 when that is not known.
func (c *columns) at() int {
	switch {
	case !c.known:
		return -1
	case c.quoted:
		return c.n + 1
	}
	return c.n
}

func notHostSeparator(r rune) bool { return !yamlx.IsHostSeparator(r) }

// checkHost rejects a host that a command-line tool would take for an
// option (quoting cannot stop "nc -z -oProxyCommand=..." reading it as
// one), and records where the host is written: col columns after n, or
// at n when col is -1.
func (p *parser) checkHost(n *yaml.Node, path []string, h string, col int) []string {
	pos := p.pos(n)
	if col > 0 {
		pos.Column += col
	}
	if p.nhosts++; p.nhosts > maxHosts {
		if p.nhosts == maxHosts+1 {
			p.errorAt(pos, path, "%s: more than %d hosts by here: refusing the rest", path[len(path)-1], maxHosts)
		}
		return nil
	}
	if strings.IndexFunc(h, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) >= 0 {
		// A terminal would act on it when roles or findings print it.
		p.errorAt(pos, path, "%s: host %q contains a space or a control character", path[len(path)-1], h)
		return nil
	}
	if strings.HasPrefix(h, "-") {
		p.errorAt(pos, path, "%s: host %q must not start with '-'", path[len(path)-1], h)
		return nil
	}
	// A node reached again through an alias is one place in the file.
	if k := (hostAt{h, pos}); !p.seen[k] {
		p.seen[k] = true
		p.f.HostPos[h] = append(p.f.HostPos[h], pos)
	}
	return []string{h}
}

// requiredHosts returns the hosts under key of mapping m, or records an
// error saying what is missing.
func (p *parser) requiredHosts(m *yaml.Node, path []string, key, what string) []string {
	if m.Kind != yaml.MappingNode {
		p.errorf(m, path, "%s: expected a mapping, found %s", path[len(path)-1], yamlx.KindName(m))
		return nil
	}
	k, v := yamlx.Lookup(m, key)
	if k == nil {
		p.errorf(m, path, "%s has no %s (%s)", path[len(path)-1], what, key)
		return nil
	}
	before := len(p.errs)
	hs := p.hosts(v, append(path, key))
	if len(hs) == 0 && len(p.errs) == before {
		p.errorf(v, append(path, key), "%s: no %s listed", key, what)
	}
	return hs
}

func (p *parser) riak() {
	path := []string{"riakcs_cluster"}
	sec := yamlx.MapValue(p.f.Attrs, "riakcs_cluster")
	if !yamlx.Truthy(sec) {
		return
	}
	topo := yamlx.MapValue(sec, "topology")
	if topo == nil || topo.Kind != yaml.MappingNode {
		p.errorf(sec, path, "riakcs_cluster has no topology mapping")
		return
	}
	path = append(path, "topology")
	head := yamlx.MapValue(topo, "head")
	if !yamlx.Truthy(head) {
		p.errorf(topo, path, "no head node found for the RiakCS cluster (topology.head.ipaddr)")
	} else {
		p.add(RoleRiakHead, p.requiredHosts(head, append(path, "head"), "ipaddr", "head address")...)
	}
	if n := yamlx.MapValue(topo, "nodes"); n != nil {
		p.add(RoleRiakNode, p.hosts(n, append(path, "nodes"))...)
	}
	lb := yamlx.MapValue(topo, "load_balancer")
	if !yamlx.Truthy(lb) {
		return
	}
	lbHosts := p.hosts(lb, append(path, "load_balancer"))
	switch {
	case yamlx.Truthy(yamlx.MapValue(p.f.Attrs, "nginx")):
		p.add(RoleNginx, lbHosts...)
	case yamlx.Truthy(yamlx.MapValue(p.f.Attrs, "haproxy")):
		p.add(RoleHAProxy, lbHosts...)
	default:
		p.errorf(lb, append(path, "load_balancer"), "load_balancer is set but there is no haproxy (or nginx) section to configure it")
	}
}

func (p *parser) ceph() {
	path := []string{"ceph"}
	sec := yamlx.MapValue(p.f.Attrs, "ceph")
	if !yamlx.Truthy(sec) {
		return
	}
	topo := yamlx.MapValue(sec, "topology")
	if topo == nil {
		// A ceph section with only config describes an external cluster
		// (ceph-rbd storage); it has no hosts of ours.
		return
	}
	path = append(path, "topology")
	if topo.Kind != yaml.MappingNode {
		p.errorf(topo, path, "ceph topology: expected a mapping, found %s", yamlx.KindName(topo))
		return
	}
	if mons := yamlx.MapValue(topo, "mons"); yamlx.Truthy(mons) {
		bootstrap := ""
		for i, m := range p.entries(mons, append(path, "mons")) {
			h := p.requiredHosts(m, append(path, "mons", strconv.Itoa(i)), "ipaddr", "monitor address")
			p.add(RoleCephMons, h...)
			if bootstrap == "" && len(h) > 0 && yamlx.Truthy(yamlx.MapValue(m, "init")) {
				bootstrap = h[0]
			}
		}
		if bootstrap == "" {
			p.errorf(mons, append(path, "mons"), "no ceph monitor has init: true; exactly one must bootstrap the cluster, e.g. mons: [{ipaddr: 192.0.2.60, hostname: mon-1, init: true}]")
		} else {
			p.add(RoleMonBootstrap, bootstrap)
		}
	}
	k, osds := yamlx.Lookup(topo, "osds")
	switch {
	case k == nil:
		p.errorf(topo, path, "ceph topology has no osds")
	case !yamlx.Truthy(osds):
		p.errorf(osds, append(path, "osds"), "no OSD found: ceph topology.osds is empty")
	default:
		for i, o := range p.entries(osds, append(path, "osds")) {
			p.add(RoleCephOSDs, p.requiredHosts(o, append(path, "osds", strconv.Itoa(i)), "ipaddr", "OSD address")...)
		}
	}
}

// entries returns the elements of a list node, recording an error if n is
// not a list.
func (p *parser) entries(n *yaml.Node, path []string) []*yaml.Node {
	n = yamlx.Resolve(n)
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, path, "%s: expected a list, found %s", path[len(path)-1], yamlx.KindName(n))
		return nil
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		out[i] = yamlx.Resolve(c)
	}
	return out
}

// pick returns the hosts under the list-form key or the legacy key of m,
// noting which forms were seen.
func (p *parser) pick(m *yaml.Node, path []string, key, legacy string, forms map[string]bool) (hosts []string, found bool) {
	if k, v := yamlx.Lookup(m, key); k != nil {
		hosts = append(hosts, p.hosts(v, append(path, key))...)
		found = true
		if legacy != "" { // nodes is spelt the same in both forms
			forms["lists"] = true
		}
	}
	if k, v := yamlx.Lookup(m, legacy); k != nil {
		hosts = append(hosts, p.hosts(v, append(path, legacy))...)
		forms["legacy"], found = true, true
	}
	return hosts, found
}

func (p *parser) eucalyptus() {
	euca := yamlx.MapValue(p.f.Attrs, "eucalyptus")
	if !yamlx.Truthy(euca) {
		return
	}
	path := []string{"eucalyptus"}
	if euca.Kind != yaml.MappingNode {
		p.errorf(euca, path, "eucalyptus: expected a mapping, found %s", yamlx.KindName(euca))
		return
	}
	topo := yamlx.MapValue(euca, "topology")
	if topo == nil || topo.Kind != yaml.MappingNode {
		p.errorf(euca, path, "eucalyptus has no topology mapping")
		return
	}
	path = append(path, "topology")
	t := &p.f.Topology
	forms := map[string]bool{}

	before := len(p.errs)
	clc, found := p.pick(topo, path, "clc", "clc-1", forms)
	switch {
	case len(p.errs) > before:
	case !found:
		p.errorf(topo, path, "topology has no cloud controller (clc, or clc-1 in the legacy form)")
	case len(clc) == 0:
		p.errorf(topo, path, "topology lists no cloud controller host")
	default:
		t.CLC = clc
		p.add(RoleCLC, clc...)
		// The first CLC as written configures the cloud.
		p.add(RoleConfigureEucalyptus, clc[0])
		p.add(RoleSetupAdminCreds, clc[0])
	}
	t.UserFacing = p.requiredHosts(topo, path, "user-facing", "user-facing services host")
	p.add(RoleUserFacing, t.UserFacing...)
	if v := yamlx.MapValue(topo, "console"); v != nil {
		t.Console = p.hosts(v, append(path, "console"))
		p.add(RoleConsole, t.Console...)
	}
	p.objectStorage(topo, path, forms)

	p.clusters(topo, path, forms)
	switch {
	case forms["lists"] && forms["legacy"]:
		t.Form = "mixed"
	case forms["legacy"]:
		t.Form = "legacy"
	default:
		t.Form = "lists"
	}
}

// objectStorage reads the walrus host (legacy form) or the objectstorage
// mapping (list form) of the topology.
func (p *parser) objectStorage(topo *yaml.Node, path []string, forms map[string]bool) {
	t := &p.f.Topology
	if k, v := yamlx.Lookup(topo, "walrus"); k != nil {
		forms["legacy"] = true
		t.Walrus = append(t.Walrus, p.hosts(v, append(path, "walrus"))...)
		t.ObjectStorageProvider = "walrus"
	}
	if store := yamlx.MapValue(topo, "objectstorage"); store != nil {
		forms["lists"] = true
		opath := append(path, "objectstorage")
		prov, _ := yamlx.Lookup(store, "providerclient")
		if prov == nil {
			p.errorf(store, opath, "objectstorage has no providerclient (walrus, riakcs, ceph-rgw, ...)")
		} else {
			t.ObjectStorageProvider = yamlx.MapValue(store, "providerclient").Value
			if t.ObjectStorageProvider == "walrus" {
				t.Walrus = append(t.Walrus, p.requiredHosts(store, opath, "walrusbackend", "walrus backend host")...)
			}
		}
	}
	p.add(RoleWalrus, t.Walrus...)
}

// clusters reads the clusters of the topology, sorted by name.
func (p *parser) clusters(topo *yaml.Node, path []string, forms map[string]bool) {
	t := &p.f.Topology
	ck, clusters := yamlx.Lookup(topo, "clusters")
	switch {
	case ck == nil:
		p.errorf(topo, path, "topology has no clusters")
	case clusters.Kind != yaml.MappingNode:
		p.errorf(clusters, append(path, "clusters"), "clusters: expected a mapping of cluster name to its hosts, found %s", yamlx.KindName(clusters))
	default:
		for _, e := range yamlx.Entries(clusters) {
			t.Clusters = append(t.Clusters, p.cluster(e.Key, e.Value, append(path, "clusters", e.Key.Value), forms))
		}
		slices.SortFunc(t.Clusters, func(a, b Cluster) int { return strings.Compare(a.Name, b.Name) })
	}
}

func (p *parser) cluster(key, n *yaml.Node, path []string, forms map[string]bool) Cluster {
	c := Cluster{Name: key.Value, Pos: p.pos(key)}
	if n.Kind != yaml.MappingNode {
		p.errorf(key, path, "cluster %q: expected a mapping with cc, sc and nodes, found %s", c.Name, yamlx.KindName(n))
		return c
	}
	for _, part := range []struct {
		key, legacy, what string
		dst               *[]string
		role              string
	}{
		{"cc", "cc-1", "cluster controller", &c.CC, RoleClusterController},
		{"sc", "sc-1", "storage controller", &c.SC, RoleStorageController},
		{"nodes", "", "node controllers", &c.Nodes, RoleNodeController},
	} {
		before := len(p.errs)
		hs, found := p.pick(n, path, part.key, part.legacy, forms)
		switch {
		case len(p.errs) > before:
		case !found:
			p.errorf(key, path, "cluster %q has no %s (%s)", c.Name, part.what, part.key)
		case len(hs) == 0:
			p.errorf(key, path, "cluster %q lists no %s (%s)", c.Name, part.what, part.key)
		}
		// The root sorts the cluster's lists: keep a copy, since hs goes to the role.
		*part.dst = slices.Clone(hs)
		p.add(part.role, hs...)
	}
	if v := yamlx.MapValue(n, "storage-backend"); v != nil && v.Kind == yaml.ScalarNode {
		c.StorageBackend = v.Value
	}
	if v := yamlx.MapValue(n, "das-device"); v != nil && v.Kind == yaml.ScalarNode {
		c.DASDevice = v.Value
	}
	return c
}

func (p *parser) vpc() {
	if p.networkMode() != "VPCMIDO" || len(p.roles[RoleCLC]) == 0 {
		return
	}
	path := []string{"eucalyptus", "midonet"}
	clc := p.roles[RoleCLC]
	p.add(RoleMidonetCluster, clc...)
	p.add(RoleConfigureVPC, clc[0])
	mido := p.attr("eucalyptus", "midonet")
	if mido == nil || mido.Kind != yaml.MappingNode {
		p.errorf(p.attr("eucalyptus", "network", "mode"), path, "network mode VPCMIDO needs an eucalyptus.midonet mapping (Gateways, midolman-host-mapping)")
		return
	}
	if k, gws := yamlx.Lookup(mido, "Gateways"); k == nil {
		p.errorf(mido, path, "midonet has no Gateways list")
	} else {
		for i, gw := range p.entries(gws, append(path, "Gateways")) {
			p.add(RoleMidonetGateway, p.requiredHosts(gw, append(path, "Gateways", strconv.Itoa(i)), "Ip", "gateway address")...)
		}
	}
	k, mapping := yamlx.Lookup(mido, "midolman-host-mapping")
	if k == nil || mapping.Kind != yaml.MappingNode {
		p.errorf(mido, path, "midonet has no midolman-host-mapping (hostname: ip)")
		return
	}
	for _, e := range yamlx.Entries(mapping) {
		p.add(RoleMidolman, p.hosts(e.Value, append(path, "midolman-host-mapping"))...)
	}
}

func attrPath(path []string) string {
	return strings.Join(append([]string{"default_attributes"}, path...), ".")
}
