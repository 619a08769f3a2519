package eucalyptus

import (
	"slices"
	"strings"

	"github.com/org/calyptos"
)

// Clusters returns every cluster of rb's environment, sorted by name, each
// cut to the hosts rb holds in the matching role (cluster-controller,
// storage-controller, node-controller): the clusters of a restricted
// RoleBuilder (see calyptos.RoleBuilder.Restrict) hold only its hosts. It
// returns nil for a RoleBuilder built neither by Load, Parse nor
// NewRoleBuilder.
func Clusters(rb *calyptos.RoleBuilder) []Cluster {
	e := source(rb)
	if e == nil {
		return nil
	}
	out := make([]Cluster, 0, len(e.Topology.Clusters))
	for _, c := range e.Topology.Clusters {
		out = append(out, cut(rb, c))
	}
	return out
}

// ClusterNamed returns the named cluster of rb's environment, cut as
// Clusters cuts it.
func ClusterNamed(rb *calyptos.RoleBuilder, name string) (Cluster, bool) {
	e := source(rb)
	if e == nil {
		return Cluster{}, false
	}
	i, ok := slices.BinarySearchFunc(e.Topology.Clusters, name, func(c Cluster, n string) int { return strings.Compare(c.Name, n) })
	if !ok {
		return Cluster{}, false
	}
	return cut(rb, e.Topology.Clusters[i]), true
}

// cut returns a copy of c with only the hosts rb holds in each part's role.
func cut(rb *calyptos.RoleBuilder, c Cluster) Cluster {
	only := func(role string, hs []string) []string {
		if !slices.ContainsFunc(hs, func(h string) bool { return !rb.Has(role, h) }) {
			return slices.Clone(hs)
		}
		var out []string
		for _, h := range hs {
			if rb.Has(role, h) {
				out = append(out, h)
			}
		}
		return out
	}
	c.CC = only(RoleClusterController, c.CC)
	c.SC = only(RoleStorageController, c.SC)
	c.Nodes = only(RoleNodeController, c.Nodes)
	return c
}
