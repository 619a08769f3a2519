package debugger

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/eucalyptus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNetworkPairsEdge(t *testing.T) {
	pairs := networkPairs(edge(t))
	got := map[string][]string{}
	for s, ts := range pairs {
		for _, tg := range ts {
			got[s] = append(got[s], fmt.Sprintf("%s:%d", tg.Addr, tg.Port))
		}
	}
	java := []string{"192.0.2.20:8773", "192.0.2.31:8773", "192.0.2.10:8773", "192.0.2.11:8773", "192.0.2.10:8777"}
	assert.Equal(t, map[string][]string{
		"192.0.2.10": append(java, "192.0.2.20:8774", "192.0.2.30:8774"),
		"192.0.2.11": {"192.0.2.10:8777"},
		"192.0.2.20": append(java, "192.0.2.21:8775", "192.0.2.22:8775"),
		"192.0.2.31": java,
		// NCs reach the SC of their own cluster (zone-b's too: the
		// original's cluster map kept only the last cluster).
		"192.0.2.21": {"192.0.2.20:8773", "192.0.2.10:8773", "192.0.2.11:8773"},
		"192.0.2.22": {"192.0.2.20:8773", "192.0.2.10:8773", "192.0.2.11:8773"},
		"192.0.2.32": {"192.0.2.31:8773", "192.0.2.10:8773", "192.0.2.11:8773"},
		"192.0.2.30": {"192.0.2.32:8775"},
	}, got)
	assert.Equal(t, "Cluster Controller → NC", pairs["192.0.2.30"][0].Label)
}

func TestVerifyNetworkingProbes(t *testing.T) {
	rb := roles(map[string][]string{eucalyptus.RoleCLC: {"192.0.2.10"}},
		eucalyptus.Cluster{Name: "a", CC: []string{"192.0.2.20"}, Nodes: []string{"192.0.2.21:2222"}})
	e := calyptostest.NewExecutor(t)
	e.OnMatch("", `(?m)^probe_batch\(\) \{`).Respond(probeResponder(func(from, addr, port string) (int, string) {
		switch {
		case from == "192.0.2.10" && port == "8774":
			return 1, "bash: connect: Connection refused bash: line 1: /dev/tcp/192.0.2.20/8774: Connection refused"
		case from == "192.0.2.20" && addr == "192.0.2.21":
			return 124, ""
		}
		return 0, ""
	}))
	rep := run(t, rb, e, &VerifyNetworking{DialContext: (&loopbackDialer{target: closedPort(t)}).DialContext})
	assert.Equal(t, []string{
		"fail 192.0.2.10 Cloud Controller → CC was not able to connect to 192.0.2.20 on TCP port 8774: refused",
		"fail 192.0.2.20 Cluster Controller → NC was not able to connect to 192.0.2.21 on TCP port 8775: timeout",
	}, statuses(rep))
	assert.Equal(t, []calyptos.Probe{
		{From: "192.0.2.10", To: "192.0.2.20", Port: 8774, Proto: "tcp", Label: "Cloud Controller → CC", Result: calyptos.ProbeRefused,
			Detail: "bash: connect: Connection refused bash: line 1: /dev/tcp/192.0.2.20/8774: Connection refused"},
		{From: "192.0.2.20", To: "192.0.2.21:2222", Port: 8775, Proto: "tcp", Label: "Cluster Controller → NC", Result: calyptos.ProbeTimeout},
	}, rep.Probes())
	// One command per source host; the NC's address, not its SSH port, is
	// probed.
	require.Len(t, e.Calls(), 2)
	for _, c := range e.Calls() {
		if c.Host == "192.0.2.20" {
			assert.Contains(t, c.Command, "\nprobe_batch 5 192.0.2.21 8775\n")
		}
	}
}

func TestVerifyNetworkingSummaryAndEndUser(t *testing.T) {
	rb := roles(map[string][]string{eucalyptus.RoleCLC: {"192.0.2.10"}, eucalyptus.RoleUserFacing: {"192.0.2.11"}, eucalyptus.RoleStorageController: {"192.0.2.20"}})
	e := calyptostest.NewExecutor(t)
	e.OnMatch("", `(?m)^probe_batch\(\) \{`).Respond(probeResponder(func(from, addr, port string) (int, string) {
		if from == "192.0.2.20" && addr == "192.0.2.11" {
			return 1, "nc: connect to 192.0.2.11 port 8773 (tcp) failed: No route to host"
		}
		return 0, ""
	}))
	up := &loopbackDialer{target: loopbackListener(t)}
	rep := run(t, rb, e, &VerifyNetworking{DialContext: up.DialContext})
	assert.Equal(t, []string{
		"pass 192.0.2.10 reached all 2 component ports: 192.0.2.20:8773 192.0.2.11:8773",
		"pass 192.0.2.11 reached all 1 component ports: 192.0.2.10:8777",
		"fail 192.0.2.20 Eucalyptus Component → user-facing was not able to connect to 192.0.2.11 on TCP port 8773: error",
		"pass 192.0.2.20 reached 2 of 3 component ports: 192.0.2.20:8773 192.0.2.10:8777",
		"pass - End-user access available on 192.0.2.11 port 8773",
	}, statuses(rep))
	assert.Equal(t, []string{"192.0.2.11:8773"}, up.asked)
	assert.Len(t, rep.Probes(), 2+1+3+1)

	down := &loopbackDialer{target: closedPort(t)}
	rep = run(t, rb, e, &VerifyNetworking{DialContext: down.DialContext, EndUserPort: 443})
	f := calyptostest.Find(rep, calyptostest.Match{Status: calyptos.Fail, Message: "End-user access to 192.0.2.11 port 443 from this machine failed: refused"})
	require.Len(t, f, 1)
	assert.Empty(t, f[0].Host, "the finding is about this machine's view, not a host's")
	assert.Equal(t, []string{"192.0.2.11:443"}, down.asked)
}

func TestVerifyNetworkingDefaultDialer(t *testing.T) {
	// The zero value dials with a net.Dialer; here a 127.0.0.1 UFS.
	addr := loopbackListener(t)
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	p, _ := strconv.Atoi(port)
	rb := roles(map[string][]string{eucalyptus.RoleUserFacing: {host}})
	e := calyptostest.NewExecutor(t)
	e.OnMatch("", `(?m)^probe_batch\(\) \{`).Respond(probeResponder(allOK))
	rep := run(t, rb, e, &VerifyNetworking{EndUserPort: p, ProbeTimeout: 2 * time.Second})
	calyptostest.HasFinding(t, rep, calyptostest.Match{Status: calyptos.Pass, Message: "End-user access available on 127.0.0.1 port " + port})
}

// TestProbeScriptRuns runs the generated probe command in a real shell
// against 127.0.0.1: one port listening, one closed.
func TestProbeScriptRuns(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	open := loopbackListener(t)
	closed := closedPort(t)
	var targets []ProbeTarget
	for _, a := range []string{open, closed} {
		h, p, _ := net.SplitHostPort(a)
		n, _ := strconv.Atoi(p)
		targets = append(targets, ProbeTarget{Host: h, Addr: h, Port: n})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	script, _ := probeScript(targets, time.Second)
	out, err := exec.CommandContext(ctx, "sh", "-c", script).Output()
	require.NoError(t, err)
	ps := parseProbes(string(out))
	require.Len(t, ps, 2, string(out))
	res := map[int]calyptos.ProbeResult{}
	for _, p := range ps {
		res[p.Port] = classifyProbe(p.Code, p.Detail)
	}
	assert.Equal(t, calyptos.ProbeOK, res[targets[0].Port], string(out))
	assert.Equal(t, calyptos.ProbeRefused, res[targets[1].Port], string(out))
	// The message is bash's line that names the target.
	for _, p := range ps {
		if p.Port == targets[1].Port {
			assert.Regexp(t, `^probe: line [0-9]+: /dev/tcp/127\.0\.0\.1/`+strconv.Itoa(targets[1].Port)+`: Connection refused$`, p.Detail)
		}
	}
}

func TestProbeScriptBatchesAndQuotes(t *testing.T) {
	var ts []ProbeTarget
	for i := range 40 {
		ts = append(ts, ProbeTarget{Addr: fmt.Sprintf("10.0.0.%d", i), Port: 8773})
	}
	ts = append(ts, ProbeTarget{Addr: "evil;reboot", Port: 1}, ProbeTarget{Host: "10.0.0.39:2222", Port: 8773})
	s, bound := probeScript(ts, 1500*time.Millisecond)
	assert.True(t, strings.HasPrefix(s, probeCode()), "the script is probe.sh, then the targets")
	lines := strings.Split(strings.TrimSuffix(s[len(probeCode()):], "\n"), "\n")
	require.Len(t, lines, 3, "41 distinct probes run in two batches, then probe_end")
	assert.Equal(t, "probe_end", lines[2])
	assert.True(t, strings.HasPrefix(lines[0], "probe_batch 2 10.0.0.0 8773 10.0.0.1 8773 "), lines[0])
	assert.Equal(t, "probe_batch 2 10.0.0.32 8773 10.0.0.33 8773 10.0.0.34 8773 10.0.0.35 8773 10.0.0.36 8773 "+
		"10.0.0.37 8773 10.0.0.38 8773 10.0.0.39 8773 'evil;reboot' 1", lines[1])
	assert.Equal(t, 1, strings.Count(s, "10.0.0.39 8773"), "a target given twice (by address, and as a host with its SSH port) is probed once")
	assert.Equal(t, 8*time.Second, bound, "two batches of 2 s, each with 2 s to start and answer")
}

func TestVerifyComponentNetworkingNICs(t *testing.T) {
	tests := []struct {
		name, out string
		want      []string
	}{
		{"centos6", "", []string{
			"pass h 2 network interface(s): eth0 1000 Mb/s (e1000e), eth1 10000 Mb/s (ixgbe)",
			"pass h all active NICs are at least 1000 Mb/s",
		}},
		{"centos7", "", []string{
			"pass h 2 network interface(s): em1 1000 Mb/s (tg3), em2 speed unknown (tg3) down",
			"pass h all active NICs are at least 1000 Mb/s",
		}},
		{"debian12", "", []string{
			"pass h 1 network interface(s): ens3 speed unknown (virtio_net)",
			"warn h NIC speed below 1000 Mb/s or unknown: ens3 speed unknown (virtio_net)",
		}},
		{"lspci", sample(t, "centos6", "nics-lspci"), []string{
			"pass h 2 network interface(s): 02:00.0 1000 Mb/s, 03:00.0 10000 Mb/s",
			"pass h all active NICs are at least 1000 Mb/s",
		}},
		{"fast ethernet", "nic name=eth0 speed=100 driver=8139too state=up\n", []string{
			"pass h 1 network interface(s): eth0 100 Mb/s (8139too)",
			"warn h NIC speed below 1000 Mb/s or unknown: eth0 100 Mb/s (8139too)",
		}},
		{"all down", "nic name=eth0 speed= driver=e1000 state=down\n", []string{
			"pass h 1 network interface(s): eth0 speed unknown (e1000) down",
			"warn h no network interface is up",
		}},
		{"none", "\n", []string{"fail h no network interface found"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := tt.out
			if out == "" {
				out = sample(t, tt.name, "nics")
			}
			e := calyptostest.NewExecutor(t)
			e.On("h", nicCommand).Stdout(out)
			rep := run(t, roles(map[string][]string{eucalyptus.RoleConsole: {"h"}}), e, &VerifyComponentNetworking{})
			assert.Equal(t, append(tt.want, "skip - multicast test not run: it starts iperf servers on the Java component hosts; set AllowSideEffects (--allow-side-effects) to run it"), statuses(rep))
		})
	}
}

func javaRoles() *calyptos.RoleBuilder {
	return roles(map[string][]string{eucalyptus.RoleCLC: {"192.0.2.10"}, eucalyptus.RoleUserFacing: {"192.0.2.11"}, eucalyptus.RoleNodeController: {"192.0.2.21"}})
}

// multicastExecutor scripts the NIC and iperf checks of every host and the
// start of an iperf server on each Java host of javaRoles (pids 4242 and
// 777); each test scripts the clients and the stops.
func multicastExecutor(t *testing.T, d *VerifyComponentNetworking) *calyptostest.Executor {
	t.Helper()
	e := calyptostest.NewExecutor(t)
	e.On("", nicCommand).Stdout(sample(t, "centos7", "nics"))
	e.On("", iperfCheckCommand).Stdout("tool=yes\n")
	e.On("192.0.2.10", d.iperfServer()).Stdout("pid=4242 log=/tmp/calyptos-iperf.AbC123\n")
	e.On("192.0.2.11", d.iperfServer()).Stdout("pid=777 log=/tmp/calyptos-iperf.XyZ789\n")
	return e
}

func TestVerifyComponentNetworkingMulticast(t *testing.T) {
	d := &VerifyComponentNetworking{AllowSideEffects: true}
	e := multicastExecutor(t, d)
	e.On("", d.iperfClient()).Stdout("Client connecting to 228.7.7.3, UDP port 8773\nSending 1470 byte datagrams\n")
	e.On("192.0.2.10", iperfStop(4242, "/tmp/calyptos-iperf.AbC123")).Stdout("stopped=yes\n--- log\n" +
		"Server listening on UDP port 8773\nJoining multicast group  228.7.7.3\n[  3] local 228.7.7.3 port 8773 connected with 192.0.2.11 port 41234\n")
	e.On("192.0.2.11", iperfStop(777, "/tmp/calyptos-iperf.XyZ789")).Stdout("stopped=yes\n--- log\nServer listening on UDP port 8773\n")
	rep := run(t, javaRoles(), e, d)
	var got []string
	for _, s := range statuses(rep) {
		if !strings.Contains(s, "network interface") && !strings.Contains(s, "NICs") {
			got = append(got, s)
		}
	}
	assert.Equal(t, []string{
		"info 192.0.2.10 iperf (server mode) pid 4242 stopped",
		"pass 192.0.2.11 192.0.2.11 communicated successfully with 192.0.2.10 for multicast membership",
		"info 192.0.2.11 iperf (server mode) pid 777 stopped",
		"fail 192.0.2.10 192.0.2.10 did not reach the multicast group 228.7.7.3 on 192.0.2.11 (peers seen: none)",
	}, got)
	// The client has "-T 32 -p" (the original ran "-T 32-p"), the NC is no
	// Java host, and the server was stopped by the PID its start printed.
	assert.Equal(t, "iperf -c 228.7.7.3 -u -T 32 -p 8773 -t 5 -i 1 2>&1", d.iperfClient())
	assert.Equal(t, []string{"192.0.2.11", "192.0.2.10"}, e.HostsRun(d.iperfClient()))
	assert.Contains(t, d.iperfServer(), `nohup iperf -s -u -B 228.7.7.3 -p 8773 -i 1 >"$log" 2>&1 </dev/null & echo "pid=$! log=$log"`)
	assert.Contains(t, iperfStop(4242, "/tmp/calyptos-iperf.AbC123"), `[ "$(cat /proc/4242/comm 2>/dev/null)" = iperf ]`)
	assert.Contains(t, iperfStop(4242, "/tmp/calyptos-iperf.AbC123"), `if alive; then kill 4242;`)
}

func TestVerifyComponentNetworkingMulticastFailures(t *testing.T) {
	d := &VerifyComponentNetworking{AllowSideEffects: true}
	e := calyptostest.NewExecutor(t)
	e.On("", nicCommand).Stdout(sample(t, "centos7", "nics"))
	e.On("", iperfCheckCommand).Stdout("tool=yes\n")
	// The first server does not start; the second starts, its client's
	// host is gone, and the server is stopped all the same.
	e.On("192.0.2.10", d.iperfServer()).Stdout("iperf: bind failed: Address already in use\n").Exit(1)
	e.On("192.0.2.11", d.iperfServer()).Stdout("pid=777 log=/tmp/calyptos-iperf.XyZ789\n")
	e.On("192.0.2.10", d.iperfClient()).Unreachable()
	stop := iperfStop(777, "/tmp/calyptos-iperf.XyZ789")
	e.On("192.0.2.11", stop).Stdout("stopped=yes\n--- log\n")
	rep := run(t, javaRoles(), e, d)
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: "192.0.2.10", Status: calyptos.Fail, Message: "iperf (server mode) failed to be established"})
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: "192.0.2.10", Status: calyptos.Fail, Message: "cannot run commands"})
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: "192.0.2.11", Status: calyptos.Fail, Message: "iperf (server mode) log is empty"})
	assert.Equal(t, 1, e.CallCount(stop))

	// iperf missing and no InstallPackages: reported, and too few hosts left.
	e = calyptostest.NewExecutor(t)
	e.On("", nicCommand).Stdout(sample(t, "centos7", "nics"))
	e.On("", iperfCheckCommand).Stdout("tool=yes\n")
	e.On("192.0.2.11", iperfCheckCommand).Stdout("tool=no\n")
	rep = run(t, javaRoles(), e, d)
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: "192.0.2.11", Status: calyptos.Fail, Message: "iperf is not installed: install it, or set InstallPackages (--install-packages)"})
	calyptostest.HasFinding(t, rep, calyptostest.Match{Status: calyptos.Skip, Message: "needs iperf on at least two"})
}

func TestVerifyComponentNetworkingStopsServerWhenCancelled(t *testing.T) {
	d := &VerifyComponentNetworking{AllowSideEffects: true}
	e := calyptostest.NewExecutor(t)
	e.On("", nicCommand).Stdout(sample(t, "centos7", "nics"))
	e.On("", iperfCheckCommand).Stdout("tool=yes\n")
	e.On("192.0.2.10", d.iperfServer()).Stdout("pid=4242 log=/tmp/calyptos-iperf.AbC123\n")
	e.On("", d.iperfClient()).Delay(time.Minute)
	stop := iperfStop(4242, "/tmp/calyptos-iperf.AbC123")
	e.On("192.0.2.10", stop).Stdout("stopped=yes\n--- log\n")
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for e.CallCount(d.iperfClient()) == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	rep, err := calyptos.RunDebuggers(ctx, javaRoles(), e, []calyptos.Debugger{d}, calyptos.RunOptions{})
	require.ErrorIs(t, err, context.Canceled)
	require.NotNil(t, rep)
	assert.Equal(t, 1, e.CallCount(stop), "the server started is stopped even though the run was cancelled")
}

// TestIperfStopRuns runs iperfStop on this machine against a stand-in for
// an iperf server that, like iperf 2, takes a moment to exit on SIGTERM,
// and is not reaped at once by its parent (a zombie still has /proc/PID
// and comm "iperf"). The script must report it stopped.
func TestIperfStopRuns(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	dir := t.TempDir()
	fake := filepath.Join(dir, "iperf")
	require.NoError(t, os.WriteFile(fake, []byte("#!/bin/sh\ntrap 'sleep 1; exit 0' TERM\nwhile :; do sleep 0.1; done\n"), 0o755))
	log := filepath.Join(dir, "server.log")
	require.NoError(t, os.WriteFile(log, []byte("[  3] local 228.7.7.3 port 8773 connected with 192.0.2.11 port 41234\n"), 0o600))
	srv := exec.Command(fake)
	require.NoError(t, srv.Start())
	defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }() // reaped only at the end: a zombie until then
	require.Eventually(t, func() bool {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", srv.Process.Pid))
		return strings.TrimSpace(string(b)) == "iperf"
	}, 5*time.Second, 10*time.Millisecond, "stand-in has comm iperf")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, sh, "-c", iperfStop(srv.Process.Pid, log)).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "stopped=yes")
	assert.Contains(t, string(out), "connected with 192.0.2.11")
	assert.NoFileExists(t, log)
}

// A server that could not be confirmed stopped still has its log judged:
// the clients' multicast result is known whatever became of the server.
func TestVerifyComponentNetworkingJudgesLogOfUnstoppedServer(t *testing.T) {
	d := &VerifyComponentNetworking{AllowSideEffects: true}
	e := multicastExecutor(t, d)
	e.On("", d.iperfClient()).Stdout("Client connecting to 228.7.7.3, UDP port 8773\n")
	e.On("192.0.2.10", iperfStop(4242, "/tmp/calyptos-iperf.AbC123")).Stdout("stopped=no\n--- log\n" +
		"[  3] local 228.7.7.3 port 8773 connected with 192.0.2.11 port 41234\n")
	e.On("192.0.2.11", iperfStop(777, "/tmp/calyptos-iperf.XyZ789")).Stdout("stopped=yes\n--- log\n" +
		"[  3] local 228.7.7.3 port 8773 connected with 192.0.2.10 port 41234\n")
	rep := run(t, javaRoles(), e, d)
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: "192.0.2.10", Status: calyptos.Warn, Message: "pid 4242 may still be running"})
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: "192.0.2.11", Status: calyptos.Pass, Message: "communicated successfully with 192.0.2.10"})
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: "192.0.2.10", Status: calyptos.Pass, Message: "communicated successfully with 192.0.2.11"})
	calyptostest.NoFailures(t, rep)
}

// TestProbeScriptLocaleAndTimeout runs the probe command with a stand-in
// for bash: bash's connect errors come from strerror, in the host's
// language, and the probe program reports the probes it killed at its
// deadline as exit 124. A refused connection must read as refused, and a
// probe the program timed out as timed out.
func TestProbeScriptLocaleAndTimeout(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	dir := t.TempDir()
	// bash -c PROGRAM probe SECONDS ADDRESS PORT ...: the probe of port 2
	// never ends, and the program kills it at its deadline; it exits 3,
	// as the program does when it ran to its end.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bash"), []byte(`#!/bin/sh
shift 4
while [ $# -gt 1 ]; do
	case "${LC_ALL:-${LC_MESSAGES:-$LANG}}" in
	de*) message="probe: connect: Verbindungsaufbau abgelehnt" ;;
	*) message="probe: connect: Connection refused" ;;
	esac
	if [ "$2" = 2 ]; then
		printf 'probe %s %s 124 timed out after 1s\n' "$1" "$2"
	else
		printf 'probe %s %s 1 %s\n' "$1" "$2" "$message"
	fi
	shift 2
done
exit 3
`), 0o755))
	targets := []ProbeTarget{{Addr: "192.0.2.1", Port: 1}, {Addr: "192.0.2.1", Port: 2}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	script, _ := probeScript(targets, time.Second)
	cmd := exec.CommandContext(ctx, sh, "-c", script)
	cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"), "LANG=de_DE.UTF-8", "LC_ALL=", "LC_MESSAGES=")
	out, err := cmd.Output()
	require.NoError(t, err)
	res := map[int]calyptos.ProbeResult{}
	for _, p := range parseProbes(string(out)) {
		res[p.Port] = classifyProbe(p.Code, p.Detail)
	}
	assert.Equal(t, map[int]calyptos.ProbeResult{1: calyptos.ProbeRefused, 2: calyptos.ProbeTimeout}, res, string(out))
}

// A client that did not reach the group carries the server's log as
// evidence: when the server could not join the group, that is where the
// reason is.
func TestVerifyComponentNetworkingFailureHasServerLog(t *testing.T) {
	d := &VerifyComponentNetworking{AllowSideEffects: true}
	e := multicastExecutor(t, d)
	e.On("", d.iperfClient()).Stdout("Client connecting to 228.7.7.3, UDP port 8773\n")
	e.On("192.0.2.10", iperfStop(4242, "/tmp/calyptos-iperf.AbC123")).Stdout("stopped=yes\n--- log\n" +
		"Server listening on UDP port 8773\nmulticast join failed: No such device\n")
	e.On("192.0.2.11", iperfStop(777, "/tmp/calyptos-iperf.XyZ789")).Stdout("stopped=yes\n--- log\n" +
		"[  3] local 228.7.7.3 port 8773 connected with 192.0.2.10 port 41234\n")
	rep := run(t, javaRoles(), e, d)
	f := calyptostest.Find(rep, calyptostest.Match{Host: "192.0.2.11", Status: calyptos.Fail, Message: "did not reach the multicast group"})
	require.Len(t, f, 1, calyptostest.Dump(rep))
	assert.Contains(t, f[0].Evidence, "multicast join failed: No such device")
}
