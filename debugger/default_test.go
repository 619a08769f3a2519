package debugger

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/eucalyptus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// loopbackDialer dials a 127.0.0.1 address whatever address it is asked
// for, and records what it was asked: tests never dial anything else.
type loopbackDialer struct {
	target string
	mu     sync.Mutex
	asked  []string
}

func (d *loopbackDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	d.mu.Lock()
	d.asked = append(d.asked, address)
	d.mu.Unlock()
	var nd net.Dialer
	return nd.DialContext(ctx, network, d.target)
}

// listener starts a 127.0.0.1 TCP listener that accepts and closes
// connections, and returns its address.
func loopbackListener(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	return l.Addr().String()
}

// closedPort returns a 127.0.0.1 address nothing listens on.
func closedPort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// dialer is what the tests' dialers are, as *net.Dialer is.
type dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// testDefault returns Default() with the end-user dial redirected to d.
func testDefault(d dialer) []calyptos.Debugger {
	ds := Default()
	for _, x := range ds {
		if vn, ok := x.(*VerifyNetworking); ok {
			vn.DialContext = d.DialContext
		}
	}
	return ds
}

func TestDefaultOrderAndNames(t *testing.T) {
	var names []string
	for _, d := range Default() {
		names = append(names, d.Name())
	}
	assert.Equal(t, []string{
		"check_ports", "component_storage_check", "debug_cloud_controller", "debug_cluster_controller",
		"debug_compute_req", "debug_node_controller", "eucalyptus_sosreports", "file_permissions",
		"verify_component_networking", "verify_networking",
	}, names)
	assert.True(t, slices.IsSorted(names), "the original ran its debuggers in alphabetical order")
	assert.NotSame(t, Default()[0], Default()[0], "Default returns fresh instances")
}

// runDefault runs Default() over rb with e, collecting artifacts into a
// temporary directory.
func runDefault(t testing.TB, rb *calyptos.RoleBuilder, e calyptos.Executor, opts calyptos.RunOptions) *calyptos.Report {
	t.Helper()
	if opts.ArtifactsDir == "" {
		opts.ArtifactsDir = t.TempDir()
	}
	rep, err := calyptos.RunDebuggers(context.Background(), rb, e, testDefault(&loopbackDialer{target: loopbackListener(t)}), opts)
	require.NoError(t, err)
	calyptostest.RequireHints(t, rep)
	return rep
}

func TestDefaultHealthyEL7EdgeHasNoFailure(t *testing.T) {
	rb := edge(t)
	e := calyptostest.NewExecutor(t)
	scriptDistro(t, e, "", "centos7")
	rep := runDefault(t, rb, e, calyptos.RunOptions{})

	calyptostest.NoFailures(t, rep)
	calyptostest.NoFinding(t, rep, calyptostest.Match{Status: calyptos.Warn})
	require.Len(t, rep.Checks, 10)
	for _, c := range rep.Checks {
		assert.NotEmpty(t, c.Findings, c.Name)
		assert.Positive(t, c.Counts.Pass+c.Counts.Skip, c.Name)
	}
	// Every host was checked by every debugger that targets it.
	for _, h := range rb.All() {
		calyptostest.HasFinding(t, rep, calyptostest.Match{Check: "debug_compute_req", Host: h, Status: calyptos.Pass, Message: "Operating system supported: CentOS Linux 7"})
	}
	calyptostest.HasFinding(t, rep, calyptostest.Match{Check: "verify_component_networking", Status: calyptos.Skip, Message: "set AllowSideEffects"})
	assert.Len(t, rep.Check("eucalyptus_sosreports").Artifacts, len(eucalyptus.ComponentHosts(rb)))
	assert.NotEmpty(t, rep.Probes())
}

// TestDefaultOneFanOutPerFact shows that a debug run makes at most one
// Run call per host per distinct command: every fact is gathered once, in
// one fan-out, however many checks read it.
func TestDefaultOneFanOutPerFact(t *testing.T) {
	rb := edge(t)
	e := calyptostest.NewExecutor(t)
	scriptDistro(t, e, "", "centos7")
	runDefault(t, rb, e, calyptos.RunOptions{})

	perHost := map[string]int{}
	seen := map[[2]string]int{}
	runs, fetches := 0, 0
	for _, c := range e.Calls() {
		if c.Fetch {
			fetches++
			continue
		}
		runs++
		perHost[c.Host]++
		seen[[2]string{c.Host, c.Command}]++
	}
	for k, n := range seen {
		assert.Equal(t, 1, n, "command run %d times on %s: %s", n, k[0], k[1])
	}
	hosts := rb.All()
	var summary []string
	for _, h := range hosts {
		summary = append(summary, fmt.Sprintf("%s=%d", h, perHost[h]))
	}
	t.Logf("Run calls per host for a Default() run on edge.yml (%d hosts, %d Run calls, %d fetches): %s", len(hosts), runs, fetches, strings.Join(summary, " "))
	// The CLC runs the most commands; no host runs more than the distinct
	// facts of all debuggers together.
	for _, h := range hosts {
		assert.LessOrEqual(t, perHost[h], 26, h)
	}
}

func TestDefaultUnreachableHostIsOneFailurePerDebugger(t *testing.T) {
	rb := edge(t)
	const down = "192.0.2.21" // an NC of zone-a
	e := calyptostest.NewExecutor(t)
	scriptDistro(t, e, "", "centos7")
	e.HostDown(down)
	rep := runDefault(t, rb, e, calyptos.RunOptions{})

	targets := map[string]bool{ // debuggers whose targets include an NC
		"check_ports": true, "component_storage_check": true, "debug_compute_req": true,
		"debug_node_controller": true, "eucalyptus_sosreports": true, "file_permissions": true,
		"verify_component_networking": true, "verify_networking": true,
	}
	for _, c := range rep.Checks {
		fails := calyptostest.Find(rep, calyptostest.Match{Check: c.Name, Host: down, Status: calyptos.Fail})
		if targets[c.Name] {
			if assert.Len(t, fails, 1, c.Name) {
				assert.Contains(t, fails[0].Message, "cannot run commands")
			}
			// The other NC was still checked.
			calyptostest.HasFinding(t, rep, calyptostest.Match{Check: c.Name, Host: "192.0.2.22", Status: calyptos.Pass})
		} else {
			assert.Empty(t, fails, c.Name)
		}
	}
	// No failure for any other host.
	for _, f := range calyptostest.Find(rep, calyptostest.Match{Status: calyptos.Fail}) {
		assert.Equal(t, down, f.Host, f.Message)
	}
	// Its probes are in the matrix as unknown.
	var unknown int
	for _, p := range rep.Probes() {
		if p.From == down {
			assert.Equal(t, calyptos.ProbeUnknown, p.Result)
			unknown++
		}
	}
	assert.Positive(t, unknown)
}

func TestDefaultHostThatTimesOut(t *testing.T) {
	rb := edge(t)
	const slow = "192.0.2.30" // the CC of zone-b
	e := calyptostest.NewExecutor(t)
	scriptDistro(t, e, "", "centos7")
	e.OnMatch(slow, "").Delay(time.Minute)
	start := time.Now()
	rep := runDefault(t, rb, e, calyptos.RunOptions{CommandTimeout: 200 * time.Millisecond})
	assert.Less(t, time.Since(start), 40*time.Second, "a hung host costs one command deadline per fan-out, not a minute each")

	for _, c := range rep.Checks {
		fails := calyptostest.Find(rep, calyptostest.Match{Check: c.Name, Host: slow, Status: calyptos.Fail})
		if c.Name == "debug_cloud_controller" || c.Name == "debug_node_controller" {
			assert.Empty(t, fails, c.Name)
			continue
		}
		if assert.Len(t, fails, 1, c.Name) {
			assert.Contains(t, fails[0].Message, "deadline exceeded", c.Name)
		}
	}
	for _, f := range calyptostest.Find(rep, calyptostest.Match{Status: calyptos.Fail}) {
		assert.Equal(t, slow, f.Host, f.Message)
	}
	calyptostest.NoFinding(t, rep, calyptostest.Match{Message: "check panicked"})
}

func TestDefaultMixedDistributions(t *testing.T) {
	// One host of each recorded distribution; the original would fail
	// Debian 12 and Rocky 9 on the OS release, and nothing else.
	rb := roles(map[string][]string{
		eucalyptus.RoleCLC:        {"192.0.2.10"},
		eucalyptus.RoleUserFacing: {"192.0.2.10"},
	}, eucalyptus.Cluster{Name: "one", CC: []string{"192.0.2.20"}, SC: []string{"192.0.2.20"}, Nodes: []string{"192.0.2.21", "192.0.2.22"}})
	e := calyptostest.NewExecutor(t)
	hostDistro := map[string]string{"192.0.2.10": "centos7", "192.0.2.20": "centos6", "192.0.2.21": "debian12", "192.0.2.22": "rocky9"}
	for h, d := range hostDistro {
		scriptDistro(t, e, h, d)
	}
	rep := runDefault(t, rb, e, calyptos.RunOptions{})

	got := calyptostest.Find(rep, calyptostest.Match{Status: calyptos.Fail})
	var msgs []string
	for _, f := range got {
		msgs = append(msgs, f.Check+" "+f.Host+" "+f.Message)
	}
	assert.ElementsMatch(t, []string{
		"debug_compute_req 192.0.2.21 Operating system not supported: Debian GNU/Linux 12 (bookworm) (id debian, version 12; accepted: rhel 6, rhel 7, centos 6, centos 7, scientific 6, scientific 7, ol 6, ol 7)",
		"debug_compute_req 192.0.2.22 Operating system not supported: Rocky Linux 9.4 (Blue Onyx) (id rocky, version 9.4; accepted: rhel 6, rhel 7, centos 6, centos 7, scientific 6, scientific 7, ol 6, ol 7)",
	}, msgs)
	// The virtio NIC of the Debian VM is a warning, not a failure.
	calyptostest.HasFinding(t, rep, calyptostest.Match{Check: "verify_component_networking", Host: "192.0.2.21", Status: calyptos.Warn,
		Message: "NIC speed below 1000 Mb/s or unknown: ens3 speed unknown (virtio_net)"})
	// Debian's missing eucalyptus-sos-plugins is a warning.
	calyptostest.HasFinding(t, rep, calyptostest.Match{Check: "eucalyptus_sosreports", Host: "192.0.2.21", Status: calyptos.Warn, Message: "eucalyptus-sos-plugins"})
}
