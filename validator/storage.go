package validator

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/yamlx"
)

// Storage checks each cluster's block storage backend (storage-backend,
// which the cookbook sets as <cluster>.storage.blockstoragemanager):
//
//   - the backend is one Eucalyptus supports, matched exactly: das,
//     overlay, ceph-rbd, netapp, threepar, equallogic, emc-vnx;
//   - das needs the cluster's das-device (or the system property
//     <cluster>.storage.dasdevice);
//   - ceph-rbd needs the system properties <cluster>.storage.cephconfigfile,
//     cephkeyringfile, cephsnapshotpools, cephuser and cephvolumepools; when
//     the file has a ceph section the cookbook writes the ceph
//     configuration and Eucalyptus' defaults fill the rest, so missing ones
//     are then only information;
//   - netapp needs chapuser, ncpaths, scpaths, sanhost, sanpassword and
//     sanuser; vservername is only needed for clustered Data ONTAP, so its
//     absence is a warning;
//   - threepar needs chapuser, ncpaths, sanhost, sanuser, sanpassword,
//     scpaths, threeparusercpg and threeparcopycpg;
//   - equallogic and emc-vnx need at least sanhost, sanuser and sanpassword.
//
// A cluster without storage-backend is a warning (its storage controller
// stays unconfigured), and a <name>.storage.* system property whose name is
// not a cluster is a warning. Only property names appear in findings,
// never their values.
type Storage struct{}

// Name returns "storage".
func (Storage) Name() string { return "storage" }

// storageBackend is what one backend needs.
type storageBackend struct {
	name  string
	props []string // <cluster>.storage.<prop> system properties required
	warn  []string // properties whose absence is only a warning
}

// StorageBackends returns the block storage backends Eucalyptus supports,
// sorted.
func StorageBackends() []string {
	var out []string
	for _, b := range storageBackends() {
		out = append(out, b.name)
	}
	slices.Sort(out)
	return out
}

func storageBackends() []storageBackend {
	san := []string{"sanhost", "sanuser", "sanpassword"}
	return []storageBackend{
		{name: "das"},
		{name: "overlay"},
		{name: "ceph-rbd", props: []string{"cephconfigfile", "cephkeyringfile", "cephsnapshotpools", "cephuser", "cephvolumepools"}},
		{name: "netapp", props: []string{"chapuser", "ncpaths", "scpaths", "sanhost", "sanpassword", "sanuser"}, warn: []string{"vservername"}},
		{name: "threepar", props: []string{"chapuser", "ncpaths", "sanhost", "sanuser", "sanpassword", "scpaths", "threeparusercpg", "threeparcopycpg"}},
		{name: "equallogic", props: san},
		{name: "emc-vnx", props: san},
	}
}

// Validate checks every cluster's storage.
func (Storage) Validate(ctx context.Context, c *calyptos.Check) {
	e := env(c)
	if e == nil {
		return
	}
	clusters := e.Topology.Clusters
	if len(clusters) == 0 {
		c.Skipped("no eucalyptus clusters in the file")
		return
	}
	props := e.SystemProperties()
	hasCeph := e.Attr("ceph") != nil && !yamlx.IsNull(e.Attr("ceph"))
	backends := storageBackends()
	names := make(map[string]bool, len(clusters))
	for _, cl := range clusters {
		names[cl.Name] = true
		node := e.Attr("eucalyptus", "topology", "clusters", cl.Name)
		bk, bv := yamlx.Lookup(node, "storage-backend")
		if bk == nil {
			c.At(cl.Pos).Key("cluster:"+cl.Name+":storage-backend").Hint("set storage-backend (das, overlay, ceph-rbd, netapp, equallogic, threepar) in the cluster, or set the property after deployment").Warningf("cluster %s has no storage-backend: its storage controller stays unconfigured until %s.storage.blockstoragemanager is set", cl.Name, cl.Name)
			continue
		}
		name, _ := yamlx.Scalar(bv)
		i := slices.IndexFunc(backends, func(b storageBackend) bool { return b.name == name })
		if i < 0 {
			msg := fmt.Sprintf("cluster %s: storage-backend %q is not one Eucalyptus supports (%s)", cl.Name, name, strings.Join(StorageBackends(), ", "))
			if j := slices.IndexFunc(backends, func(b storageBackend) bool { return strings.EqualFold(b.name, name) }); j >= 0 {
				msg += "; did you mean " + backends[j].name + "?"
			}
			at(c, e, bv).Key("cluster:" + cl.Name + ":storage-backend").Hint("use a storage backend Eucalyptus supports").Failure(msg)
			continue
		}
		b := backends[i]
		prop := func(p string) bool {
			v, ok := props[cl.Name+".storage."+p]
			return ok && strings.TrimSpace(v) != ""
		}
		missing := func(ps []string) []string {
			var out []string
			for _, p := range ps {
				if !prop(p) {
					out = append(out, cl.Name+".storage."+p)
				}
			}
			return out
		}
		ok := true
		if b.name == "das" && strings.TrimSpace(cl.DASDevice) == "" && !prop("dasdevice") {
			ok = false
			at(c, e, bv).Key("cluster:"+cl.Name+":das-device").Hint("set das-device (or the property <cluster>.storage.dasdevice) to the volume group or block device for volumes").Failuref("cluster %s: storage-backend das needs a das-device (the volume group or block device for volumes)", cl.Name)
		}
		if m := missing(b.props); len(m) > 0 {
			if b.name == "ceph-rbd" && hasCeph {
				c.Infof("cluster %s: ceph-rbd properties not set (%s): Eucalyptus defaults and the ceph section apply", cl.Name, strings.Join(m, ", "))
			} else {
				ok = false
				at(c, e, bv).Key("cluster:"+cl.Name+":properties").Hint("add the listed system-properties; euctl sets them on a running cloud").Failuref("cluster %s: storage-backend %s needs the system properties %s", cl.Name, b.name, strings.Join(m, ", "))
			}
		}
		if m := missing(b.warn); len(m) > 0 {
			at(c, e, bv).Key("cluster:"+cl.Name+":netapp-vserver").Hint("set the vserver name property for clustered Data ONTAP; 7-mode filers need none").Warningf("cluster %s: storage-backend %s usually needs %s (clustered Data ONTAP)", cl.Name, b.name, strings.Join(m, ", "))
		}
		if ok {
			c.Key("cluster:"+cl.Name+":properties").Successf("cluster %s: storage-backend %s is configured", cl.Name, b.name)
		}
	}
	var orphans []string
	for k := range props {
		if cl, _, ok := strings.Cut(k, ".storage."); ok && !names[cl] {
			orphans = append(orphans, k)
		}
	}
	slices.Sort(orphans)
	for _, k := range orphans {
		at(c, e, e.Attr("eucalyptus", "system-properties")).Key("orphan-property:"+k).Hint("correct the cluster prefix of the property, or remove it").Warningf("system property %s names no cluster of the topology", k)
	}
}
