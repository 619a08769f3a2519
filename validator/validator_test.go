package validator_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/validator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// finding is what a test expects: status, host and exact message.
type finding struct {
	Status calyptos.Status
	Host   string
	Msg    string
}

func fail(msg string) finding         { return finding{calyptos.Fail, "", msg} }
func warn(msg string) finding         { return finding{calyptos.Warn, "", msg} }
func failOn(host, msg string) finding { return finding{calyptos.Fail, host, msg} }
func warnOn(host, msg string) finding { return finding{calyptos.Warn, host, msg} }
func pass(msg string) finding         { return finding{calyptos.Pass, "", msg} }
func info(msg string) finding         { return finding{calyptos.Info, "", msg} }
func passOn(host, msg string) finding { return finding{calyptos.Pass, host, msg} }
func skipped(msg string) finding      { return finding{calyptos.Skip, "", msg} }
func td(name string) string           { return filepath.Join("testdata", name) }
func goodFile(name string) string     { return filepath.Join("..", "testdata", name) }
func load(t testing.TB, path string) *calyptos.RoleBuilder {
	t.Helper()
	rb, err := eucalyptus.Load(path)
	require.NoError(t, err)
	return rb
}

// run runs one validator and returns its result.
func run(t testing.TB, v calyptos.Validator, rb *calyptos.RoleBuilder) *calyptos.CheckResult {
	t.Helper()
	rep, err := calyptos.RunValidators(context.Background(), rb, []calyptos.Validator{v}, calyptos.RunOptions{})
	require.NoError(t, err)
	calyptostest.RequireHints(t, rep)
	res := rep.Check(v.Name())
	require.NotNil(t, res)
	return res
}

// of returns the findings of res with one of the statuses.
func of(res *calyptos.CheckResult, sts ...calyptos.Status) []finding {
	var out []finding
	for _, f := range res.Findings {
		for _, s := range sts {
			if f.Status == s {
				out = append(out, finding{f.Status, f.Host, f.Text()})
			}
		}
	}
	return out
}

// problems returns the failures and warnings of res.
func problems(res *calyptos.CheckResult) []finding { return of(res, calyptos.Fail, calyptos.Warn) }

// fileCase is one environment file and the exact failures and warnings
// one validator must report for it, plus findings of other statuses that
// must be among its findings.
type fileCase struct {
	file string
	want []finding // every Fail and Warn finding, exactly
	also []finding // findings (any status) that must be present
}

func runCases(t *testing.T, v calyptos.Validator, cases []fileCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(strings.TrimSuffix(filepath.Base(tc.file), ".yml"), func(t *testing.T) {
			res := run(t, v, load(t, tc.file))
			assert.ElementsMatch(t, tc.want, problems(res), "failures and warnings of %s", tc.file)
			all := of(res, calyptos.Pass, calyptos.Warn, calyptos.Fail, calyptos.Info, calyptos.Skip)
			for _, f := range tc.also {
				assert.Contains(t, all, f)
			}
			for _, f := range res.Findings {
				assert.Equal(t, v.Name(), f.Check)
			}
		})
	}
}

// TestGoodFilesHaveNoFailures runs every offline validator over the
// example environment files of the repository.
func TestGoodFilesHaveNoFailures(t *testing.T) {
	for _, f := range []string{"edge.yml", "vpc.yml", "legacy.yml", "storage-clusters.yml"} {
		t.Run(f, func(t *testing.T) {
			rb := load(t, goodFile(f))
			rep, err := calyptos.RunValidators(context.Background(), rb, validator.Offline(), calyptos.RunOptions{})
			require.NoError(t, err)
			calyptostest.RequireHints(t, rep)
			for _, fd := range rep.Findings() {
				assert.NotEqual(t, calyptos.Fail, fd.Status, "%s: %s", fd.Check, fd.Message)
			}
			assert.Len(t, rep.Checks, 7)
			assert.Positive(t, rep.Totals.Pass)
		})
	}
}

func TestDefaultOrderAndNames(t *testing.T) {
	var names []string
	for _, v := range validator.Default() {
		names = append(names, v.Name())
	}
	assert.Equal(t, []string{"structure", "topology", "hosts", "network", "storage", "nc", "vpc", "repos", "pinghosts"}, names)
	var offline []string
	for _, v := range validator.Offline() {
		offline = append(offline, v.Name())
	}
	assert.Equal(t, names[:7], offline)
	// Fresh values: changing one list does not change the next.
	d := validator.Default()
	d[8].(*validator.PingHosts).Port = 2222
	assert.Zero(t, validator.Default()[8].(*validator.PingHosts).Port)
}

// TestNoEnvironmentSkips checks that offline validators and repos skip
// when the RoleBuilder was built from a plain role map.
func TestNoEnvironmentSkips(t *testing.T) {
	rb := calyptos.NewRoleBuilder(map[string][]string{eucalyptus.RoleCLC: {"127.0.0.1"}})
	for _, v := range append(validator.Offline(), &validator.Repos{}) {
		t.Run(v.Name(), func(t *testing.T) {
			res := run(t, v, rb)
			assert.Equal(t, []finding{skipped("no environment file: the roles were not read from one")}, of(res, calyptos.Pass, calyptos.Warn, calyptos.Fail, calyptos.Info, calyptos.Skip))
		})
	}
}

// TestMissingSections runs every offline validator over a file with no
// eucalyptus section: nothing panics and nothing but structure fails.
func TestMissingSections(t *testing.T) {
	rb, err := eucalyptus.Parse("bare.yml", []byte("name: bare\ndescription: only zookeeper\ndefault_attributes:\n  zookeeper: {topology: [192.0.2.40]}\n"))
	require.NoError(t, err)
	rep, err := calyptos.RunValidators(context.Background(), rb, validator.Offline(), calyptos.RunOptions{})
	require.NoError(t, err)
	var fails []string
	for _, f := range rep.Findings() {
		assert.NotContains(t, f.Message, "panicked")
		if f.Status == calyptos.Fail {
			fails = append(fails, f.Check+": "+f.Text())
		}
	}
	assert.Equal(t, []string{"structure: bare.yml:3:1: missing required key default_attributes.eucalyptus"}, fails)
	calyptostest.RequireHints(t, rep)
	assert.Equal(t, []calyptos.Finding{{Check: "topology", Status: calyptos.Skip, Message: "no eucalyptus topology in the file", ID: "topology/no-eucalyptus-topology-in-the-file"}}, rep.Check("topology").Findings)
}

func TestStructure(t *testing.T) {
	runCases(t, validator.Structure{}, []fileCase{
		{file: goodFile("legacy.yml"), also: []finding{pass("../testdata/legacy.yml matches the environment schema (legacy topology form)")}},
		{file: goodFile("vpc.yml"), also: []finding{pass("../testdata/vpc.yml matches the environment schema (lists topology form)")}},
		{file: td("structure-sections.yml")},
		{file: td("structure-anchors.yml")},
		{file: td("structure-missing.yml"), want: []finding{
			fail("testdata/structure-missing.yml:1:1: missing required key name"),
			fail("testdata/structure-missing.yml:3:3: missing required key default_attributes.eucalyptus.eucalyptus-repo"),
			fail("testdata/structure-missing.yml:3:3: missing required key default_attributes.eucalyptus.euca2ools-repo"),
			fail("testdata/structure-missing.yml:9:5: missing required key default_attributes.eucalyptus.network.mode"),
			fail("testdata/structure-missing.yml:10:7: missing required key default_attributes.eucalyptus.network.config-json.PublicIps"),
			warn("testdata/structure-missing.yml:10:7: default_attributes.eucalyptus.network has no bridge-interface: the cookbook default (br0) applies"),
		}},
		{file: td("structure-types.yml"), want: []finding{
			fail("testdata/structure-types.yml:2:14: description: expected a string, found a list"),
			warn("testdata/structure-types.yml:3:1: unknown key colour"),
			fail(`testdata/structure-types.yml:8:19: default_attributes.eucalyptus.install-type must be one of packages, source, found "tarball"`),
			warn("testdata/structure-types.yml:9:5: unknown key default_attributes.eucalyptus.favourite-editor"),
			fail("testdata/structure-types.yml:18:15: default_attributes.eucalyptus.topology.riakcs.port: expected an integer, found a string"),
			fail("testdata/structure-types.yml:19:21: default_attributes.eucalyptus.topology.riakcs.secret-key: expected a string, found a list"),
			warn("testdata/structure-types.yml:25:11: unknown key default_attributes.eucalyptus.topology.clusters.one.flavour"),
			fail("testdata/structure-types.yml:27:28: default_attributes.eucalyptus.system-properties.one.storage.sanhost: expected a string, found a list"),
			fail("testdata/structure-types.yml:32:20: default_attributes.eucalyptus.network.config-json.PublicIps: expected a scalar or a list of them, found a mapping"),
			fail("testdata/structure-types.yml:33:22: override_attributes: expected a mapping, found a list"),
		}},
		{file: td("structure-booleans.yml"), want: []finding{
			fail("testdata/structure-booleans.yml:11:16: default_attributes.eucalyptus.topology.console: expected a host or a list of them, found a boolean"),
			fail("testdata/structure-booleans.yml:13:71: default_attributes.eucalyptus.topology.clusters.one.nodes[1]: expected host, found a boolean"),
		}},
		{file: td("structure-merges.yml"), want: []finding{
			warn("testdata/structure-merges.yml:9:5: unknown key default_attributes.eucalyptus.base"),
			fail("testdata/structure-merges.yml:11:11: default_attributes.eucalyptus.topology.<<: a merge key merges a mapping or a list of mappings, found a number"),
			fail("testdata/structure-merges.yml:15:27: default_attributes.eucalyptus.topology.clusters.one.<<[1]: a merge key merges a mapping or a list of mappings, found a list"),
		}},
		{file: td("structure-duplicates.yml"), want: []finding{
			warn("testdata/structure-duplicates.yml:2:1: name is set again at testdata/structure-duplicates.yml:19:1: the last value is used"),
			warn("testdata/structure-duplicates.yml:12:9: default_attributes.eucalyptus.topology.clusters.one is set again at testdata/structure-duplicates.yml:13:9: the last value is used"),
			warn("testdata/structure-duplicates.yml:9:7: default_attributes.eucalyptus.topology.clc is set again at testdata/structure-duplicates.yml:14:7: the last value is used"),
			warn("testdata/structure-duplicates.yml:15:15: default_attributes.eucalyptus.network.mode is set again at testdata/structure-duplicates.yml:15:53: the last value is used"),
			warn("testdata/structure-duplicates.yml:17:7: default_attributes.eucalyptus.system-properties.admin-password is set again at testdata/structure-duplicates.yml:18:7: the last value is used"),
		}, also: []finding{pass("testdata/structure-duplicates.yml matches the environment schema (lists topology form)")}},
		{file: td("structure-mixed.yml"), want: []finding{
			warn("testdata/structure-mixed.yml:13:7: default_attributes.eucalyptus.network has no bridge-interface: the cookbook default (br0) applies"),
			warn("testdata/structure-mixed.yml:8:7: default_attributes.eucalyptus.topology mixes the legacy form (clc-1, cc-1, sc-1, walrus) with the list form (clc, cc, sc, objectstorage)"),
		}, also: []finding{pass("testdata/structure-mixed.yml matches the environment schema (mixed topology form)")}},
	})
}

// TestNeverShowsSecrets runs the offline validators over files with
// secret attributes (some of the wrong type). The core would redact an
// echoed secret to [REDACTED]; no finding may need that.
func TestNeverShowsSecrets(t *testing.T) {
	for _, f := range []string{"structure-types.yml", "storage-bad.yml", "storage-good.yml", "structure-duplicates.yml"} {
		rep, err := calyptos.RunValidators(context.Background(), load(t, td(f)), validator.Offline(), calyptos.RunOptions{})
		require.NoError(t, err)
		calyptostest.RequireHints(t, rep)
		for _, fd := range rep.Findings() {
			assert.NotContains(t, fd.Message, "hunter2", "%s %s", f, fd.Check)
			assert.NotContains(t, fd.Message, "[REDACTED]", "%s %s", f, fd.Check)
		}
	}
}

func TestTopology(t *testing.T) {
	runCases(t, validator.Topology{}, []fileCase{
		{file: goodFile("edge.yml"), also: []finding{
			pass("cluster zone-a has 1 cluster controller, 1 storage controller and 2 node controllers"),
			pass("no host is in more than one of the 2 clusters"),
		}},
		{file: td("topology-dup.yml"), want: []finding{
			failOn("192.0.2.21", "testdata/topology-dup.yml:9:59: host 192.0.2.21 is in 2 clusters: one, two"),
			failOn("192.0.2.22", "testdata/topology-dup.yml:9:71: host 192.0.2.22 is in 2 clusters: one, two"),
		}},
		// Addresses compare as addresses: hosts compared by their text
		// took one IPv6 address written in two ways for two hosts.
		{file: td("topology-ipv6.yml"), want: []finding{
			failOn("2001:db8::20", "testdata/topology-ipv6.yml:9:21: host 2001:db8::20 is in 2 clusters: one, two"),
		}},
		{file: td("topology-storage.yml"), want: []finding{
			fail("testdata/topology-storage.yml:9:7: the topology has both walrus and riakcs: object storage is one or the other"),
			fail("testdata/topology-storage.yml:9:7: topology.riakcs has no value for secret-key"),
		}},
		{file: td("topology-provider.yml"), want: []finding{
			warn(`testdata/topology-provider.yml:8:22: object storage provider "swift" is not one Eucalyptus ships (walrus, riakcs, ceph-rgw)`),
		}},
	})
}

func TestHosts(t *testing.T) {
	runCases(t, validator.Hosts{}, []fileCase{
		{file: goodFile("storage-clusters.yml"), also: []finding{pass("all 14 hosts are IP addresses or DNS names")}},
		{file: td("hosts-bad.yml"), want: []finding{
			failOn("0.0.0.0", `testdata/hosts-bad.yml:12:32: invalid host "0.0.0.0": not an IP address or DNS name: 0.0.0.0 is not a unicast address`),
			failOn("192.0.2.20:99999", `testdata/hosts-bad.yml:11:17: invalid host "192.0.2.20:99999": invalid host: "192.0.2.20:99999": port "99999" is not a number from 1 to 65535`),
			failOn("nc2-.example.net", `testdata/hosts-bad.yml:12:60: invalid host "nc2-.example.net": not an IP address or DNS name: "nc2-.example.net": a label cannot start or end with '-'`),
			failOn("192.0.2.300", `testdata/hosts-bad.yml:12:19: invalid host "192.0.2.300": not an IP address or DNS name: "192.0.2.300": looks like an IP address but is not a valid one`),
			failOn("cc_1.example.net", `testdata/hosts-bad.yml:10:16: invalid host "cc_1.example.net": not an IP address or DNS name: "cc_1.example.net": '_' is not allowed in a DNS name`),
		}},
		{file: td("hosts-nc-front.yml"), want: []finding{
			warnOn("127.0.0.1", "testdata/hosts-nc-front.yml:9:20: host 127.0.0.1 is a loopback address: the other 4 hosts cannot reach it"),
			warnOn("192.0.2.10", "testdata/hosts-nc-front.yml:6:13: node controller 192.0.2.10 is also the cloud controller and user-facing services host: only a single-host cloud-in-a-box should run instances beside the front end"),
			warnOn("192.0.2.11", "testdata/hosts-nc-front.yml:7:33: node controller 192.0.2.11 is also the user-facing services host: only a single-host cloud-in-a-box should run instances beside the front end"),
		}},
		{file: td("hosts-ciab.yml"), also: []finding{info("single-host cloud-in-a-box: every Eucalyptus component is on 192.0.2.10")}},
	})
}

func TestCheckHost(t *testing.T) {
	for _, tc := range []struct {
		host string
		ok   bool
	}{
		{"192.0.2.1", true}, {"192.0.2.1:22", true}, {"2001:db8::1", true}, {"[2001:db8::1]:2222", true},
		{"nc-1.example.net", true}, {"localhost", true}, {"nc-1.example.net.", true}, {"NC1", true},
		{"", false}, {"192.0.2.256", false}, {"10.1.1", false}, {"a..b", false}, {"a_b", false},
		{"-a", false}, {"a-", false}, {strings.Repeat("a", 64) + ".net", false}, {"::", false},
		{"224.0.0.1", false}, {"255.255.255.255", false}, {"host:0", false}, {"[::1", false}, {"a b", false},
	} {
		err := validator.CheckHost(tc.host)
		assert.Equal(t, tc.ok, err == nil, "%q: %v", tc.host, err)
	}
}

func TestNetwork(t *testing.T) {
	runCases(t, validator.Network{}, []fileCase{
		{file: goodFile("edge.yml"), also: []finding{
			pass("PublicIps: 1 range, 51 addresses, no overlap"),
			pass("cluster zone-b: subnet 192.0.2.0/24, gateway 192.0.2.1, 1 private range inside it"),
		}},
		{file: goodFile("storage-clusters.yml"), want: []finding{
			warn("../testdata/storage-clusters.yml:47:7: network mode EDGE but no config-json: instances cannot start until a network configuration (PublicIps, Clusters) is uploaded"),
		}},
		{file: td("structure-sections.yml"), also: []finding{skipped("network mode MANAGED-NOVLAN does not use config-json")}},
		{file: td("network-mode-case.yml"), want: []finding{
			fail(`testdata/network-mode-case.yml:11:13: network mode "edge" must be written "EDGE"`),
		}},
		{file: td("network-mode-unknown.yml"), want: []finding{
			fail(`testdata/network-mode-unknown.yml:11:13: network mode "STATIC" is not one Eucalyptus knows (EDGE, VPCMIDO, MANAGED, MANAGED-NOVLAN)`),
		}},
		{file: td("structure-missing.yml"), want: []finding{
			fail("testdata/structure-missing.yml:10:7: missing required key default_attributes.eucalyptus.network.mode"),
		}},
		{file: td("network-ranges.yml"), want: []finding{
			fail(`testdata/network-ranges.yml:15:13: PublicIps[0]: invalid IP range: "198.51.100.20-198.51.100.10" is reversed: 198.51.100.20 comes after 198.51.100.10`),
			fail(`testdata/network-ranges.yml:18:13: PublicIps[3]: invalid IP range: "198.51.100.300": "198.51.100.300" is not an IP address`),
			fail(`testdata/network-ranges.yml:20:13: PublicIps[5]: invalid IP range: "203.0.113.0/28": CIDR notation is not accepted here, write first-last`),
			fail("testdata/network-ranges.yml:17:13: PublicIps ranges 198.51.100.1-198.51.100.5 and 198.51.100.4 overlap"),
			fail(`testdata/network-ranges.yml:13:42: InstanceDnsServers[1] "dns.example.net" is not an IP address`),
			fail("testdata/network-ranges.yml:19:13: PublicIps range 192.0.2.50-192.0.2.60 overlaps the subnet 192.0.2.0/24 of cluster one"),
		}},
		{file: td("network-subnets.yml"), want: []finding{
			fail("testdata/network-subnets.yml:22:73: config-json cluster one: Gateway 10.9.0.1 is not inside the subnet 10.1.0.0/24"),
			fail("testdata/network-subnets.yml:24:26: cluster two: PrivateIps range 10.2.0.1-10.2.0.20 includes the gateway 10.2.0.1"),
			fail("testdata/network-subnets.yml:24:46: cluster two: PrivateIps range 10.2.0.200-10.2.1.10 is not inside its subnet 10.2.0.0/24"),
			fail("testdata/network-subnets.yml:27:30: config-json cluster three: Subnet 10.3.0.5 is not the network address of netmask 255.255.255.0 (that is 10.3.0.0)"),
			fail("testdata/network-subnets.yml:29:49: config-json cluster four: netmask 255.0.255.0 is not a contiguous mask"),
			fail("testdata/network-subnets.yml:34:73: config-json cluster six: Gateway 10.6.0.255 is the network or broadcast address of 10.6.0.0/24"),
			warn("testdata/network-subnets.yml:31:26: PrivateIps range 10.2.0.15-10.2.0.30 of cluster five overlaps range 10.2.0.1-10.2.0.20 of cluster two"),
		}},
		{file: td("network-clusters.yml"), want: []finding{
			fail(`testdata/network-clusters.yml:14:15: config-json Mode "VPCMIDO" differs from network mode "EDGE"`),
			fail(`testdata/network-clusters.yml:19:19: config-json cluster "three" is not a cluster of the topology`),
			fail(`testdata/network-clusters.yml:16:9: topology cluster "two" has no entry in config-json.Clusters`),
		}},
		{file: td("structure-types.yml"), want: []finding{
			fail("testdata/structure-types.yml:32:9: config-json.PublicIps: expected a list of addresses and ranges, found a mapping"),
			fail("testdata/structure-types.yml:31:7: missing required key default_attributes.eucalyptus.network.config-json.Clusters: EDGE needs each cluster's subnet"),
		}},
	})
}

func TestStorage(t *testing.T) {
	runCases(t, validator.Storage{}, []fileCase{
		{file: goodFile("edge.yml"), also: []finding{pass("cluster zone-b: storage-backend ceph-rbd is configured")}},
		{file: td("storage-good.yml"), also: []finding{
			pass("cluster na: storage-backend netapp is configured"),
			pass("cluster tp: storage-backend threepar is configured"),
			pass("cluster eq: storage-backend equallogic is configured"),
			pass("cluster dp: storage-backend das is configured"),
			info("cluster rb: ceph-rbd properties not set (rb.storage.cephconfigfile, rb.storage.cephkeyringfile, rb.storage.cephsnapshotpools, rb.storage.cephuser, rb.storage.cephvolumepools): Eucalyptus defaults and the ceph section apply"),
		}},
		{file: td("storage-bad.yml"), want: []finding{
			fail(`testdata/storage-bad.yml:9:87: cluster a: storage-backend "DAS" is not one Eucalyptus supports (ceph-rbd, das, emc-vnx, equallogic, netapp, overlay, threepar); did you mean das?`),
			fail("testdata/storage-bad.yml:10:87: cluster b: storage-backend das needs a das-device (the volume group or block device for volumes)"),
			fail("testdata/storage-bad.yml:11:87: cluster c: storage-backend netapp needs the system properties c.storage.chapuser, c.storage.ncpaths, c.storage.scpaths, c.storage.sanuser"),
			warn("testdata/storage-bad.yml:11:87: cluster c: storage-backend netapp usually needs c.storage.vservername (clustered Data ONTAP)"),
			fail(`testdata/storage-bad.yml:12:87: cluster d: storage-backend "not-das" is not one Eucalyptus supports (ceph-rbd, das, emc-vnx, equallogic, netapp, overlay, threepar)`),
			fail("testdata/storage-bad.yml:13:87: cluster e: storage-backend ceph-rbd needs the system properties e.storage.cephconfigfile, e.storage.cephkeyringfile, e.storage.cephsnapshotpools, e.storage.cephvolumepools"),
			warn("testdata/storage-bad.yml:14:9: cluster f has no storage-backend: its storage controller stays unconfigured until f.storage.blockstoragemanager is set"),
			warn("testdata/storage-bad.yml:16:7: system property zzz.storage.sanhost names no cluster of the topology"),
		}},
	})
	assert.Equal(t, []string{"ceph-rbd", "das", "emc-vnx", "equallogic", "netapp", "overlay", "threepar"}, validator.StorageBackends())
}

func TestNC(t *testing.T) {
	runCases(t, validator.NC{}, []fileCase{
		{file: goodFile("edge.yml"), also: []finding{pass("node controller sizing is valid, max-cores 16")}},
		{file: goodFile("vpc.yml"), also: []finding{skipped("no eucalyptus.nc section: Eucalyptus sizes node controllers itself")}},
		{file: td("nc-zero.yml"), also: []finding{
			info("nc.max-cores is 0: Eucalyptus chooses the value"),
			pass("node controller sizing is valid, work-size 50000"),
		}},
		{file: td("nc-bad.yml"), want: []finding{
			fail("testdata/nc-bad.yml:11:18: nc.max-cores must not be negative, found -2"),
			fail(`testdata/nc-bad.yml:12:19: nc.cache-size must be a whole number, found "lots"`),
			fail(`testdata/nc-bad.yml:13:18: nc.work-size must be a whole number, found "1.5"`),
		}},
		{file: td("nc-cache.yml"), want: []finding{
			fail("testdata/nc-cache.yml:12:19: nc.cache-size (20000 MB) is larger than nc.work-size (10000 MB)"),
		}},
		{file: td("nc-type.yml"), want: []finding{
			fail("testdata/nc-type.yml:10:5: default_attributes.eucalyptus.nc: expected a mapping, found a list"),
		}},
	})
}

func TestVPC(t *testing.T) {
	runCases(t, validator.VPC{}, []fileCase{
		{file: goodFile("edge.yml"), also: []finding{skipped("network mode is EDGE, not VPCMIDO: no VPC to check")}},
		{file: goodFile("vpc.yml"), also: []finding{
			passOn("192.0.2.50", "MidoNet gateway 192.0.2.50"),
			pass("config-json.Mido gateway gw-1.example.net (198.51.100.2)"),
			pass("midokura.midolman-host-mapping covers the cloud controller and 2 node controllers"),
			pass("midokura.zookeepers: 1 server"),
		}},
		{file: td("vpc-older.yml"), also: []finding{
			pass("config-json.Mido.GatewayHost: gw-1.example.net"),
			pass("zookeeper: 192.0.2.40"),
			pass("cassandra: 192.0.2.40"),
		}},
		{file: td("vpc-bad.yml"), want: []finding{
			fail("testdata/vpc-bad.yml:12:71: midonet gateway 192.0.2.50: ExternalIp 198.51.100.200 is not inside ExternalCidr 198.51.100.0/28"),
			warn("testdata/vpc-bad.yml:23:11: config-json.Mido has both GatewayHost and Gateways: Eucalyptus uses Gateways"),
			fail("testdata/vpc-bad.yml:25:15: config-json.Mido.Gateways[0] has no GatewayInterface"),
			warn("testdata/vpc-bad.yml:17:9: eucalyptus.midonet.midolman-host-mapping: extra.example.net (192.0.2.99) is not a cloud controller, node controller or MidoNet gateway"),
			failOn("192.0.2.22", "testdata/vpc-bad.yml:13:7: node controller 192.0.2.22 is not in eucalyptus.midonet.midolman-host-mapping: midolman must run on it"),
			fail(`testdata/vpc-bad.yml:27:18: midokura.zookeepers[0] "192.0.2.40" is not of the form host:port`),
			fail("testdata/vpc-bad.yml:28:5: midokura.cassandras: expected a list of hosts, found a string"),
		}},
		// Each bad entry is reported, with its own index and line: the
		// index and line were those of the list's n-th entry once empty
		// and non-scalar entries were dropped, which were not reported.
		{file: td("vpc-cassandras.yml"), want: []finding{
			fail("testdata/vpc-cassandras.yml:21:9: midokura.cassandras[0]: expected a host, found nothing (null)"),
			fail("testdata/vpc-cassandras.yml:22:9: midokura.cassandras[1]: expected a host, found a mapping"),
			fail(`testdata/vpc-cassandras.yml:23:9: midokura.cassandras[2] "bad host!" is not a host`),
		}},
		{file: td("vpc-no-nsdb.yml"), want: []finding{
			warn("testdata/vpc-no-nsdb.yml:18:5: midokura.midolman-host-mapping differs from eucalyptus.midonet.midolman-host-mapping; the cookbook reads the latter"),
			warn("no zookeeper hosts (midokura.zookeepers or zookeeper.topology): MidoNet needs its NSDB, unless it is run elsewhere"),
			warn("no cassandra hosts (midokura.cassandras or cassandra.topology): MidoNet needs its NSDB, unless it is run elsewhere"),
		}},
	})
}
