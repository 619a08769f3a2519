// Package debugger holds the debuggers that ship with calyptos: checks of a
// running Eucalyptus deployment that log in to its hosts through a
// calyptos.Executor (sshexec, a local executor, or calyptostest's fake) and
// report what is wrong.
//
// Each debugger is an exported struct whose zero value is ready to use; its
// option fields hold the thresholds of the original Python tool as defaults
// (a zero field means the default) and switch on side effects, which are
// all off by default. Name returns the plugin name of the original.
// Default returns all of them in the original's effective (alphabetical)
// run order:
//
//	check_ports                  required TCP/UDP ports listening, per role (ss, netstat)
//	component_storage_check      disk size of /var/lib/eucalyptus, total memory
//	debug_cloud_controller       CLC service, euca-describe-services, postgres, DB size, disk use, free memory
//	debug_cluster_controller     CC service
//	debug_compute_req            OS release, x86_64, CPUs, Intel/AMD, NTP, clock skew, VT-x/AMD-V on NCs
//	debug_node_controller        NC and libvirtd services
//	eucalyptus_sosreports        sosreport on every Eucalyptus host, collected into the artifacts dir
//	file_permissions             owner of /var/lib/eucalyptus and /var/log/eucalyptus
//	verify_component_networking  NIC speeds; multicast between Java components (opt-in)
//	verify_networking            TCP reachability matrix between components, end-user access
//
// The read-only debuggers read host facts (package facts) with
// calyptos.Gather and declare them with a Needs method, so that a run
// gathers the facts of every selected debugger in one session per host
// before the first one runs, and a fact several debuggers read is read
// once; the reachability probes of verify_networking are such a fact too
// (ProbeTCP and ProbeNeeds, probe.sh, exported for other debuggers: package
// checks' reach edges), so the default debuggers cost one session per
// host. Commands with side effects (sosreport, the multicast test, package
// installs) are their own fan-outs (Check.RunOnHosts or Check.RunEach). Commands work on EL6 (SysV init,
// netstat), EL7 (systemd, ss) and current distributions: where a tool may
// be missing, one command falls back to the older one and the parser
// reads whichever answered. A command exiting non-zero is data, not an
// abort; an unreachable host is one Fail finding for that host per
// debugger and the other hosts are still checked.
package debugger

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/facts"
	"github.com/org/calyptos/hostname"
)

// Default returns a fresh instance of every built-in debugger with default
// options, in the original's run order: check_ports,
// component_storage_check, debug_cloud_controller, debug_cluster_controller,
// debug_compute_req, debug_node_controller, eucalyptus_sosreports,
// file_permissions, verify_component_networking, verify_networking.
func Default() []calyptos.Debugger {
	return []calyptos.Debugger{
		&CheckPorts{},
		&ComponentStorageCheck{},
		&DebugCloudController{},
		&DebugClusterController{},
		&DebugComputeReq{},
		&DebugNodeController{},
		&EucalyptusSosreports{},
		&FilePermissions{},
		&VerifyComponentNetworking{},
		&VerifyNetworking{},
	}
}

// union returns the hosts of every role, sorted, without duplicates.
func union(rb *calyptos.RoleBuilder, roles ...string) []string {
	var hs []string
	for _, r := range roles {
		hs = append(hs, rb.Hosts(r)...)
	}
	return hostname.Sort(hs)
}

// quoteAll shell-quotes every word and joins them with spaces.
func quoteAll(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = calyptos.ShellQuote(w)
	}
	return strings.Join(q, " ")
}

// addrOf returns the address part of a host as written in the environment
// ("192.0.2.10:2222" → "192.0.2.10"), which is what a component listens on.
func addrOf(host string) string {
	a, _, err := hostname.Split(host)
	if err != nil {
		return host
	}
	return a
}

// installScript returns one command that installs packages with yum, or
// apt-get where there is no yum, under the name each distribution gives
// them (aptNames). It never turns off signature checks.
func installScript(names ...string) string {
	apt := make([]string, len(names))
	for i, n := range names {
		apt[i] = cmp.Or(aptNames(n), n)
	}
	return "if command -v yum >/dev/null 2>&1; then yum install --assumeyes --quiet " + quoteAll(names) +
		"; elif command -v apt-get >/dev/null 2>&1; then DEBIAN_FRONTEND=noninteractive apt-get install -y -q " + quoteAll(apt) +
		"; else echo 'no yum or apt-get on this host' >&2; exit 127; fi 2>&1"
}

// aptNames gives the Debian name of an EL package where they differ.
func aptNames(elName string) string {
	switch elName {
	case "sos":
		return "sosreport"
	}
	return ""
}

// evidence joins a command's stdout and stderr for a finding's evidence.
func evidence(o calyptos.Output) string {
	s := strings.TrimSpace(o.Stdout)
	if e := strings.TrimSpace(o.Stderr); e != "" {
		if s != "" {
			s += "\n"
		}
		s += e
	}
	return s
}

// gib formats KiB as GiB for messages.
func gib(kib int64) string { return fmt.Sprintf("%.1f GiB", float64(kib)/(1<<20)) }

// byteSize formats a byte count for messages.
func byteSize(b int64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(b)/(1<<10))
	}
	return fmt.Sprintf("%d B", b)
}

// withDefault returns v, or def when v is zero.
func withDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// sliceOr returns v, or a copy of def when v is empty.
func sliceOr[T any](v, def []T) []T {
	if len(v) == 0 {
		return slices.Clone(def)
	}
	return v
}

// serviceCheck reports, for each host of a fan-out of serviceScript,
// whether one of the alternative names of a service runs there. what names
// the service in messages ("CLC service").
func serviceCheck(c *calyptos.Check, host string, states []facts.ServiceState, what string, names []string) {
	s := c.OnHost(host)
	var seen []string
	for _, st := range states {
		if !slices.Contains(names, st.Name) {
			continue
		}
		if st.Running {
			s.Key("service:"+names[0]).Successf("%s running (%s: %s)", what, st.Name, st.Detail)
			return
		}
		seen = append(seen, st.Name+": "+st.Detail)
	}
	if len(seen) == 0 {
		s.Key("service:"+names[0]).Hint("check the service manager answers on the host (systemctl status, or service <name> status)").Failuref("%s state unknown: no status for %s", what, strings.Join(names, ", "))
		return
	}
	s.Key("service:"+names[0]).Hint("start the service (systemctl start <name>) and read its log under /var/log/eucalyptus/ if it stops again").Failuref("%s not running (%s)", what, strings.Join(seen, "; "))
}
