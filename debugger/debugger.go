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
// Every debugger gathers each remote fact with one fan-out over the hosts
// that need it (Check.RunOnHosts or Check.RunEach), never one connection
// per check per host, and runs a debugger's facts concurrently. Commands
// work on EL6 (SysV init, netstat), EL7 (systemd, ss) and current
// distributions: where a tool may be missing, one command falls back to the
// older one and the parser reads whichever answered. A command exiting
// non-zero is data, not an abort; an unreachable host is one Fail finding
// for that host per debugger and the other hosts are still checked.
package debugger

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/org/calyptos"
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

// gather runs each command on every host, one fan-out per command, the
// fan-outs concurrently, and returns their results in the order of
// commands.
func gather(ctx context.Context, c *calyptos.Check, hosts []string, commands ...string) []calyptos.Results {
	out := make([]calyptos.Results, len(commands))
	if len(hosts) == 0 {
		for i := range out {
			out[i] = calyptos.Results{}
		}
		return out
	}
	var wg sync.WaitGroup
	for i, cmd := range commands {
		wg.Go(func() { out[i] = c.RunOnHosts(ctx, cmd, hosts) })
	}
	wg.Wait()
	return out
}

// union returns the hosts of every role, sorted, without duplicates.
func union(rb *calyptos.RoleBuilder, roles ...string) []string {
	var hs []string
	for _, r := range roles {
		hs = append(hs, rb.Hosts(r)...)
	}
	return calyptos.SortHosts(hs)
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
	a, _, err := calyptos.SplitHostPort(host)
	if err != nil {
		return host
	}
	return a
}

// serviceScript returns one command that reports the state of each named
// service, through systemd where the host booted with it (systemctl
// is-active / is-enabled) and through SysV init otherwise (service NAME
// status, chkconfig --list); parseServices reads its output. The SysV
// tools run with LC_ALL=C: chkconfig translates "on" and "off". Of the
// status output, the last non-blank line is kept: init scripts print
// their warnings first and their status line last.
func serviceScript(names ...string) string {
	q := quoteAll(names)
	return "if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then " +
		"for s in " + q + "; do printf 'unit=%s init=systemd active=%s enabled=%s\\n' \"$s\" " +
		"\"$(systemctl is-active \"$s\" 2>/dev/null | head -n 1)\" \"$(systemctl is-enabled \"$s\" 2>/dev/null | head -n 1)\"; done; " +
		"else for s in " + q + "; do o=$(LC_ALL=C service \"$s\" status 2>&1); r=$?; " +
		"printf 'unit=%s init=sysv status=%s boot=%s text=%s\\n' \"$s\" \"$r\" " +
		"\"$(LC_ALL=C chkconfig --list \"$s\" 2>/dev/null | head -n 1 | tr -s ' \\t' ',,')\" \"$(printf '%s\\n' \"$o\" | sed '/^[[:space:]]*$/d' | tail -n 1)\"; done; fi"
}

// packageScript returns one command that says, for each package, whether
// rpm or dpkg knows it as installed; parsePackages reads its output.
func packageScript(names ...string) string {
	return "for p in " + quoteAll(names) + "; do " +
		"if command -v rpm >/dev/null 2>&1 && rpm -q \"$p\" >/dev/null 2>&1; then s=installed; " +
		"elif command -v dpkg-query >/dev/null 2>&1 && dpkg-query -W -f='${Status}' \"$p\" 2>/dev/null | grep -q 'ok installed'; then s=installed; " +
		"else s=missing; fi; printf 'pkg=%s status=%s\\n' \"$p\" \"$s\"; done"
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
func serviceCheck(c *calyptos.Check, host string, states []serviceState, what string, names []string) {
	s := c.OnHost(host)
	var seen []string
	for _, st := range states {
		if !slices.Contains(names, st.Name) {
			continue
		}
		if st.Running {
			s.Successf("%s running (%s: %s)", what, st.Name, st.Detail)
			return
		}
		seen = append(seen, st.Name+": "+st.Detail)
	}
	if len(seen) == 0 {
		s.Failuref("%s state unknown: no status for %s", what, strings.Join(names, ", "))
		return
	}
	s.Failuref("%s not running (%s)", what, strings.Join(seen, "; "))
}
