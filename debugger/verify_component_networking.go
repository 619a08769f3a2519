package debugger

import (
	"cmp"
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/facts"
	"github.com/org/calyptos/hostname"
	"github.com/org/calyptos/internal/textparse"
)

// Defaults of VerifyComponentNetworking.
const (
	// DefaultMinNICSpeed is the least NIC speed, in Mb/s, that passes
	// without a warning.
	DefaultMinNICSpeed = 1000
	// DefaultMulticastGroup is the group the Java components use.
	DefaultMulticastGroup = "228.7.7.3"
	// DefaultMulticastPort is the port of the multicast test.
	DefaultMulticastPort = 8773
)

// VerifyComponentNetworking checks the network interfaces of every host and,
// when side effects are allowed, that multicast traffic passes between the
// Java components (CLC, user-facing, SC, walrus), as the cluster membership
// of Eucalyptus needs (verify_component_networking).
//
// NICs are read from /sys/class/net (speed, driver, state; lspci where
// there is no sysfs). A host with no NIC fails; a NIC slower than
// MinNICSpeed or of unknown speed (virtio, for one) is a warning, not a
// failure.
//
// The multicast test starts an iperf UDP server on each Java host in turn,
// runs a client on every other one, then stops that server by the PID its
// start printed ($!) and reads its log: each client must show up in it.
// It runs only when AllowSideEffects is set, and every server it starts is
// stopped, even when the run is cancelled.
type VerifyComponentNetworking struct {
	// AllowSideEffects enables the multicast test, which starts iperf
	// servers.
	AllowSideEffects bool
	// InstallPackages lets the multicast test install iperf where it is
	// missing.
	InstallPackages bool
	// MinNICSpeed is the least NIC speed in Mb/s (default
	// DefaultMinNICSpeed).
	MinNICSpeed int
	// MulticastGroup is the multicast address (default
	// DefaultMulticastGroup).
	MulticastGroup string
	// MulticastPort is the UDP port of the test (default
	// DefaultMulticastPort).
	MulticastPort int
}

// Name returns "verify_component_networking".
func (*VerifyComponentNetworking) Name() string { return "verify_component_networking" }

// Needs implements calyptos.FactNeeder: the NICs of every host (the
// multicast test, which has side effects, runs its own commands).
func (d *VerifyComponentNetworking) Needs(rb *calyptos.RoleBuilder) []calyptos.Need {
	return []calyptos.Need{{Fact: facts.NICs(), Hosts: rb.All()}}
}

// Debug implements calyptos.Debugger.
func (d *VerifyComponentNetworking) Debug(ctx context.Context, c *calyptos.Check) {
	hosts := c.Roles().All()
	if len(hosts) == 0 {
		c.Skipped("no hosts in the deployment")
		return
	}
	minSpeed := withDefault(d.MinNICSpeed, DefaultMinNICSpeed)
	for _, r := range calyptos.Gather(ctx, c, facts.NICs(), hosts) {
		if c.Reached(r.Host, r.Err) {
			checkNICs(c.OnHost(r.Host), r, minSpeed)
		}
	}
	d.multicast(ctx, c)
}

func checkNICs(s calyptos.Scope, r calyptos.FactResult[[]facts.NIC], minSpeed int) {
	nics := r.Value
	if len(nics) == 0 {
		s.Key("nics").Hint("check that /sys/class/net lists the host's interfaces").Report(calyptos.Fail, "no network interface found", evidence(r.Output))
		return
	}
	var all, slow []string
	up := 0
	for _, n := range nics {
		desc := n.Name
		switch {
		case n.Speed > 0:
			desc += " " + strconv.Itoa(n.Speed) + " Mb/s"
		default:
			desc += " speed unknown"
		}
		if n.Driver != "" {
			desc += " (" + n.Driver + ")"
		}
		if n.State == "down" {
			desc += " down"
		}
		all = append(all, desc)
		if n.State == "down" {
			continue
		}
		up++
		if n.Speed < minSpeed {
			slow = append(slow, desc)
		}
	}
	s.Key("nics").Successf("%d network interface(s): %s", len(nics), strings.Join(all, ", "))
	switch {
	case up == 0:
		s.Key("nic-speed").Hint("bring up the host's network interface (ip link set <nic> up)").Warning("no network interface is up")
	case len(slow) > 0:
		s.Key("nic-speed").Hint("use gigabit (or faster) NICs for cloud traffic; a virtual NIC reports no speed and can be ignored").Warningf("NIC speed below %d Mb/s or unknown: %s", minSpeed, strings.Join(slow, ", "))
	default:
		s.Key("nic-speed").Successf("all active NICs are at least %d Mb/s", minSpeed)
	}
}

// iperfCheckCommand tells whether iperf is installed.
const iperfCheckCommand = "if command -v iperf >/dev/null 2>&1; then echo tool=yes; else echo tool=no; fi"

func (d *VerifyComponentNetworking) iperfServer() string {
	return "command -v iperf >/dev/null 2>&1 || { echo 'iperf not installed'; exit 127; }; " +
		"log=$(mktemp /tmp/calyptos-iperf.XXXXXX) || exit 1; " +
		"nohup iperf -s -u -B " + calyptos.ShellQuote(d.group()) + " -p " + strconv.Itoa(d.port()) + " -i 1 >\"$log\" 2>&1 </dev/null & " +
		"echo \"pid=$! log=$log\"; sleep 1"
}

func (d *VerifyComponentNetworking) iperfClient() string {
	return "iperf -c " + calyptos.ShellQuote(d.group()) + " -u -T 32 -p " + strconv.Itoa(d.port()) + " -t 5 -i 1 2>&1"
}

// iperfStop stops the server with PID pid if it is still iperf, prints
// whether it is gone, then its log, and removes the log. iperf 2 takes a
// moment to exit on SIGTERM, so the script waits up to five seconds before
// SIGKILL, and up to five more after it; a process that has exited but is
// not yet reaped (a zombie, which still shows comm "iperf") is gone.
func iperfStop(pid int, log string) string {
	p := strconv.Itoa(pid)
	l := calyptos.ShellQuote(log)
	wait := "i=0; while alive && [ $i -lt 5 ]; do sleep 1; i=$((i+1)); done; "
	return "alive() { [ \"$(cat /proc/" + p + "/comm 2>/dev/null)\" = iperf ] && ! grep -q '^State:[[:space:]]*Z' /proc/" + p + "/status 2>/dev/null; }; " +
		"if alive; then kill " + p + "; " + wait + "if alive; then kill -9 " + p + "; " + wait + "fi; fi; " +
		"if alive; then echo stopped=no; else echo stopped=yes; fi; " +
		"echo '--- log'; cat " + l + " 2>/dev/null; rm -f -- " + l
}

func (d *VerifyComponentNetworking) group() string {
	return withDefault(d.MulticastGroup, DefaultMulticastGroup)
}

func (d *VerifyComponentNetworking) port() int {
	return withDefault(d.MulticastPort, DefaultMulticastPort)
}

func (d *VerifyComponentNetworking) multicast(ctx context.Context, c *calyptos.Check) {
	java := union(c.Roles(), eucalyptus.RoleCLC, eucalyptus.RoleUserFacing, eucalyptus.RoleStorageController, eucalyptus.RoleWalrus)
	if !d.AllowSideEffects {
		c.Skipped("multicast test not run: it starts iperf servers on the Java component hosts; set AllowSideEffects (--allow-side-effects) to run it")
		return
	}
	if len(java) < 2 {
		c.Skipped("multicast test needs at least two Java component hosts")
		return
	}
	var ready, missing []string
	for _, r := range c.RunOnHosts(ctx, iperfCheckCommand, java) {
		if !c.HostOK(r) {
			continue
		}
		if strings.Contains(r.Stdout, "tool=yes") {
			ready = append(ready, r.Host)
		} else {
			missing = append(missing, r.Host)
		}
	}
	if len(missing) > 0 {
		if d.InstallPackages {
			for _, r := range c.RunOnHosts(ctx, installScript("iperf"), missing) {
				switch {
				case !c.HostOK(r):
				case r.OK():
					c.OnHost(r.Host).Key("iperf").Success("Installed iperf")
					ready = append(ready, r.Host)
				default:
					c.OnHost(r.Host).Key("iperf").Hint("install iperf by hand (it is in EPEL) to see why").Report(calyptos.Fail, fmt.Sprintf("Installing iperf failed (exit %d)", r.ExitCode), tail(evidence(r.Output), 2048))
				}
			}
		} else {
			for _, h := range missing {
				c.OnHost(h).Key("iperf").Hint("install iperf (from EPEL), or run with --install-packages").Failure("iperf is not installed: install it, or set InstallPackages (--install-packages)")
			}
		}
	}
	ready = hostname.Sort(ready)
	if len(ready) < 2 {
		c.Skipped("multicast test needs iperf on at least two Java component hosts")
		return
	}
	for _, server := range ready {
		if ctx.Err() != nil {
			return
		}
		clients := slices.DeleteFunc(slices.Clone(ready), func(h string) bool { return h == server })
		d.multicastRound(ctx, c, server, clients)
	}
}

// multicastRound runs one iperf server on server and a client on each of
// clients, and stops the server whatever happens.
func (d *VerifyComponentNetworking) multicastRound(ctx context.Context, c *calyptos.Check, server string, clients []string) {
	s := c.OnHost(server)
	out, err := c.RunOnHost(ctx, d.iperfServer(), server)
	if !c.HostOK(calyptos.HostResult{Host: server, Output: out, Err: err}) {
		return
	}
	kv := textparse.ParseKV(firstLineWith(out.Stdout, "pid="))
	pid, okPID := textparse.Atoi(kv["pid"])
	log := kv["log"]
	if !out.OK() || !okPID || pid < 2 || pid > 1<<22 || !strings.HasPrefix(log, "/tmp/calyptos-iperf.") {
		s.Key("multicast-server").Hint("run the iperf server command by hand on the host to see why (is port 8773 free?)").Report(calyptos.Fail, "iperf (server mode) failed to be established", evidence(out))
		return
	}
	// Stop the server even if the clients' run was cancelled.
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		sctx = calyptos.WithCommandTimeout(sctx, 30*time.Second)
		o, err := c.RunOnHost(sctx, iperfStop(int(pid), log), server)
		switch {
		case err != nil:
			s.Key("multicast-server-stop").Hint("stop the iperf server on the host by hand (pkill -f 'iperf -s -u')").Warningf("iperf (server mode) pid %d may still be running: %v", pid, err)
			return
		case !strings.Contains(o.Stdout, "stopped=yes"):
			s.Key("multicast-server-stop").Hint("stop the iperf server on the host by hand (pkill -f 'iperf -s -u')").Report(calyptos.Warn, fmt.Sprintf("iperf (server mode) pid %d may still be running (exit %d)", pid, o.ExitCode), evidence(o))
		default:
			s.Infof("iperf (server mode) pid %d stopped", pid)
		}
		// The log tells whether multicast traffic arrived, whatever
		// became of the server.
		if strings.Contains(o.Stdout, "--- log") {
			d.judgeLog(c, server, clients, o.Stdout)
		}
	}()
	for _, r := range c.RunOnHosts(ctx, d.iperfClient(), clients) {
		if c.HostOK(r) && !r.OK() {
			c.OnHost(r.Host).Key("multicast-client:"+server).Hint("run the iperf client by hand to see why").Report(calyptos.Warn, fmt.Sprintf("iperf client to the server on %s exited %d", server, r.ExitCode), tail(evidence(r.Output), 2048))
		}
	}
}

// judgeLog reads the server's log and reports, for each client, whether
// its traffic arrived.
func (d *VerifyComponentNetworking) judgeLog(c *calyptos.Check, server string, clients []string, out string) {
	_, log, _ := strings.Cut(out, "--- log")
	if strings.TrimSpace(log) == "" {
		c.OnHost(server).Key("multicast-server").Hint("allow IP multicast between the Java component hosts (switches, IGMP snooping, firewall): they find each other by multicast").Failure("iperf (server mode) log is empty: no multicast traffic arrived")
		return
	}
	peers := parseIperfPeers(log)
	for _, cl := range clients {
		a := addrOf(cl)
		var ok bool
		if _, err := netip.ParseAddr(a); err == nil {
			ok = slices.Contains(peers, a)
		} else {
			// A host given by name: the log shows addresses only, so
			// count the peers instead.
			ok = len(peers) >= len(clients)
		}
		if ok {
			c.OnHost(cl).Key("multicast:"+server).Successf("%s communicated successfully with %s for multicast membership", cl, server)
		} else {
			c.OnHost(cl).Key("multicast:"+server).Hint("allow IP multicast between the Java component hosts (switches, IGMP snooping, firewall): they find each other by multicast").Report(calyptos.Fail, fmt.Sprintf("%s did not reach the multicast group %s on %s (peers seen: %s)", cl, d.group(), server, cmp.Or(strings.Join(peers, " "), "none")),
				"iperf server log on "+server+":\n"+tail(strings.TrimSpace(log), 2048))
		}
	}
}

// firstLineWith returns the first line of s containing sub.
func firstLineWith(s, sub string) string {
	for line := range strings.Lines(s) {
		if strings.Contains(line, sub) {
			return line
		}
	}
	return ""
}
