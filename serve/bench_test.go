package serve

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/eucalyptus"
)

// quietExecutor answers every command with "ok" after delay, keeping no
// record of the calls (calyptostest's executor keeps every call, which
// would hide the server's own memory use over many runs).
type quietExecutor struct{ delay time.Duration }

func (e quietExecutor) Run(ctx context.Context, host, command string) (calyptos.Output, error) {
	if e.delay > 0 {
		t := time.NewTimer(e.delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return calyptos.Output{}, ctx.Err()
		}
	}
	return calyptos.Output{Stdout: "ok\n"}, nil
}

func (quietExecutor) Fetch(context.Context, string, string, io.Writer) error { return nil }

// cloud200 is a deployment of 200 hosts: a CLC, a second user-facing host,
// then clusters of one CC/SC and 48 NCs.
func cloud200() *calyptos.RoleBuilder {
	name := func(i int) string { return fmt.Sprintf("10.0.%d.%d", i/250, i%250+1) }
	rb := map[string][]string{
		eucalyptus.RoleCLC:        {name(0)},
		eucalyptus.RoleUserFacing: {name(0), name(1)},
		eucalyptus.RoleWalrus:     {name(1)},
	}
	var clusters []eucalyptus.Cluster
	for i := 2; i < 200; {
		c := eucalyptus.Cluster{Name: fmt.Sprintf("zone-%d", len(clusters)), CC: []string{name(i)}, SC: []string{name(i)}}
		i++
		for j := 0; j < 48 && i < 200; j++ {
			c.Nodes = append(c.Nodes, name(i))
			i++
		}
		clusters = append(clusters, c)
	}
	return eucalyptus.NewRoleBuilder(rb, clusters...)
}

// factDebugger asks every host one command and reports three findings
// per host, one in twenty a failure with evidence.
type factDebugger struct{ n int }

func (d factDebugger) Name() string { return fmt.Sprintf("fact_%d", d.n) }
func (factDebugger) ReadOnly() bool { return true }
func (d factDebugger) Debug(ctx context.Context, c *calyptos.Check) {
	for i, r := range c.RunOnHosts(ctx, "fact", c.Roles().All()) {
		if !c.HostOK(r) {
			continue
		}
		s := c.OnHost(r.Host)
		s.Success("service eucalyptus is running")
		s.Infof("%d CPUs", 4+i%4)
		if (i+d.n)%20 == 0 {
			s.Report(calyptos.Fail, "disk /var/lib/eucalyptus is 91% full", "Filesystem Size Used Avail Use%\n/dev/sda1 100G 91G 9G 91%")
		} else {
			s.Success("disk /var/lib/eucalyptus has room")
		}
	}
}

// meshDebugger probes what verify_networking probes in such a cloud: every
// NC its SC and the user-facing hosts, every CC its NCs, the CLC every
// CC; one probe in fifty is refused.
type meshDebugger struct{}

func (meshDebugger) Name() string   { return "verify_networking" }
func (meshDebugger) ReadOnly() bool { return true }
func (meshDebugger) Debug(ctx context.Context, c *calyptos.Check) {
	rb := c.Roles()
	n := 0
	probe := func(from, to string, port int) {
		r := calyptos.ProbeOK
		if n++; n%50 == 0 {
			r = calyptos.ProbeRefused
		}
		c.RecordProbe(calyptos.Probe{From: from, To: to, Port: port, Proto: "tcp", Result: r})
	}
	ufs := rb.Hosts(eucalyptus.RoleUserFacing)
	for _, cl := range eucalyptus.Clusters(rb) {
		for _, nc := range cl.Nodes {
			probe(nc, cl.SC[0], 8773)
			for _, u := range ufs {
				probe(nc, u, 8773)
			}
			probe(cl.CC[0], nc, 8775)
		}
		probe(rb.Hosts(eucalyptus.RoleCLC)[0], cl.CC[0], 8774)
	}
	c.RunOnHosts(ctx, "probe", slices.Concat(rb.Hosts(eucalyptus.RoleNodeController), rb.Hosts(eucalyptus.RoleClusterController)))
}

func bench200Server(b *testing.B, delay time.Duration) *Server {
	ds := []calyptos.Debugger{meshDebugger{}}
	for i := range 10 {
		ds = append(ds, factDebugger{i})
	}
	s, err := NewServer(Plan{Roles: cloud200(), Executor: quietExecutor{delay}, Debuggers: ds}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	if rep := s.RunOnce(context.Background()); rep == nil || rep.Totals.Fail == 0 {
		b.Fatal("no report")
	}
	return s
}

// BenchmarkServe200HostsDuringRun scrapes /metrics and loads / over HTTP
// while runs over 200 hosts follow one another on the fake executor, and
// reports the slowest answer of each (the target is 50 ms).
func BenchmarkServe200HostsDuringRun(b *testing.B) {
	s := bench200Server(b, time.Millisecond)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for ctx.Err() == nil {
			s.RunOnce(ctx)
		}
	})
	for !s.running.Load() {
		time.Sleep(time.Millisecond)
	}
	get := func(path string) time.Duration {
		start := time.Now()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || n == 0 {
			b.Fatalf("%s: %s", path, resp.Status)
		}
		return time.Since(start)
	}
	var metricsT, pageT []time.Duration
	inRun := 0
	for b.Loop() {
		inRun += int(boolValue(s.running.Load()))
		metricsT, pageT = append(metricsT, get("/metrics")), append(pageT, get("/"))
	}
	cancel()
	wg.Wait()
	report := func(name string, ds []time.Duration) {
		slices.Sort(ds)
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		b.ReportMetric(ms(ds[len(ds)/2]), "ms-"+name+"-p50")
		b.ReportMetric(ms(ds[len(ds)*99/100]), "ms-"+name+"-p99")
		b.ReportMetric(ms(ds[len(ds)-1]), "ms-"+name+"-max")
	}
	report("metrics", metricsT)
	report("page", pageT)
	b.ReportMetric(float64(inRun)/float64(b.N), "frac-during-run")
}

// BenchmarkServe100Runs runs the 200-host plan 100 times and reports how
// much the live heap grew between the 10th and the 110th run, per run:
// flat means about 0.
func BenchmarkServe100Runs(b *testing.B) {
	s := bench200Server(b, 0)
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	for b.Loop() {
		for range 10 {
			s.RunOnce(context.Background())
		}
		before := heap()
		for range 100 {
			s.RunOnce(context.Background())
		}
		after := heap()
		b.ReportMetric(float64(int64(after)-int64(before))/100, "heap-B/run")
		b.ReportMetric(float64(after)/(1<<20), "heap-MiB")
	}
}
