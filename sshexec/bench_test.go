package sshexec_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/org/calyptos/internal/sshdtest"
	"github.com/org/calyptos/sshexec"
)

// BenchmarkRunReused measures commands per second over one reused
// connection, one at a time and MaxSessionsPerHost at a time.
func BenchmarkRunReused(b *testing.B) {
	srv := sshdtest.Start(b, sshdtest.Options{Addrs: []string{"127.0.2.100"}})
	e := newExecutor(b, baseOptions(srv))
	ctx := context.Background()
	if _, err := e.Run(ctx, srv.Addr, "true"); err != nil {
		b.Fatal(err)
	}
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.Run(ctx, srv.Addr, "true"); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cmds/s")
	})
	b.Run("parallel10", func(b *testing.B) {
		b.SetParallelism(10) // goroutines per GOMAXPROCS; the executor bounds sessions at 10
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := e.Run(ctx, srv.Addr, "true"); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cmds/s")
	})
	b.StopTimer()
	if n := srv.Handshakes(); n != 1 {
		b.Errorf("%d handshakes, want 1", n)
	}
}

// fleet starts n loopback endpoints, 127.0.2.1 to 127.0.2.n, on as few sshd
// processes as possible, all sharing the first server's client key.
func fleet(b *testing.B, n int) (addrs []string, servers []*sshdtest.Server, opts sshexec.Options) {
	b.Helper()
	var ips []string
	for i := 1; i <= n; i++ {
		ips = append(ips, fmt.Sprintf("127.0.2.%d", i))
	}
	var known []string
	for lo := 0; lo < n; lo += sshdtest.MaxAddrs {
		srv := sshdtest.Start(b, sshdtest.Options{Addrs: ips[lo:min(lo+sshdtest.MaxAddrs, n)], MaxSessions: 10})
		servers = append(servers, srv)
		addrs = append(addrs, srv.Addrs...)
		known = append(known, srv.KnownHostsFile)
		if lo > 0 {
			if err := srv.AuthorizeKey(servers[0].ClientSigner.PublicKey()); err != nil {
				b.Fatal(err)
			}
		}
	}
	opts = baseOptions(servers[0])
	opts.KnownHostsFiles = known
	return addrs, servers, opts
}

func handshakes(servers []*sshdtest.Server) int {
	n := 0
	for _, s := range servers {
		n += s.Handshakes()
	}
	return n
}

// fanOut runs command on every address at once.
func fanOut(b *testing.B, e *sshexec.Executor, addrs []string, command string) {
	var wg sync.WaitGroup
	for _, a := range addrs {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := e.Run(ctx, a, command); err != nil {
				b.Error(err)
			}
		})
	}
	wg.Wait()
}

// BenchmarkFanOut50 runs `true` on 50 loopback endpoints at once, with a
// new Executor (fresh connections: 50 handshakes) per fan-out and with one
// Executor whose connections are reused.
func BenchmarkFanOut50(b *testing.B) {
	addrs, servers, opts := fleet(b, 50)
	b.Run("fresh", func(b *testing.B) {
		before := handshakes(servers)
		for b.Loop() {
			e, err := sshexec.New(opts)
			if err != nil {
				b.Fatal(err)
			}
			fanOut(b, e, addrs, "true")
			_ = e.Close()
		}
		b.StopTimer()
		waitHandshakes(servers, before+b.N*len(addrs))
		b.ReportMetric(float64(handshakes(servers)-before)/float64(b.N), "handshakes/op")
		b.ReportMetric(float64(b.N*len(addrs))/b.Elapsed().Seconds(), "cmds/s")
	})
	b.Run("reused", func(b *testing.B) {
		e := newExecutor(b, opts)
		fanOut(b, e, addrs, "true") // connect
		before := handshakes(servers)
		b.ResetTimer()
		for b.Loop() {
			fanOut(b, e, addrs, "true")
		}
		b.StopTimer()
		b.ReportMetric(float64(handshakes(servers)-before)/float64(b.N), "handshakes/op")
		b.ReportMetric(float64(b.N*len(addrs))/b.Elapsed().Seconds(), "cmds/s")
	})
}

// BenchmarkDebugLikeRun mimics a debug run on 16 hosts: ten checks, each a
// fan-out of one command, through one Executor. Reports handshakes per
// host (1 when connections are reused).
func BenchmarkDebugLikeRun(b *testing.B) {
	addrs, servers, opts := fleet(b, 16)
	checks := []string{"uname -r", "cat /proc/meminfo", "df -P /", "cat /etc/os-release", "date +%s",
		"nproc", "cat /proc/loadavg", "hostname", "id -un", "true"}
	before := handshakes(servers)
	var dials int64
	for b.Loop() {
		e, err := sshexec.New(opts)
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range checks {
			fanOut(b, e, addrs, c)
		}
		dials += e.Stats().Dials
		_ = e.Close()
	}
	b.StopTimer()
	waitHandshakes(servers, before+b.N*len(addrs))
	b.ReportMetric(float64(handshakes(servers)-before)/float64(b.N*len(addrs)), "handshakes/host")
	if dials != int64(b.N*len(addrs)) {
		b.Errorf("%d dials for %d host runs", dials, b.N*len(addrs))
	}
	b.ReportMetric(float64(b.N*len(addrs)*len(checks))/b.Elapsed().Seconds(), "cmds/s")
}

// waitHandshakes gives sshd a moment to write its log.
func waitHandshakes(servers []*sshdtest.Server, want int) {
	eventually(func() bool { return handshakes(servers) >= want })
}

// BenchmarkSlowRcFile runs `true` for a bash login whose ~/.bashrc takes
// some 200 ms, waiting (sleep 0.2) or computing (a shell loop: 200 ms of
// CPU on the machine this was written on), over connections already open,
// through sshexec and through bare x/crypto/ssh sessions (the floor: `ssh
// host true` reads the rc file once too): on 20 loopback endpoints at once
// (fan20), and one command at a time on one (serial). The two alternate
// within each iteration, each on servers of its own, so that a machine
// whose load changes affects both alike. Reported: the median wall time of
// each (ms), the median of their ratio (x-floor), and the CPU that sshd
// and everything it started used per command (host-ms).
func BenchmarkSlowRcFile(b *testing.B) {
	floorAddrs, floorServers := loopbackFleet(b, "127.0.3.", 20)
	addrs, servers := loopbackFleet(b, "127.0.4.", 20)
	opts := baseOptions(servers[0])
	for _, s := range servers {
		opts.KnownHostsFiles = append(opts.KnownHostsFiles, s.KnownHostsFile)
	}
	for _, rc := range []struct{ name, bashrc string }{
		{"sleep", "sleep 0.2\n"},
		{"busy", "i=0; while [ $i -lt 45000 ]; do i=$((i+1)); done\n"},
	} {
		a := sshdtest.CreateAccount(b, sshdtest.AccountOptions{Shell: "bash", Files: map[string]string{".bashrc": rc.bashrc}})
		opts.User = a.Name
		for _, n := range []int{20, 1} {
			b.Run(rc.name+map[int]string{20: "/fan20", 1: "/serial"}[n], func(b *testing.B) {
				clients := bareClients(b, floorServers, floorAddrs[:n], a.Name)
				e, err := sshexec.New(opts)
				if err != nil {
					b.Fatal(err)
				}
				fanOut(b, e, addrs[:n], "true") // connect
				floorCPU, cpu := sshdCPU(floorServers), sshdCPU(servers)
				var floor, ours, ratio []float64
				for b.Loop() {
					start := time.Now()
					var wg sync.WaitGroup
					for _, c := range clients {
						wg.Go(func() { bareTrue(b, c) })
					}
					wg.Wait()
					mid := time.Now()
					fanOut(b, e, addrs[:n], "true")
					f, o := mid.Sub(start).Seconds()*1000, time.Since(mid).Seconds()*1000
					floor, ours, ratio = append(floor, f), append(ours, o), append(ratio, o/f)
				}
				b.StopTimer()
				for _, c := range clients {
					_ = c.Close()
				}
				_ = e.Close()
				b.ReportMetric(median(floor), "bare-ms")
				b.ReportMetric(median(ours), "sshexec-ms")
				b.ReportMetric(median(ratio), "x-floor")
				b.ReportMetric(float64((sshdCPU(floorServers)-floorCPU).Milliseconds())/float64(b.N*n), "bare-host-ms")
				b.ReportMetric(float64((sshdCPU(servers)-cpu).Milliseconds())/float64(b.N*n), "sshexec-host-ms")
			})
		}
	}
}

// loopbackFleet starts n endpoints prefix1 to prefixN on as few sshd
// processes as possible, all accepting the first server's client key.
func loopbackFleet(b *testing.B, prefix string, n int) (addrs []string, servers []*sshdtest.Server) {
	var ips []string
	for i := 1; i <= n; i++ {
		ips = append(ips, fmt.Sprintf("%s%d", prefix, i))
	}
	for lo := 0; lo < n; lo += sshdtest.MaxAddrs {
		srv := sshdtest.Start(b, sshdtest.Options{Addrs: ips[lo:min(lo+sshdtest.MaxAddrs, n)]})
		servers = append(servers, srv)
		addrs = append(addrs, srv.Addrs...)
		if lo > 0 {
			if err := srv.AuthorizeKey(servers[0].ClientSigner.PublicKey()); err != nil {
				b.Fatal(err)
			}
		}
	}
	return addrs, servers
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func bareTrue(b *testing.B, c *ssh.Client) {
	s, err := c.NewSession()
	if err != nil {
		b.Error(err)
		return
	}
	defer s.Close()
	if err := s.Run("true"); err != nil {
		b.Error(err)
	}
}

// sshdCPU is the CPU time used so far by the servers and every process
// they started and reaped, once the connections closed so far have ended.
func sshdCPU(servers []*sshdtest.Server) time.Duration {
	var total time.Duration
	for _, s := range servers {
		p := strconv.Itoa(s.PID())
		eventually(func() bool {
			c, err := os.ReadFile("/proc/" + p + "/task/" + p + "/children")
			return err == nil && len(bytes.TrimSpace(c)) == 0
		})
		st, err := os.ReadFile("/proc/" + p + "/stat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(st[bytes.LastIndexByte(st, ')')+1:]))
		for _, v := range f[11:15] { // utime, stime, cutime, cstime
			n, _ := strconv.ParseInt(v, 10, 64)
			total += time.Duration(n) * 10 * time.Millisecond // USER_HZ is 100
		}
	}
	return total
}

// bareClients opens one x/crypto/ssh connection per address as user.
func bareClients(b *testing.B, servers []*sshdtest.Server, addrs []string, user string) []*ssh.Client {
	var known []string
	for _, s := range servers {
		known = append(known, s.KnownHostsFile)
	}
	cb, err := knownhosts.New(known...)
	if err != nil {
		b.Fatal(err)
	}
	var clients []*ssh.Client
	for _, addr := range addrs {
		c, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{
			User: user, Auth: []ssh.AuthMethod{ssh.PublicKeys(servers[0].ClientSigner)},
			HostKeyCallback: cb, Timeout: 30 * time.Second,
		})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = c.Close() })
		clients = append(clients, c)
	}
	return clients
}
