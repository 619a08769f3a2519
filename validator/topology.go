package validator

import (
	"context"
	"slices"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/hostname"
	"github.com/org/calyptos/internal/words"
	"github.com/org/calyptos/internal/yamlx"
	"gopkg.in/yaml.v3"
)

// Topology checks the Eucalyptus topology as a deployment: a cloud
// controller and user-facing services host exist, every cluster has at
// least one cluster controller, storage controller and node controller, no
// host belongs to two clusters (compared by address, ports ignored), the
// object storage is walrus or riakcs but not both, and a riakcs section has
// every key the cookbook reads (the value of secret-key is never shown).
type Topology struct{}

// Name returns "topology".
func (Topology) Name() string { return "topology" }

// Validate checks the topology.
func (Topology) Validate(ctx context.Context, c *calyptos.Check) {
	e := env(c)
	if e == nil {
		return
	}
	topo := e.Attr("eucalyptus", "topology")
	if topo == nil {
		c.Skipped("no eucalyptus topology in the file")
		return
	}
	rb := c.Roles()
	for _, r := range []struct{ role, what, key string }{
		{eucalyptus.RoleCLC, "cloud controller", "clc"},
		{eucalyptus.RoleUserFacing, "user-facing services host", "user-facing"},
	} {
		if hs := rb.Hosts(r.role); len(hs) > 0 {
			c.Key(r.key).Successf("%s: %s", r.what, strings.Join(hs, ", "))
		} else {
			at(c, e, topo).Key(r.key).Hint("list at least one host under topology.clc (or user-facing); every cloud needs one").Failuref("no %s (default_attributes.eucalyptus.topology.%s)", r.what, r.key)
		}
	}
	objectStorage(c, e, topo)
	clusters := eucalyptus.Clusters(rb)
	if len(clusters) == 0 {
		at(c, e, topo).Key("clusters").Hint("add topology.clusters with at least one cluster (cc, sc, nodes)").Failure("the topology has no clusters (default_attributes.eucalyptus.topology.clusters)")
	}
	for _, cl := range clusters {
		clusterParts(c, cl)
	}
	sharedHosts(c, e, clusters)
}

// objectStorage checks that the object storage is walrus with a backend
// host, or riakcs with every key the cookbook reads, or another provider
// Eucalyptus ships.
func objectStorage(c *calyptos.Check, e *eucalyptus.Environment, topo *yaml.Node) {
	// riakcsKeys are the keys the cookbook reads from topology.riakcs;
	// objectStorageProviders the providerclient values Eucalyptus knows.
	riakcsKeys := []string{"access-key", "admin-email", "admin-name", "endpoint", "port", "secret-key"}
	objectStorageProviders := []string{"walrus", "riakcs", "ceph-rgw"}
	wk, _ := yamlx.Lookup(topo, "walrus")
	rk, riak := yamlx.Lookup(topo, "riakcs")
	provider := e.Topology.ObjectStorageProvider
	switch {
	case wk != nil && rk != nil:
		at(c, e, rk).Key("object-storage").Hint("keep either walrus or riakcs in the topology, not both").Failure("the topology has both walrus and riakcs: object storage is one or the other")
	case provider == "walrus":
		if hs := c.Roles().Hosts(eucalyptus.RoleWalrus); len(hs) > 0 {
			c.Key("walrus").Successf("walrus backend: %s", strings.Join(hs, ", "))
		} else {
			at(c, e, topo).Key("walrus").Hint("list the walrus host (topology.walrus, or objectstorage.walrusbackend)").Failure("object storage is walrus but no walrus backend host is listed")
		}
	case provider != "" && !slices.Contains(objectStorageProviders, provider):
		at(c, e, get(topo, "objectstorage")).Key("object-storage").Hint("use walrus or riakcs as object storage provider").Warningf("object storage provider %q is not one Eucalyptus ships (%s)", provider, strings.Join(objectStorageProviders, ", "))
	case provider != "":
		c.Key("object-storage").Successf("object storage provider: %s", provider)
	}
	if rk == nil {
		return
	}
	if riak == nil || len(yamlx.Entries(riak)) == 0 {
		at(c, e, rk).Key("riakcs").Hint("write topology.riakcs as a mapping with access-key, admin-email, admin-name, endpoint, port and secret-key").Failure("topology.riakcs must be a mapping with " + strings.Join(riakcsKeys, ", "))
		return
	}
	var missing []string
	for _, k := range riakcsKeys {
		if v, ok := yamlx.Scalar(get(riak, k)); !ok || v == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		at(c, e, rk).Key("riakcs").Hint("give every riakcs key a value").Failure("topology.riakcs has no value for " + strings.Join(missing, ", "))
	} else {
		c.Key("riakcs").Success("topology.riakcs has every key the cookbook reads")
	}
}

// clusterParts checks that a cluster has a cluster controller, a storage
// controller and a node controller.
func clusterParts(c *calyptos.Check, cl eucalyptus.Cluster) {
	var missing []string
	for _, part := range []struct {
		hosts []string
		what  string
	}{{cl.CC, "cluster controller (cc)"}, {cl.SC, "storage controller (sc)"}, {cl.Nodes, "node controller (nodes)"}} {
		if len(part.hosts) == 0 {
			missing = append(missing, part.what)
		}
	}
	if len(missing) > 0 {
		c.At(cl.Pos).Key("cluster:"+cl.Name).Hint("give every cluster a cluster controller (cc), a storage controller (sc) and node controllers (nodes)").Failuref("cluster %q has no %s", cl.Name, strings.Join(missing, ", no "))
		return
	}
	c.Key("cluster:"+cl.Name).Successf("cluster %s has %s, %s and %s", cl.Name,
		words.Count(len(cl.CC), "cluster controller", "cluster controllers"),
		words.Count(len(cl.SC), "storage controller", "storage controllers"),
		words.Count(len(cl.Nodes), "node controller", "node controllers"))
}

// sharedHosts fails every host that is in more than one cluster, compared
// by address.
func sharedHosts(c *calyptos.Check, e *eucalyptus.Environment, clusters []eucalyptus.Cluster) {
	// owner maps a host's address to the clusters that list it.
	owner := make(map[string][]string)
	first := make(map[string]string)
	for _, cl := range clusters {
		for _, h := range cl.Hosts() {
			k := hostKey(h)
			if l := owner[k]; len(l) > 0 && l[len(l)-1] == cl.Name {
				continue // cc:22 and cc both in one cluster
			}
			if _, ok := first[k]; !ok {
				first[k] = h
			}
			owner[k] = append(owner[k], cl.Name)
		}
	}
	var dups []string
	for k, names := range owner {
		if len(names) > 1 {
			dups = append(dups, k)
		}
	}
	slices.SortFunc(dups, hostname.Compare)
	for _, k := range dups {
		names := owner[k]
		atHost(c.OnHost(first[k]), e, first[k]).Key("one-cluster").Hint("keep each host in one cluster: a CC, SC or NC serves one availability zone").Failuref("host %s is in %d clusters: %s", first[k], len(names), strings.Join(names, ", "))
	}
	if len(dups) == 0 && len(clusters) > 1 {
		c.Key("one-cluster").Successf("no host is in more than one of the %d clusters", len(clusters))
	}
}
