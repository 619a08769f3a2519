package validator_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/org/calyptos"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/validator"
)

// bigEnvironment generates an EDGE environment of nodes node controllers,
// one cluster per 50 nodes, each with its own /24 subnet in config-json.
func bigEnvironment(nodes int) []byte {
	var b strings.Builder
	b.WriteString(`name: big
description: generated
default_attributes:
  eucalyptus:
    eucalyptus-repo: http://repo.example.com/eucalyptus/
    euca2ools-repo: http://repo.example.com/euca2ools/
    nc: {max-cores: 32, cache-size: 10000, work-size: 50000}
    topology:
      clc: [10.0.0.10]
      user-facing: [10.0.0.11]
      objectstorage: {providerclient: walrus, walrusbackend: [10.0.0.12]}
      clusters:
`)
	clusters := (nodes + 49) / 50
	for c := range clusters {
		fmt.Fprintf(&b, "        zone-%d:\n          cc: [10.1.%d.1]\n          sc: [10.1.%d.2]\n          storage-backend: das\n          das-device: vg01\n          nodes:\n", c, c, c)
		for n := c * 50; n < min(nodes, (c+1)*50); n++ {
			fmt.Fprintf(&b, "            - 10.%d.%d.%d\n", 2+n/65536, (n/256)%256, n%256)
		}
	}
	b.WriteString(`    network:
      mode: EDGE
      bridge-interface: br0
      config-json:
        InstanceDnsServers: [10.0.0.10]
        PublicIps: [198.51.100.1-198.51.100.250, 203.0.113.1-203.0.113.250]
        Clusters:
`)
	for c := range clusters {
		fmt.Fprintf(&b, "          - Name: zone-%d\n            PrivateIps: [172.16.%d.10-172.16.%d.200]\n            Subnet: {Name: 172.16.%d.0, Subnet: 172.16.%d.0, Netmask: 255.255.255.0, Gateway: 172.16.%d.1}\n", c, c, c, c, c, c)
	}
	b.WriteString("override_attributes: {}\ncookbook_versions: {}\n")
	return []byte(b.String())
}

// BenchmarkOffline5000 parses a 5,000-node environment, derives its roles
// and runs every offline validator of Default over it.
func BenchmarkOffline5000(b *testing.B) {
	data := bigEnvironment(5000)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		rb, err := eucalyptus.Parse("big.yml", data)
		if err != nil {
			b.Fatal(err)
		}
		rep, err := calyptos.RunValidators(context.Background(), rb, validator.Default(), calyptos.RunOptions{Skip: []string{"repos", "pinghosts"}})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Totals.Fail != 0 || rep.Totals.Warn != 0 {
			b.Fatalf("generated environment has problems: %+v", rep.Findings()[:min(5, len(rep.Findings()))])
		}
	}
}

// TestBigEnvironmentIsClean keeps the benchmark's input honest.
func TestBigEnvironmentIsClean(t *testing.T) {
	rb, err := eucalyptus.Parse("big.yml", bigEnvironment(500))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := calyptos.RunValidators(context.Background(), rb, validator.Offline(), calyptos.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings() {
		if f.Status == calyptos.Fail || f.Status == calyptos.Warn {
			t.Errorf("%s: %s", f.Check, f.Message)
		}
	}
	if got := len(rb.Hosts(eucalyptus.RoleNodeController)); got != 500 {
		t.Errorf("%d node controllers, want 500", got)
	}
}

// BenchmarkOffline5000ValidatorsOnly is BenchmarkOffline5000 without the
// parse: what the validators themselves cost.
func BenchmarkOffline5000ValidatorsOnly(b *testing.B) {
	rb, err := eucalyptus.Parse("big.yml", bigEnvironment(5000))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := calyptos.RunValidators(context.Background(), rb, validator.Offline(), calyptos.RunOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
