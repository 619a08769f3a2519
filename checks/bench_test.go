package checks

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/stretchr/testify/require"
)

// fleet40 has 40 assertions for every host, and a reach edge from the
// load balancers to the web servers.
const fleet40 = `roles:
  all:
    port:
      tcp:80: {listening: true}
      tcp:443: {listening: true}
      tcp:22: {listening: true}
    service:
      nginx: {running: true, enabled: true}
      sshd: {running: true, enabled: true}
      chronyd: {running: true}
    package:
      nginx: {installed: true}
      openssl: {installed: true}
    file:
      /etc/nginx/nginx.conf: {exists: true, mode: "0644", owner: root, group: root, contents: [worker_processes, "!/autoindex on/"]}
      /etc/ssh/sshd_config: {exists: true, mode: "0600", owner: root}
    command:
      "nginx -t": {exit-status: 0, stderr: ["syntax is ok"]}
    kernel-param:
      net.core.somaxconn: {value: {ge: 4096}}
      net.ipv4.tcp_syncookies: {value: "1"}
      vm.swappiness: {value: {le: 10}}
      fs.file-max: {value: {gt: 100000}}
    mount:
      /: {exists: true, opts: [rw], usage: {lt: 95}}
    process:
      nginx: {running: true}
      sshd: {running: true}
    user:
      www-data: {exists: true, uid: 33, shell: /usr/sbin/nologin}
    group:
      adm: {exists: true}
    http:
      http://127.0.0.1/healthz: {status: 200, body: [ok]}
    disk:
      /var/www: {min-free: 1GiB, max-use: "90%"}
    memory:
      min-total: 4GiB
      min-available: 1GiB
    clock:
      max-skew: 5s
reach:
  - {from: lb, to: web, port: 8080}
`

// benchHost is healthyWeb with everything fleet40 asks for.
func benchHost() *fakeHost {
	h := healthyWeb()
	h.files["/etc/ssh/sshd_config"] = fakeFile{stat: "regular file|600|root|root|0|0|3000"}
	h.kernel["/proc/sys/net/ipv4/tcp_syncookies"] = "1"
	h.kernel["/proc/sys/vm/swappiness"] = "10"
	h.kernel["/proc/sys/fs/file-max"] = "9223372036854775807"
	h.packages["openssl"] = []string{"3.0.11-1"}
	h.services["sshd"] = "unit=sshd init=systemd active=active enabled=enabled"
	h.services["chronyd"] = "unit=chronyd init=systemd active=active enabled=enabled"
	h.listeners += "tcp LISTEN 0 128 0.0.0.0:22 0.0.0.0:*\ntcp LISTEN 0 511 0.0.0.0:443 0.0.0.0:*\n"
	h.http["http://127.0.0.1/healthz"] = calyptos.Output{Stdout: "HTTP/1.1 200 OK\r\n\r\nok\n", Stderr: "client curl\n"}
	h.groups["adm"] = "adm:x:4:"
	h.probes = map[string]string{}
	return h
}

// benchFleet returns n hosts: 10 load balancers and the web servers.
func benchFleet(n int) *calyptos.RoleBuilder {
	var lb, web []string
	for i := range n {
		h := fmt.Sprintf("10.0.%d.%d", i/250, i%250+1)
		if i < 10 {
			lb = append(lb, h)
		} else {
			web = append(web, h)
		}
	}
	return calyptos.NewRoleBuilder(map[string][]string{"lb": lb, "web": web})
}

// scriptedExecutor returns a maker of executors that answer every
// command of a run with exact rules (as a fleet of identical hosts),
// learnt from a first run on the regexp responder of fakeHost.
func scriptedExecutor(tb testing.TB, f *File, rb *calyptos.RoleBuilder, h *fakeHost) func() *calyptostest.Executor {
	learn := calyptostest.NewExecutor(nil)
	learn.OnMatch("", "").Respond(h.respond)
	_, err := calyptos.RunDebuggers(context.Background(), rb, learn, f.Debuggers(), calyptos.RunOptions{})
	require.NoError(tb, err)
	answers := map[string]calyptos.Output{}
	for _, c := range learn.Calls() {
		if _, ok := answers[c.Command]; !ok {
			answers[c.Command], _ = h.respond(c.Host, c.Command)
		}
	}
	return func() *calyptostest.Executor {
		e := calyptostest.NewExecutor(nil)
		for cmd, out := range answers {
			e.On("", cmd).Output(out)
		}
		return e
	}
}

// BenchmarkChecks1000Hosts runs a checks file of 40 assertions per host,
// and a reach edge from 10 hosts to the 990 others, over 1,000 hosts on
// the fake executor: the cost of the library (compiling the file onto
// facts, gathering, parsing, judging, reporting), without any network.
func BenchmarkChecks1000Hosts(b *testing.B) {
	f, err := Parse("fleet.yml", []byte(fleet40))
	require.NoError(b, err)
	require.Len(b, f.roles[0].resources, 24)
	asserts := 0
	for _, r := range f.roles[0].resources {
		asserts += len(r.asserts)
	}
	require.Equal(b, 40, asserts)
	rb := benchFleet(1000)
	h := benchHost()
	for _, w := range rb.Hosts("web") {
		h.probes[w+" 8080"] = "0 "
	}
	mk := scriptedExecutor(b, f, rb, h)
	e := mk()
	ds := f.Debuggers()
	b.ReportAllocs()
	// The machine may be shared: CPU time per run says what the run costs
	// when wall time is inflated by other processes.
	cpu0 := cpuTime()
	for b.Loop() {
		rep, err := calyptos.RunDebuggers(context.Background(), rb, e, ds, calyptos.RunOptions{})
		if err != nil || rep.Totals.Fail != 0 || rep.Totals.Pass != 1000*40+10 {
			b.Fatalf("err %v, totals %+v\n%s", err, rep.Totals, calyptostest.Dump(rep)[:2000])
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
	// Sessions of one run.
	e = mk()
	_, err = calyptos.RunDebuggers(context.Background(), rb, e, ds, calyptos.RunOptions{})
	require.NoError(b, err)
	sessions := map[string]map[int]bool{}
	for _, c := range e.Calls() {
		if sessions[c.Host] == nil {
			sessions[c.Host] = map[int]bool{}
		}
		sessions[c.Host][c.Session] = true
	}
	most := 0
	for _, s := range sessions {
		most = max(most, len(s))
	}
	b.ReportMetric(float64(most), "max-sessions/host")
	if most > 2 {
		b.Fatalf("%d sessions on a host", most)
	}
}

// cpuTime is the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
