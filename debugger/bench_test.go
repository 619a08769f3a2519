package debugger

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/eucalyptus"
)

// refusingDialer refuses every end-user dial without touching the network.
type refusingDialer struct{}

func (refusingDialer) DialContext(context.Context, string, string) (net.Conn, error) {
	return nil, errors.New("connect: connection refused")
}

// bigCloud returns a deployment of n hosts: a CLC, a second user-facing
// host, then clusters of one CC/SC host and 48 NCs.
func bigCloud(n int) *calyptos.RoleBuilder {
	name := func(i int) string { return fmt.Sprintf("10.%d.%d.%d", i/65536, i/256%256, i%256+1) }
	rb := map[string][]string{
		eucalyptus.RoleCLC:        {name(0)},
		eucalyptus.RoleUserFacing: {name(0), name(1)},
		eucalyptus.RoleWalrus:     {name(1)},
	}
	var clusters []eucalyptus.Cluster
	for i := 2; i < n; {
		c := eucalyptus.Cluster{Name: fmt.Sprintf("zone-%d", len(clusters)), CC: []string{name(i)}, SC: []string{name(i)}}
		i++
		for j := 0; j < 48 && i < n; j++ {
			c.Nodes = append(c.Nodes, name(i))
			i++
		}
		clusters = append(clusters, c)
	}
	return eucalyptus.NewRoleBuilder(rb, clusters...)
}

// BenchmarkDefault500Hosts runs every built-in debugger over 500 healthy
// EL7 hosts on the fake executor: the cost of the library itself
// (fan-out, parsing, reporting), without any network. Sosreports are
// skipped (no artifacts directory) and the multicast test is off, as by
// default.
func BenchmarkDefault500Hosts(b *testing.B) {
	rb := bigCloud(500)
	if n := len(rb.All()); n != 500 {
		b.Fatalf("%d hosts", n)
	}
	e := calyptostest.NewExecutor(nil)
	scriptDistro(b, e, "", "centos7")
	ds := testDefault(refusingDialer{})
	b.ReportAllocs()
	for b.Loop() {
		rep, err := calyptos.RunDebuggers(context.Background(), rb, e, ds, calyptos.RunOptions{})
		if err != nil || rep.Totals.Fail != 2 { // the two refused end-user dials
			b.Fatalf("err %v, %d failures", err, rep.Totals.Fail)
		}
	}
}
