package validator

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/internal/yamlx"
	"github.com/org/calyptos/redact"
	"gopkg.in/yaml.v3"
)

// Structure checks the shape of the whole environment file against the
// schema of the Eucalyptus cookbook, accepting both topology forms (legacy
// clc-1 / cc-1 / sc-1 / walrus with space-separated nodes, and the list
// form clc / cc / sc / nodes / objectstorage). Every problem is reported,
// not just the first, each with file:line:col:
//
//   - a missing required key (name, default_attributes.eucalyptus, its
//     topology with cloud controller, user-facing and clusters, each
//     cluster's cc, sc and nodes, network with its mode, config-json's
//     PublicIps when config-json is present, the two package repositories
//     when install-type is packages) is a failure naming the key, at the
//     position of the mapping that lacks it;
//   - a value of the wrong type is a failure;
//   - an unknown key is a warning, not a failure (the cookbook has more
//     attributes than any schema lists);
//   - a key set twice in one mapping, anywhere in the file, is a warning:
//     the last value is used, as by PyYAML and Chef;
//   - ceph, riakcs_cluster, haproxy, nginx, zookeeper, cassandra,
//     midokura, riak, riak_cs, sysctl, thrift and exclude-recipes sections
//     are accepted.
//
// network.bridge-interface is not required (the cookbook defaults it to
// br0): its absence is a warning.
type Structure struct{}

// Name returns "structure".
func (Structure) Name() string { return "structure" }

// kinds of schema node.
type skind int

const (
	sAny     skind = iota // anything
	sScalar               // a non-null scalar (string, number or boolean)
	sInt                  // an integer
	sMap                  // a mapping
	sList                 // a list
	sHosts                // a host, a space-separated string of hosts, or a list of hosts
	sScalars              // a scalar or a list of scalars
)

// schema describes one node.
type schema struct {
	kind     skind
	required bool
	keys     map[string]*schema // known keys of a mapping; nil: any key
	values   *schema            // schema of every value of a mapping with free keys
	item     *schema            // schema of every element of a list
	oneOf    [][]string         // groups of keys of which at least one is required
	enum     []string           // allowed scalar values
}

func opt(k skind) *schema { return &schema{kind: k} }
func req(k skind) *schema { return &schema{kind: k, required: true} }

func mapping(required bool, keys map[string]*schema, oneOf ...[]string) *schema {
	return &schema{kind: sMap, required: required, keys: keys, oneOf: oneOf}
}

// envSchema returns the schema of an environment file (built per call: no
// package-level mutable state).
func envSchema(installType string) *schema {
	cluster := mapping(false, map[string]*schema{
		"cc": opt(sHosts), "cc-1": opt(sHosts),
		"sc": opt(sHosts), "sc-1": opt(sHosts),
		"nodes":           opt(sHosts),
		"storage-backend": opt(sScalar),
		"das-device":      opt(sScalar),
	}, []string{"cc", "cc-1"}, []string{"sc", "sc-1"}, []string{"nodes"})
	topology := mapping(true, map[string]*schema{
		"clc": opt(sHosts), "clc-1": opt(sHosts),
		"user-facing": opt(sHosts),
		"console":     opt(sHosts),
		"walrus":      opt(sHosts),
		"osg":         opt(sHosts),
		"objectstorage": mapping(false, map[string]*schema{
			"providerclient": req(sScalar),
			"walrusbackend":  opt(sHosts),
		}),
		"riakcs": mapping(false, map[string]*schema{
			"access-key": req(sScalar), "admin-email": req(sScalar), "admin-name": req(sScalar),
			"endpoint": req(sScalar), "port": req(sInt), "secret-key": req(sScalar),
		}),
		"riak":     opt(sMap),
		"clusters": {kind: sMap, values: cluster},
	}, []string{"clc", "clc-1"}, []string{"user-facing"}, []string{"clusters"})
	subnet := mapping(false, map[string]*schema{
		"Name": opt(sScalar), "Subnet": req(sScalar), "Netmask": req(sScalar), "Gateway": req(sScalar),
	})
	configJSON := mapping(false, map[string]*schema{
		"Mode":               opt(sScalar),
		"InstanceDnsDomain":  opt(sScalar),
		"InstanceDnsServers": opt(sScalars),
		"MacPrefix":          opt(sScalar),
		"PublicIps":          req(sScalars),
		"PrivateIps":         opt(sScalars),
		"Subnets":            {kind: sList, item: subnet},
		"Clusters": {kind: sList, item: mapping(false, map[string]*schema{
			"Name":       req(sScalar),
			"MacPrefix":  opt(sScalar),
			"PrivateIps": opt(sScalars),
			"Subnet":     subnet,
		})},
		"Mido": opt(sMap),
	})
	network := mapping(true, map[string]*schema{
		"mode":                    req(sScalar),
		"bridge-interface":        opt(sScalar),
		"bridged-nic":             opt(sScalar),
		"public-interface":        opt(sScalar),
		"private-interface":       opt(sScalar),
		"nc-router":               {kind: sScalar, enum: []string{"Y", "N"}},
		"dns-server":              opt(sScalar),
		"public-ips":              opt(sScalar),
		"private-ips":             opt(sScalar),
		"subnet":                  opt(sScalar),
		"netmask":                 opt(sScalar),
		"addresses-per-net":       opt(sScalar),
		"dhcp-daemon":             opt(sScalar),
		"metadata-use-private-ip": opt(sScalar),
		"config-json":             configJSON,
	})
	repo := opt(sScalar)
	if installType == "" || installType == "packages" {
		repo = req(sScalar)
	}
	euca := mapping(true, map[string]*schema{
		"topology":               topology,
		"network":                network,
		"eucalyptus-repo":        repo,
		"euca2ools-repo":         repo,
		"enterprise-repo":        opt(sScalar),
		"default-img-url":        opt(sScalar),
		"init-script-url":        opt(sScalar),
		"post-script-url":        opt(sScalar),
		"yum-options":            opt(sScalar),
		"install-imaging-worker": opt(sScalar),
		"install-load-balancer":  opt(sScalar),
		"install-type":           {kind: sScalar, enum: []string{"packages", "source"}},
		"log-level":              {kind: sScalar, enum: []string{"EXTREME", "ALL", "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "OFF"}},
		"source-branch":          opt(sScalar),
		"source-repo":            opt(sScalar),
		"epel-rpm":               opt(sScalar),
		"elrepo-rpm":             opt(sScalar),
		"admin-cred-dir":         opt(sScalar),
		"home-directory":         opt(sScalar),
		"user":                   opt(sScalar),
		"cloud-opts":             opt(sScalar),
		"local-cluster-name":     opt(sScalar),
		"default-image":          opt(sScalar),
		"set-bind-addr":          opt(sScalar),
		"sync-keys":              opt(sScalar),
		"dns":                    mapping(false, map[string]*schema{"domain": opt(sScalar)}),
		"cc":                     opt(sMap),
		"nc": mapping(false, map[string]*schema{
			"max-cores": opt(sScalar), "cache-size": opt(sScalar), "work-size": opt(sScalar),
			"port": opt(sScalar), "service-path": opt(sScalar), "hypervisor": opt(sScalar),
			"instance-path": opt(sScalar),
		}),
		"system-properties": {kind: sMap, values: opt(sScalar)},
		"midonet": mapping(false, map[string]*schema{
			"Gateways":              {kind: sList, item: mapping(false, nil)},
			"midolman-host-mapping": {kind: sMap, values: opt(sScalar)},
		}),
	})
	hostsSection := mapping(false, map[string]*schema{"topology": req(sHosts)})
	attrs := mapping(true, map[string]*schema{
		"eucalyptus":      euca,
		"riakcs_cluster":  opt(sMap),
		"haproxy":         opt(sMap),
		"nginx":           opt(sAny),
		"ceph":            opt(sMap),
		"zookeeper":       hostsSection,
		"cassandra":       hostsSection,
		"riak":            opt(sAny),
		"riak_cs":         opt(sAny),
		"sysctl":          opt(sAny),
		"thrift":          opt(sAny),
		"exclude-recipes": opt(sAny),
		"midokura": mapping(false, map[string]*schema{
			"zookeepers":            opt(sScalars),
			"cassandras":            opt(sScalars),
			"midolman-host-mapping": {kind: sMap, values: opt(sScalar)},
			"initial-tenant":        opt(sScalar),
			"bgp-peers":             opt(sList),
			"midonet-api-url":       opt(sScalar),
			"repo-username":         opt(sScalar),
			"repo-password":         opt(sScalar),
			"repo-url":              opt(sScalar),
			"yum-options":           opt(sScalar),
		}),
	})
	return mapping(true, map[string]*schema{
		"name":                req(sScalar),
		"description":         opt(sScalar),
		"default_attributes":  attrs,
		"override_attributes": opt(sMap),
		"cookbook_versions":   opt(sMap),
		"json_class":          opt(sScalar),
		"chef_type":           opt(sScalar),
	})
}

// Validate checks the file against the schema.
func (Structure) Validate(ctx context.Context, c *calyptos.Check) {
	e := env(c)
	if e == nil {
		return
	}
	installType, _ := e.String("eucalyptus", "install-type")
	w := &walker{c: c, e: e}
	w.walk(e.Root(), envSchema(installType), "", nil)
	w.duplicates(e.Root(), "", map[*yaml.Node]bool{})
	if e.Attr("eucalyptus", "network") != nil && e.Attr("eucalyptus", "network", "bridge-interface") == nil {
		w.warn(e.Attr("eucalyptus", "network"), "network.bridge-interface", "set bridge-interface to the bridge instances attach to (EDGE: the one on the private network)", "default_attributes.eucalyptus.network has no bridge-interface: the cookbook default (br0) applies")
	}
	if e.Topology.Form == "mixed" {
		w.warn(e.Attr("eucalyptus", "topology"), "topology-form", "write the whole topology in one form: the list form (clc, cc, sc, nodes, objectstorage) is the current one", "default_attributes.eucalyptus.topology mixes the legacy form (clc-1, cc-1, sc-1, walrus) with the list form (clc, cc, sc, objectstorage)")
	}
	if w.fails == 0 {
		form := e.Topology.Form
		if form == "" {
			form = "no"
		}
		c.Key("schema").Successf("%s matches the environment schema (%s topology form)", e.File, form)
	}
}

// walker reports schema problems.
type walker struct {
	c     *calyptos.Check
	e     *eucalyptus.Environment
	fails int
}

// fail reports a schema failure; key names the YAML path and the problem,
// hint what to do.
func (w *walker) fail(n *yaml.Node, key, hint, msg string) {
	w.fails++
	at(w.c, w.e, n).Key(key).Hint(hint).Failure(msg)
}

func (w *walker) warn(n *yaml.Node, key, hint, msg string) {
	at(w.c, w.e, n).Key(key).Hint(hint).Warning(msg)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// walk checks n (already dereferenced) against s; keyNode is the node of
// n's key, for positions of null values.
func (w *walker) walk(n *yaml.Node, s *schema, path string, keyNode *yaml.Node) {
	n = yamlx.Resolve(n)
	where := n
	if where == nil || (yamlx.IsNull(where) && keyNode != nil) {
		where = keyNode
	}
	if yamlx.IsNull(n) {
		if s.required {
			w.fail(where, "empty:"+path, "give "+path+" a value", path+": required, but it is empty")
		}
		return
	}
	want := ""
	switch s.kind {
	case sAny:
	case sScalar:
		if n.Kind != yaml.ScalarNode {
			want = "a string"
		}
	case sInt:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			want = "an integer"
		}
	case sMap:
		if n.Kind != yaml.MappingNode {
			want = "a mapping"
		}
	case sList:
		if n.Kind != yaml.SequenceNode {
			want = "a list"
		}
	case sHosts, sScalars:
		switch n.Kind {
		case yaml.ScalarNode:
			if s.kind == sHosts && isBool(n) {
				want = "a host or a list of them"
			}
		case yaml.SequenceNode:
			for i, it := range yamlx.Items(n) {
				if it.Kind != yaml.ScalarNode || yamlx.IsNull(it) || (s.kind == sHosts && isBool(it)) {
					w.fail(it, "type:"+elem(path, i), "write each entry of "+path+" as "+itemWord(s.kind), elem(path, i)+": expected "+itemWord(s.kind)+", found "+kind(it))
				}
			}
		default:
			want = "a " + itemWord(s.kind) + " or a list of them"
		}
	}
	if want != "" {
		w.fail(where, "type:"+path, "write "+path+" as "+want, path+": expected "+want+", found "+kind(n))
		return
	}
	if len(s.enum) > 0 && n.Kind == yaml.ScalarNode && !slices.Contains(s.enum, strings.TrimSpace(n.Value)) {
		w.fail(n, "value:"+path, "use one of "+strings.Join(s.enum, ", "), path+" must be one of "+strings.Join(s.enum, ", ")+", found "+shown(path, n))
	}
	switch n.Kind {
	case yaml.MappingNode:
		w.mapping(n, s, path, keyNode)
	case yaml.SequenceNode:
		if s.item != nil {
			for i, it := range yamlx.Items(n) {
				w.walk(it, s.item, elem(path, i), nil)
			}
		}
	}
}

// mapping checks the keys of n; missing keys are reported at keyNode, the
// key the mapping is the value of (or at n for the top level).
func (w *walker) mapping(n *yaml.Node, s *schema, path string, keyNode *yaml.Node) {
	where := n
	if keyNode != nil {
		where = keyNode
	}
	ps := yamlx.Entries(n)
	have := make(map[string]bool, len(ps))
	for _, p := range ps {
		k := p.Key.Value
		have[k] = true
		switch {
		case s.keys != nil:
			sub, ok := s.keys[k]
			if !ok {
				w.warn(p.Key, "unknown:"+join(path, k), "check the spelling against the cookbook's attributes; an unknown key is ignored", "unknown key "+join(path, k))
				continue
			}
			w.walk(p.Value, sub, join(path, k), p.Key)
		case s.values != nil:
			w.walk(p.Value, s.values, join(path, k), p.Key)
		}
	}
	for _, k := range sortedKeys(s.keys) {
		if s.keys[k].required && !have[k] {
			w.fail(where, "missing:"+join(path, k), "add "+join(path, k), "missing required key "+join(path, k))
		}
	}
	for _, group := range s.oneOf {
		if !slices.ContainsFunc(group, func(k string) bool { return have[k] }) {
			msg := "missing required key " + join(path, group[0])
			if len(group) > 1 {
				msg += " (or " + strings.Join(group[1:], ", ") + ")"
			}
			w.fail(where, "missing:"+join(path, group[0]), "add "+join(path, strings.Join(group, " or ")), msg)
		}
	}
}

// duplicates warns about every key set twice in one mapping, anywhere in
// the file: not valid YAML, but PyYAML, Chef and calyptos take the last
// value. It fails merge keys that
// merge anything but mappings. Each anchored node is looked at once,
// however many aliases point to it.
func (w *walker) duplicates(n *yaml.Node, path string, seen map[*yaml.Node]bool) {
	n = yamlx.Resolve(n)
	if n == nil || seen[n] || (n.Kind != yaml.MappingNode && n.Kind != yaml.SequenceNode) {
		return
	}
	seen[n] = true
	if n.Kind == yaml.SequenceNode {
		for i, c := range n.Content {
			w.duplicates(c, elem(path, i), seen)
		}
		return
	}
	last := map[string]*yaml.Node{}
	for i := len(n.Content)&^1 - 2; i >= 0; i -= 2 {
		k := n.Content[i]
		if k.Tag == "!!merge" {
			w.merge(n.Content[i+1], join(path, "<<"))
			continue
		}
		if k.Kind != yaml.ScalarNode {
			continue
		}
		if l, ok := last[k.Value]; ok {
			w.warn(k, "duplicate:"+join(path, k.Value), "keep one of the two; the last one is what the cookbook sees", join(path, k.Value)+" is set again at "+w.e.Pos(l).String()+": the last value is used")
		} else {
			last[k.Value] = k
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Tag != "!!merge" {
			w.duplicates(n.Content[i+1], join(path, n.Content[i].Value), seen)
		}
	}
}

// merge fails a merge key whose value is not a mapping or a list of
// mappings: PyYAML refuses such a file, and calyptos merges nothing from
// it.
func (w *walker) merge(v *yaml.Node, path string) {
	const msg = ": a merge key merges a mapping or a list of mappings, found "
	v = yamlx.Resolve(v)
	switch {
	case v == nil:
	case v.Kind == yaml.SequenceNode:
		for i, it := range yamlx.Items(v) {
			if it.Kind != yaml.MappingNode {
				w.fail(it, "merge:"+elem(path, i), "merge only mappings (<<: *anchor of a mapping)", elem(path, i)+msg+kind(it))
			}
		}
	case v.Kind != yaml.MappingNode:
		w.fail(v, "merge:"+path, "merge only mappings (<<: *anchor of a mapping)", path+msg+kind(v))
	}
}

// isBool reports whether n is a boolean to a YAML 1.1 loader (PyYAML):
// true or false, or unquoted yes, no, on or off. Where a host is expected
// the parser would take it for the host "true" or "yes", a valid DNS name.
func isBool(n *yaml.Node) bool {
	if n.Tag == "!!bool" {
		return true
	}
	if n.Kind != yaml.ScalarNode || n.Style != 0 {
		return false
	}
	switch strings.ToLower(n.Value) {
	case "yes", "no", "on", "off":
		// PyYAML's spellings: yes, Yes, YES and the like, not yEs.
		return n.Value == strings.ToLower(n.Value) || n.Value == strings.ToUpper(n.Value) ||
			n.Value == strings.ToUpper(n.Value[:1])+n.Value[1:]
	}
	return false
}

func sortedKeys(m map[string]*schema) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func elem(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

func itemWord(k skind) string {
	if k == sHosts {
		return "host"
	}
	return "scalar"
}

// shown quotes a scalar's value unless its key names a secret.
func shown(path string, n *yaml.Node) string {
	key := path
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		key = path[i+1:]
	}
	if redact.IsSecretKey(key) {
		return kind(n)
	}
	return `"` + n.Value + `"`
}
