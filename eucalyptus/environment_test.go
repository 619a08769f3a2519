package eucalyptus_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/org/calyptos"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/internal/yamlx"
)

func hosts(prefix string, last ...string) []string {
	out := make([]string, len(last))
	for i, l := range last {
		out[i] = prefix + l
	}
	return out
}

func TestRolesMatchOriginal(t *testing.T) {
	n := func(l ...string) []string { return hosts("192.0.2.", l...) }
	tests := []struct {
		file     string
		want     map[string][]string
		clusters map[string][]string
		form     string
	}{
		{
			file: "../testdata/edge.yml",
			form: "lists",
			want: map[string][]string{
				eucalyptus.RoleCLC:                 n("10"),
				eucalyptus.RoleConfigureEucalyptus: n("10"),
				eucalyptus.RoleSetupAdminCreds:     n("10"),
				eucalyptus.RoleUserFacing:          n("10", "11"),
				eucalyptus.RoleConsole:             n("12"),
				eucalyptus.RoleWalrus:              n("11"),
				eucalyptus.RoleClusterController:   n("20", "30"),
				eucalyptus.RoleStorageController:   n("20", "31"),
				eucalyptus.RoleNodeController:      n("21", "22", "32"),
				eucalyptus.RoleMidolman:            nil,
				eucalyptus.RoleConfigureVPC:        nil,
				calyptos.RoleAll:                   n("10", "11", "12", "20", "21", "22", "30", "31", "32"),
			},
			// The original kept only the last cluster; every cluster is here.
			clusters: map[string][]string{"zone-a": n("20", "21", "22"), "zone-b": n("30", "31", "32")},
		},
		{
			file: "../testdata/vpc.yml",
			form: "lists",
			want: map[string][]string{
				eucalyptus.RoleMidonetCluster: n("10"),
				eucalyptus.RoleConfigureVPC:   n("10"),
				eucalyptus.RoleMidonetGateway: n("50"),
				eucalyptus.RoleMidolman:       n("10", "21", "22", "50"),
				eucalyptus.RoleZookeeper:      n("40"),
				eucalyptus.RoleCassandra:      n("40"),
				eucalyptus.RoleWalrus:         n("10"),
				calyptos.RoleAll:              n("10", "20", "21", "22", "40", "50"),
			},
			clusters: map[string][]string{"one": n("20", "21", "22")},
		},
		{
			file: "../testdata/legacy.yml",
			form: "legacy",
			want: map[string][]string{
				eucalyptus.RoleCLC:               n("10"),
				eucalyptus.RoleWalrus:            n("10"),
				eucalyptus.RoleUserFacing:        n("10"),
				eucalyptus.RoleClusterController: n("20"),
				eucalyptus.RoleStorageController: n("20"),
				// a space-separated string, not a set of characters
				eucalyptus.RoleNodeController: n("21", "22", "23"),
				calyptos.RoleAll:              n("10", "20", "21", "22", "23"),
			},
			clusters: map[string][]string{"one": n("20", "21", "22", "23")},
		},
		{
			file: "../testdata/storage-clusters.yml",
			form: "lists",
			want: map[string][]string{
				eucalyptus.RoleRiakHead:     n("70"),
				eucalyptus.RoleRiakNode:     n("71", "72"),
				eucalyptus.RoleHAProxy:      n("79"),
				eucalyptus.RoleCephMons:     n("60", "61", "62"),
				eucalyptus.RoleMonBootstrap: n("61"), // the first mon with init
				eucalyptus.RoleCephOSDs:     n("65", "66"),
				eucalyptus.RoleWalrus:       nil, // riakcs provides object storage
				// IP addresses first in numeric order, ports kept as written
				eucalyptus.RoleCLC:                 {"[2001:db8::10]:2222", "2001:db8::11"},
				eucalyptus.RoleConfigureEucalyptus: {"[2001:db8::10]:2222"},
				eucalyptus.RoleClusterController:   {"cc-east.example.net:2200"},
				eucalyptus.RoleNodeController:      {"nc-1.example.net", "nc-2.example.net"},
			},
			clusters: map[string][]string{"east": {"cc-east.example.net:2200", "nc-1.example.net", "nc-2.example.net"}},
		},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			rb, err := eucalyptus.Load(tt.file)
			require.NoError(t, err)
			for role, want := range tt.want {
				assert.Equal(t, want, rb.Hosts(role), "role %s", role)
			}
			got := map[string][]string{}
			for _, c := range eucalyptus.Clusters(rb) {
				got[c.Name] = c.Hosts()
			}
			assert.Equal(t, tt.clusters, got)
			assert.Equal(t, tt.form, eucalyptus.Of(rb).Topology.Form)
			for _, h := range rb.All() {
				assert.NotEmpty(t, rb.RolesOf(h), "host %s of all holds no role", h)
			}
		})
	}
}

func TestEveryBaseRoleExists(t *testing.T) {
	rb, err := eucalyptus.Load("../testdata/edge.yml")
	require.NoError(t, err)
	names := rb.RoleNames()
	for _, r := range []string{"clc", "user-facing", "console", "walrus", "cluster-controller", "storage-controller",
		"node-controller", "midonet-cluster", "midolman", "midonet-gateway", "mon-bootstrap", "ceph-mons", "ceph-osds",
		"riak-head", "riak-node", "haproxy", "nginx", "zookeeper", "cassandra", "setup-admin-creds", "all"} {
		assert.Contains(t, names, r)
	}
	assert.Empty(t, rb.Hosts("no-such-role"), "unknown roles are empty, not a crash")
	assert.False(t, rb.Has("no-such-role", "192.0.2.10"))
	assert.True(t, rb.Has(eucalyptus.RoleCLC, "192.0.2.10"))
	assert.Equal(t, []string{"192.0.2.10", "192.0.2.11", "192.0.2.20", "192.0.2.21", "192.0.2.22", "192.0.2.30", "192.0.2.31", "192.0.2.32"}, eucalyptus.ComponentHosts(rb), "console is not a Eucalyptus host")
	assert.Equal(t, []string{"clc", "configure-eucalyptus", "setup-admin-creds", "user-facing"}, rb.RolesOf("192.0.2.10"))
}

func TestAccessorsReturnCopies(t *testing.T) {
	rb, err := eucalyptus.Load("../testdata/edge.yml")
	require.NoError(t, err)
	rb.Hosts(calyptos.RoleAll)[0] = "evil"
	eucalyptus.Clusters(rb)[0].Nodes[0] = "evil"
	rb.Map()[eucalyptus.RoleCLC][0] = "evil"
	assert.Equal(t, "192.0.2.10", rb.All()[0])
	c, ok := eucalyptus.ClusterNamed(rb, "zone-a")
	require.True(t, ok)
	assert.Equal(t, []string{"192.0.2.21", "192.0.2.22"}, c.Nodes)
	assert.Equal(t, "das", c.StorageBackend)
	assert.Equal(t, "vg01", c.DASDevice)
	assert.Equal(t, []string{"192.0.2.10"}, rb.Hosts(eucalyptus.RoleCLC))
}

func TestEnvironmentAccessors(t *testing.T) {
	rb, err := eucalyptus.Load("../testdata/edge.yml")
	require.NoError(t, err)
	env := eucalyptus.Of(rb)
	assert.Equal(t, "edge-demo", env.Name)
	assert.Equal(t, "EDGE", env.NetworkMode())
	repo, ok := env.String("eucalyptus", "eucalyptus-repo")
	assert.True(t, ok)
	assert.Equal(t, "http://repo.example.com/eucalyptus/4.4/rhel/7/x86_64/", repo)
	_, ok = env.String("eucalyptus", "nope")
	assert.False(t, ok)
	assert.Equal(t, "rbd", env.SystemProperties()["zone-b.storage.cephvolumepools"])
	assert.Equal(t, "../testdata/edge.yml:35:13", env.PosOf("eucalyptus", "network", "mode").String())
	var cj struct {
		PublicIps []string `yaml:"PublicIps"`
	}
	require.NoError(t, env.Decode(&cj, "eucalyptus", "network", "config-json"))
	assert.Equal(t, []string{"198.51.100.10-198.51.100.60"}, cj.PublicIps)
	var wrong struct {
		PublicIps int `yaml:"PublicIps"`
	}
	err = env.Decode(&wrong, "eucalyptus", "network", "config-json")
	assert.ErrorIs(t, err, eucalyptus.ErrInvalidEnvironment)
}

func TestSecretsAreFound(t *testing.T) {
	rb, err := eucalyptus.Parse("e.yml", []byte(`
shared: {value: &pw alias-secret}
default_attributes:
  admin-password: *pw
  credentials: {access: key-id-1, nested: [list-secret]}
  eucalyptus:
    topology: {clc: [h1], user-facing: [h1], clusters: {one: {cc: [h2], sc: [h2], nodes: [h3]}}}
    system-properties: {one.storage.sanpassword: s3cr3t-san, one.storage.sanuser: admin}
  midokura: {repo-password: hunter22}
  riakcs: {secret-key: "AbCdEf", access-key: KEYID}
`))
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"alias-secret", "key-id-1", "list-secret", "s3cr3t-san", "hunter22", "AbCdEf", "KEYID"}, eucalyptus.Of(rb).Secrets())
}

func TestParseErrorsNamePosition(t *testing.T) {
	const head = "default_attributes:\n  eucalyptus:\n    topology:\n"
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"empty file", "", []string{"e.yml:1:1: empty environment file"}},
		{"not a mapping", "- a\n- b\n", []string{"e.yml:1:1: expected a mapping with default_attributes"}},
		{"syntax error", "a: [b\n", []string{"e.yml:1: invalid YAML"}},
		// yaml.v3 gives parser errors 0-based lines, and no line at all
		// for an unknown alias or an error on the first line.
		{"unclosed list on line 2", "name: x\na: [b\n", []string{"e.yml:2: invalid YAML: did not find expected ',' or ']'"}},
		{"unclosed list on line 3 of 4", "name: x\n\na: {b: c\nd: e\n", []string{"e.yml:3: invalid YAML: did not find expected ',' or '}'"}},
		{"stray list item", "a: b\n- c\n", []string{"e.yml:2: invalid YAML: did not find expected key"}},
		{"list item among keys", "name: x\na:\n  - b\n  c: d\n", []string{"e.yml:3: invalid YAML: did not find expected '-' indicator"}},
		{"unknown alias", "name: x\na: &nope2 1\nb: [*nope]\n", []string{"e.yml:3:5: invalid YAML: unknown anchor 'nope' referenced"}},
		{"error on the only line", "a: b: c", []string{"e.yml:1: invalid YAML: mapping values are not allowed"}},
		{"no default_attributes", "name: x\n", []string{"e.yml:1:1: missing default_attributes"}},
		{"no topology", "default_attributes:\n  eucalyptus:\n    network: {mode: EDGE}\n", []string{"e.yml:3:5: eucalyptus has no topology"}},
		{"no clc", head + "      user-facing: [a]\n      clusters: {one: {cc: [b], sc: [b], nodes: [c]}}\n",
			[]string{"e.yml:4:7: topology has no cloud controller"}},
		{"cluster without nodes", head + "      clc: [a]\n      user-facing: [a]\n      clusters:\n        one:\n          cc: [b]\n          sc: [b]\n",
			[]string{`e.yml:7:9: cluster "one" has no node controllers (nodes)`}},
		{"every problem reported", head + "      clc: [a]\n      user-facing: [a]\n      clusters:\n        one: {cc: [b]}\n        two: {sc: [c], nodes: [d]}\n",
			[]string{`e.yml:7:9: cluster "one" has no storage controller (sc)`, `e.yml:7:9: cluster "one" has no node controllers (nodes)`, `e.yml:8:9: cluster "two" has no cluster controller (cc)`}},
		{"host that is a mapping", head + "      clc: [{ip: a}]\n      user-facing: [a]\n      clusters: {one: {cc: [b], sc: [b], nodes: [c]}}\n",
			[]string{"e.yml:4:13: clc[0]: expected a host address, found a mapping"}},
		{"clusters as list", head + "      clc: a\n      user-facing: [a]\n      clusters: [a]\n",
			[]string{"e.yml:6:17: clusters: expected a mapping"}},
		{"ceph without bootstrap mon", "default_attributes:\n  ceph:\n    topology:\n      mons: [{ipaddr: a}]\n      osds: [{ipaddr: b}]\n",
			[]string{"e.yml:4:13: no ceph monitor has init: true"}},
		{"ceph without osds", "default_attributes:\n  ceph:\n    topology:\n      mons: [{ipaddr: a, init: true}]\n      osds: []\n",
			[]string{"e.yml:5:13: no OSD found"}},
		{"riak without head", "default_attributes:\n  riakcs_cluster:\n    topology: {nodes: [a]}\n",
			[]string{"e.yml:3:15: no head node found for the RiakCS cluster"}},
		{"riak balancer without haproxy", "default_attributes:\n  riakcs_cluster:\n    topology: {head: {ipaddr: a}, load_balancer: b}\n",
			[]string{"e.yml:3:50: load_balancer is set but there is no haproxy"}},
		{"host that looks like an option", head + "      clc: [-oProxyCommand=x]\n      user-facing: \"a -b\"\n      clusters: {one: {cc: [b], sc: [b], nodes: [c]}}\n",
			[]string{`e.yml:4:13: clc: host "-oProxyCommand=x" must not start with '-'`, `e.yml:5:23: user-facing: host "-b" must not start with '-'`}},
		{"host with a control character or a space", head + "      clc: [\"127.0.0.1\\e[2J\"]\n      user-facing: [\"a b\"]\n      clusters: {one: {cc: [b], sc: [b], nodes: [c]}}\n",
			[]string{`e.yml:4:14: clc: host "127.0.0.1\x1b[2J" contains a space or a control character`, `e.yml:5:22: user-facing: host "a b" contains a space or a control character`}},
		{"binary data", "\x00\x01\x02", []string{"e.yml:1:1: invalid YAML: control characters are not allowed (control character U+0000)"}},
		{"not UTF-8 on line 3", "a: 1\nb: 2\nc: x\xff\n", []string{"e.yml:3:5: invalid YAML: invalid leading UTF-8 octet (byte 0xff is not UTF-8)"}},
		// The original's loader refuses a stream of several documents;
		// only the first was read, and the rest silently ignored.
		{"second document", "name: x\n---\n" + head + "      clc: a\n",
			[]string{"e.yml:2:1: a second YAML document starts here: an environment file is one document"}},
		{"empty second document", head + "      clc: a\n      user-facing: [a]\n      clusters: {one: {cc: [b], sc: [b], nodes: [c]}}\n--- \n# end\n",
			[]string{"e.yml:7:1: a second YAML document starts here"}},
		{"syntax error in a second document", "name: x\n---\na: b: c\n", []string{"e.yml:3: invalid YAML: mapping values are not allowed"}},
		{"vpc without midonet", head + "      clc: a\n      user-facing: [a]\n      clusters: {one: {cc: [b], sc: [b], nodes: [c]}}\n    network: {mode: VPCMIDO}\n",
			[]string{"e.yml:7:21: network mode VPCMIDO needs an eucalyptus.midonet mapping"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rb, err := eucalyptus.Parse("e.yml", []byte(tt.yaml))
			require.Error(t, err)
			assert.Nil(t, rb)
			assert.ErrorIs(t, err, eucalyptus.ErrInvalidEnvironment)
			var envErr *eucalyptus.EnvError
			assert.True(t, errors.As(err, &envErr))
			lines := strings.Split(err.Error(), "\n")
			require.Len(t, lines, len(tt.want), "errors: %v", err)
			for i, w := range tt.want {
				assert.True(t, strings.HasPrefix(lines[i], w), "error %d = %q, want prefix %q", i, lines[i], w)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := eucalyptus.Load(filepath.Join(t.TempDir(), "nope.yml"))
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.NotErrorIs(t, err, eucalyptus.ErrInvalidEnvironment)
}

func TestScalarAndAliasForms(t *testing.T) {
	rb, err := eucalyptus.Parse("e.yml", []byte(`
defaults: &cluster {cc: 10.0.0.2, sc: 10.0.0.2}
default_attributes:
  eucalyptus:
    topology:
      clc: 10.0.0.1
      user-facing: "10.0.0.1, 10.0.0.3"
      clusters:
        one:
          <<: *cluster
          nodes: "10.0.0.10 10.0.0.9\n10.0.0.11"
  zookeeper: {topology: 10.0.0.20}
`))
	require.NoError(t, err)
	assert.Equal(t, []string{"10.0.0.1"}, rb.Hosts(eucalyptus.RoleCLC))
	assert.Equal(t, []string{"10.0.0.1", "10.0.0.3"}, rb.Hosts(eucalyptus.RoleUserFacing))
	assert.Equal(t, []string{"10.0.0.2"}, rb.Hosts(eucalyptus.RoleClusterController))
	assert.Equal(t, []string{"10.0.0.9", "10.0.0.10", "10.0.0.11"}, rb.Hosts(eucalyptus.RoleNodeController))
	assert.Equal(t, []string{"10.0.0.20"}, rb.Hosts(eucalyptus.RoleZookeeper))
}

func TestNewRoleBuilder(t *testing.T) {
	rb := eucalyptus.NewRoleBuilder(map[string][]string{
		eucalyptus.RoleCLC:     {"b", "a", "a"},
		"my-custom-role":       {"c"},
		eucalyptus.RoleConsole: nil,
	}, eucalyptus.Cluster{Name: "z", CC: []string{"cc"}, SC: []string{"sc"}, Nodes: []string{"n2", "n1"}})
	assert.Equal(t, []string{"a", "b"}, rb.Hosts(eucalyptus.RoleCLC))
	assert.Equal(t, []string{"c"}, rb.Hosts("my-custom-role"))
	assert.Equal(t, []string{"n1", "n2"}, rb.Hosts(eucalyptus.RoleNodeController))
	assert.Equal(t, []string{"a", "b", "c", "cc", "n1", "n2", "sc"}, rb.All())
	c, ok := eucalyptus.ClusterNamed(rb, "z")
	require.True(t, ok)
	assert.Equal(t, []string{"cc", "n1", "n2", "sc"}, c.Hosts())
	assert.Nil(t, eucalyptus.Of(rb))
}

func TestLookupAndEntriesFollowMerges(t *testing.T) {
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(`
a: &a {cc: 10.0.0.2, sc: 10.0.0.9}
b: &b {sc: 10.0.0.3, nodes: 10.0.0.4}
m:
  <<: [*a, *b]
  sc: 10.0.0.5
`), &doc))
	m := yamlx.Resolve(yamlx.Entries(&doc)[2].Value)
	var got []string
	for _, e := range yamlx.Entries(m) {
		got = append(got, e.Key.Value+"="+e.Value.Value)
	}
	assert.Equal(t, []string{"sc=10.0.0.5", "cc=10.0.0.2", "nodes=10.0.0.4"}, got, "own keys first and winning, then merged keys in merge order")
	_, v := yamlx.Lookup(m, "nodes")
	require.NotNil(t, v)
	assert.Equal(t, "10.0.0.4", v.Value)
	k, v := yamlx.Lookup(m, "absent")
	assert.Nil(t, k)
	assert.Nil(t, v)
	k, _ = yamlx.Lookup(v, "x")
	assert.Nil(t, k, "a nil node is not a mapping")
}

func TestHostPositions(t *testing.T) {
	const file = `default_attributes:
  eucalyptus:
    topology:
      clc: 10.0.0.1
      user-facing: "10.0.0.1 10.0.0.2"
      clusters:
        one:
          cc-1: 10.0.0.3
          sc-1: 10.0.0.3
          nodes: 10.0.0.4  10.0.0.5,10.0.0.6
        two:
          cc: [10.0.0.7]
          sc: [10.0.0.7]
          nodes:
            - 10.0.0.8
            - '10.0.0.9'
        three: {cc: [10.0.0.30], sc: [10.0.0.30], nodes: "ñø 10.0.0.20"}
`
	rb, err := eucalyptus.Parse("e.yml", []byte(file))
	require.NoError(t, err)
	env := eucalyptus.Of(rb)
	tests := []struct {
		host string
		want []string
	}{
		{"10.0.0.1", []string{"e.yml:4:12", "e.yml:5:21"}},
		{"10.0.0.2", []string{"e.yml:5:30"}},
		{"10.0.0.3", []string{"e.yml:8:17", "e.yml:9:17"}},
		{"10.0.0.5", []string{"e.yml:10:28"}},
		{"10.0.0.6", []string{"e.yml:10:37"}},
		{"10.0.0.7", []string{"e.yml:12:16", "e.yml:13:16"}},
		{"10.0.0.9", []string{"e.yml:16:16"}},
		{"10.0.0.20", []string{"e.yml:17:62"}}, // columns count characters, not bytes
		{"192.0.2.1", nil},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			var got []string
			for _, p := range env.HostPositions(tt.host) {
				got = append(got, p.String())
			}
			assert.Equal(t, tt.want, got)
		})
	}
	var none *eucalyptus.Environment
	assert.Nil(t, none.HostPositions("10.0.0.1"))
}

// aliasBomb returns YAML in which name holds width^levels references to one
// scalar, through levels anchors each listing width aliases of the last.
func aliasBomb(name, value string, levels, width int) string {
	var b strings.Builder
	b.WriteString("  l0: &l0 " + value + "\n")
	for i := 1; i <= levels; i++ {
		b.WriteString("  l" + strconv.Itoa(i) + ": &l" + strconv.Itoa(i) + " [")
		for j := range width {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*l" + strconv.Itoa(i-1))
		}
		b.WriteString("]\n")
	}
	b.WriteString("  " + name + ": *l" + strconv.Itoa(levels) + "\n")
	return b.String()
}

// TestSecretsOfAnAliasBomb: a few hundred bytes of aliases under a secret
// key stand for billions of scalars. Secrets walked every one of them,
// so that loading such a file and running any check took minutes and
// tens of GB before the OOM killer ended it. Each aliased node is walked
// once, and each secret value is listed once.
func TestSecretsOfAnAliasBomb(t *testing.T) {
	const topo = "  eucalyptus:\n    topology: {clc: [h1], user-facing: [h1], clusters: {one: {cc: [h2], sc: [h2], nodes: [h3]}}}\n"
	tests := []struct {
		name          string
		levels, width int
	}{
		{"a million references", 6, 10},
		{"387 million references", 9, 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := "default_attributes:\n" + topo + aliasBomb("admin-password", "s3cr3t", tt.levels, tt.width)
			rb, err := eucalyptus.Parse("e.yml", []byte(file))
			require.NoError(t, err)
			assert.Equal(t, []string{"s3cr3t"}, eucalyptus.Of(rb).Secrets())
		})
	}
}

// TestMergeKeyBomb: merge keys that merge the same mapping many times over,
// nested, made Entries (and so Lookup, the parser and every validator)
// take time exponential in the nesting: a 1 KB file kept the parser busy
// for minutes. A mapping merged a second time adds nothing, and is skipped.
func TestMergeKeyBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("default_attributes:\n  m0: &m0 {clc: [h1], user-facing: [h1], clusters: {one: {cc: [h2], sc: [h2], nodes: [h3]}}}\n")
	for i := 1; i <= 8; i++ {
		b.WriteString("  m" + strconv.Itoa(i) + ": &m" + strconv.Itoa(i) + " {<<: [")
		for j := range 16 {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*m" + strconv.Itoa(i-1))
		}
		b.WriteString("]}\n")
	}
	b.WriteString("  eucalyptus:\n    topology: *m8\n")
	done := make(chan *calyptos.RoleBuilder, 1)
	go func() {
		rb, err := eucalyptus.Parse("e.yml", []byte(b.String()))
		assert.NoError(t, err)
		done <- rb
	}()
	select {
	case rb := <-done:
		require.NotNil(t, rb)
		assert.Equal(t, []string{"h1"}, rb.Hosts(eucalyptus.RoleCLC))
		assert.Equal(t, []string{"h3"}, rb.Hosts(eucalyptus.RoleNodeController))
	case <-time.After(10 * time.Second):
		t.Fatal("Parse of 16^8 merges of one mapping did not finish within 10s")
	}
}

// TestYAML11ScalarsDecideTruthiness: the original loads the file with
// PyYAML, a YAML 1.1 loader, for which yes/no/on/off are booleans and 0x0,
// 0b0 and 00 are the integer zero. yaml.v3 tags them as strings (or
// integers that strconv.ParseFloat refuses), and all of them counted as
// true: "init: no" made a monitor the bootstrap one, and "ceph: off" was
// read as a section.
func TestYAML11ScalarsDecideTruthiness(t *testing.T) {
	const euca = "  eucalyptus:\n    topology: {clc: [h1], user-facing: [h1], clusters: {one: {cc: [h2], sc: [h2], nodes: [h3]}}}\n"
	tests := []struct {
		name      string
		yaml      string
		bootstrap []string
		mons      []string
	}{
		{"init: no, then init: yes", "  ceph:\n    topology:\n      mons: [{ipaddr: m1, init: no}, {ipaddr: m2, init: yes}]\n      osds: [{ipaddr: o1}]\n", []string{"m2"}, []string{"m1", "m2"}},
		{"init: Off, then init: ON", "  ceph:\n    topology:\n      mons: [{ipaddr: m1, init: Off}, {ipaddr: m2, init: ON}]\n      osds: [{ipaddr: o1}]\n", []string{"m2"}, []string{"m1", "m2"}},
		{"init: 0x0, then init: 1", "  ceph:\n    topology:\n      mons: [{ipaddr: m1, init: 0x0}, {ipaddr: m2, init: 1}]\n      osds: [{ipaddr: o1}]\n", []string{"m2"}, []string{"m1", "m2"}},
		{"init: 0b0, then init: 0b1", "  ceph:\n    topology:\n      mons: [{ipaddr: m1, init: 0b0}, {ipaddr: m2, init: 0b1}]\n      osds: [{ipaddr: o1}]\n", []string{"m2"}, []string{"m1", "m2"}},
		{"quoted 'no' is a non-empty string", "  ceph:\n    topology:\n      mons: [{ipaddr: m1, init: 'no'}, {ipaddr: m2, init: yes}]\n      osds: [{ipaddr: o1}]\n", []string{"m1"}, []string{"m1", "m2"}},
		{"ceph: off is no section", "  ceph: off\n", nil, nil},
		{"riakcs_cluster: no is no section", "  riakcs_cluster: no\n", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rb, err := eucalyptus.Parse("e.yml", []byte("default_attributes:\n"+euca+tt.yaml))
			require.NoError(t, err)
			assert.Equal(t, tt.bootstrap, rb.Hosts(eucalyptus.RoleMonBootstrap))
			assert.Equal(t, tt.mons, rb.Hosts(eucalyptus.RoleCephMons))
		})
	}
}

// TestDuplicateKeysLastWins: a key written twice in one mapping is not
// valid YAML, but the original's loader (PyYAML) takes the last value, as
// Chef's does, and the original's roles follow. Lookup took the first
// value and Entries listed both, so the file below had clc h1 instead of
// h9 and two clusters named "one", with h2 and h3 in roles they do not
// hold for the original.
func TestDuplicateKeysLastWins(t *testing.T) {
	rb, err := eucalyptus.Parse("e.yml", []byte(`default_attributes:
  eucalyptus:
    topology:
      clc: [h1]
      user-facing: [h1]
      clusters:
        one: {cc: [h2], sc: [h2], nodes: [h3]}
        two: {cc: [h4], sc: [h4], nodes: [h5]}
        one: {cc: [h6], sc: [h6], nodes: [h7], nodes: [h8]}
      clc: [h9]
`))
	require.NoError(t, err)
	assert.Equal(t, []string{"h9"}, rb.Hosts(eucalyptus.RoleCLC))
	assert.Equal(t, []string{"h9"}, rb.Hosts(eucalyptus.RoleConfigureEucalyptus))
	assert.Equal(t, []string{"h4", "h6"}, rb.Hosts(eucalyptus.RoleClusterController))
	assert.Equal(t, []string{"h5", "h8"}, rb.Hosts(eucalyptus.RoleNodeController))
	assert.Equal(t, []string{"h1", "h4", "h5", "h6", "h8", "h9"}, rb.All())
	var names []string
	for _, c := range eucalyptus.Clusters(rb) {
		names = append(names, c.Name)
	}
	assert.Equal(t, []string{"one", "two"}, names)
	one, ok := eucalyptus.ClusterNamed(rb, "one")
	require.True(t, ok)
	assert.Equal(t, []string{"h6", "h8"}, one.Hosts())
	assert.Equal(t, 9, one.Pos.Line, "the cluster is declared where its last key is")

	topo := eucalyptus.Of(rb).Attr("eucalyptus", "topology")
	k, v := yamlx.Lookup(topo, "clc")
	require.NotNil(t, k)
	assert.Equal(t, 10, k.Line)
	assert.Equal(t, "h9", v.Content[0].Value)
	var keys []string
	for _, e := range yamlx.Entries(eucalyptus.Of(rb).Attr("eucalyptus", "topology", "clusters")) {
		keys = append(keys, e.Key.Value)
	}
	assert.Equal(t, []string{"two", "one"}, keys, "each key once, where it is last written")
}

// TestEntriesOfLargeMappings covers the map-based paths Entries takes for
// mappings of more than 16 keys: a key set twice keeps its last value, and
// a merged mapping adds only the keys not set.
func TestEntriesOfLargeMappings(t *testing.T) {
	var b strings.Builder
	b.WriteString("base: &base {")
	for i := range 40 {
		b.WriteString("b" + strconv.Itoa(i) + ": base, ")
	}
	b.WriteString("k3: base}\nm:\n  <<: *base\n")
	for i := range 40 {
		b.WriteString("  k" + strconv.Itoa(i) + ": first\n")
	}
	b.WriteString("  k7: last\n  b5: own\n")
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(b.String()), &doc))
	m := yamlx.Resolve(yamlx.Entries(&doc)[1].Value)
	got := map[string]string{}
	for _, e := range yamlx.Entries(m) {
		_, dup := got[e.Key.Value]
		require.False(t, dup, "key %s listed twice", e.Key.Value)
		got[e.Key.Value] = e.Value.Value
	}
	assert.Len(t, got, 80)
	assert.Equal(t, "last", got["k7"])
	assert.Equal(t, "first", got["k3"])
	assert.Equal(t, "own", got["b5"])
	assert.Equal(t, "base", got["b6"])
	_, v := yamlx.Lookup(m, "k7")
	assert.Equal(t, "last", v.Value)
}

// TestHostListedTwiceInACluster (found by FuzzParse): SortHosts
// sorted a cluster's host list in place and cleared the slots its
// duplicates had left, and the same list then went into the role, so a
// node listed twice put an empty host into node-controller and all.
func TestHostListedTwiceInACluster(t *testing.T) {
	rb, err := eucalyptus.Parse("e.yml", []byte(`default_attributes:
  eucalyptus:
    topology:
      clc: [h1]
      user-facing: [h1]
      clusters:
        one: {cc: [h2, h2], sc: [h2], nodes: "n2 n1 n2"}
`))
	require.NoError(t, err)
	assert.Equal(t, []string{"n1", "n2"}, rb.Hosts(eucalyptus.RoleNodeController))
	assert.Equal(t, []string{"h2"}, rb.Hosts(eucalyptus.RoleClusterController))
	assert.Equal(t, []string{"h1", "h2", "n1", "n2"}, rb.All())
	one, ok := eucalyptus.ClusterNamed(rb, "one")
	require.True(t, ok)
	assert.Equal(t, []string{"n1", "n2"}, one.Nodes)
}

// TestLookupOfAnEmptyRole: every role of the format is in a parsed
// file's RoleBuilder, so Lookup finds it even when the file leaves it empty.
func TestLookupOfAnEmptyRole(t *testing.T) {
	rb, err := eucalyptus.Load("../testdata/edge.yml")
	require.NoError(t, err)
	hs, err := rb.Lookup(eucalyptus.RoleCassandra)
	require.NoError(t, err)
	assert.Empty(t, hs)
}

func TestRestrict(t *testing.T) {
	rb := eucalyptus.NewRoleBuilder(map[string][]string{"web": {"10.0.0.1", "10.0.0.2"}, "db": {"10.0.0.3"}},
		eucalyptus.Cluster{Name: "one", CC: []string{"10.0.0.3"}, Nodes: []string{"10.0.0.2", "10.0.0.4"}})
	lim := rb.Restrict([]string{"10.0.0.2", "10.0.0.3"})
	assert.Equal(t, []string{"10.0.0.2"}, lim.Hosts("web"))
	assert.Equal(t, []string{"10.0.0.2", "10.0.0.3"}, lim.All())
	assert.Equal(t, []string{"10.0.0.2"}, eucalyptus.Clusters(lim)[0].Nodes)
	assert.Equal(t, rb.Identity(), lim.Identity(), "a limited run compares with the whole deployment's")
	assert.Equal(t, rb.RoleNames(), lim.RoleNames())
}
