package debugger

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/facts"
	"github.com/org/calyptos/internal/textparse"
	count "github.com/org/calyptos/internal/words"
)

// Defaults of DebugComputeReq.
const (
	// DefaultMinCPUs is the least number of processors of a host.
	DefaultMinCPUs = 2
	// DefaultMaxClockSkew is how far a host's clock may be from the
	// others'.
	DefaultMaxClockSkew = 20 * time.Second
	// DefaultArch is the machine architecture Eucalyptus runs on.
	DefaultArch = "x86_64"
)

// OSVersion is an operating system accepted by DebugComputeReq: an
// os-release ID (matched against ID and ID_LIKE, so "rhel" accepts CentOS
// and Rocky) and a major version.
type OSVersion struct {
	ID    string
	Major int
}

// String formats the version as "centos 7".
func (v OSVersion) String() string { return fmt.Sprintf("%s %d", v.ID, v.Major) }

// DefaultAcceptedOS returns the releases Eucalyptus 4 supports: Enterprise
// Linux 6 and 7 (RHEL, CentOS, Scientific Linux, Oracle Linux).
func DefaultAcceptedOS() []OSVersion {
	var vs []OSVersion
	for _, id := range []string{"rhel", "centos", "scientific", "ol"} {
		vs = append(vs, OSVersion{ID: id, Major: 6}, OSVersion{ID: id, Major: 7})
	}
	return vs
}

// DebugComputeReq checks the compute requirements of every host
// (debug_compute_req): operating system release, x86_64, at least two
// Intel or AMD processors, an NTP daemon installed, running and enabled at
// boot, clocks in step, and hardware virtualization on node controllers.
//
// Clocks are compared as real times: the gathering session reads
// `date -u +%s.%N` on every host, each reading is offset by the local time
// of the middle of that session, and a host fails when it is more than
// MaxClockSkew (less the reading's uncertainty, half the session) from the
// median of the hosts (the original compared HHMMSS strings as integers). A
// deployment whose hosts agree but differ from this machine is a warning.
// Where chronyc or ntpq answers, the daemon's own offset is reported too
// (a daemon not synchronised to any source is a warning).
type DebugComputeReq struct {
	// AcceptedOS lists the accepted releases (default DefaultAcceptedOS).
	AcceptedOS []OSVersion
	// Arch is the required `uname -m` (default DefaultArch).
	Arch string
	// MinCPUs is the least number of processors (default DefaultMinCPUs).
	MinCPUs int
	// MaxClockSkew is the largest clock difference (default
	// DefaultMaxClockSkew).
	MaxClockSkew time.Duration
	// TimeServices are the services that keep time; one must run and be
	// enabled at boot (default ntpd, chronyd, ntp, ntpsec).
	TimeServices []string
	// Now returns the local time (default time.Now); tests set it.
	Now func() time.Time
}

// Name returns "debug_compute_req".
func (*DebugComputeReq) Name() string { return "debug_compute_req" }

func (d *DebugComputeReq) timeServices() []string {
	return sliceOr(d.TimeServices, []string{"ntpd", "chronyd", "ntp", "ntpsec"})
}

// timePackages lists the time packages debug_compute_req looks for: ntp
// (or Debian 12's ntpsec, which replaced it), ntpdate and chrony.
func timePackages() *calyptos.Fact[map[string]bool] {
	return facts.Packages("ntp", "ntpsec", "ntpdate", "chrony")
}

// Needs implements calyptos.FactNeeder: release, architecture, CPUs, time
// packages, services, daemon and clock of every host. The clock is read in
// the gathering session, which costs the host no session of its own; the
// session's round trip bounds when it was read (see checkClocks).
func (d *DebugComputeReq) Needs(rb *calyptos.RoleBuilder) []calyptos.Need {
	hosts := rb.All()
	var ns []calyptos.Need
	for _, f := range []calyptos.AnyFact{facts.Clock(), facts.OSRelease(), facts.Arch(), facts.CPU(), timePackages(), facts.Services(d.timeServices()...), facts.NTPSync()} {
		ns = append(ns, calyptos.Need{Fact: f, Hosts: hosts})
	}
	return ns
}

// Debug implements calyptos.Debugger.
func (d *DebugComputeReq) Debug(ctx context.Context, c *calyptos.Check) {
	hosts := c.Roles().All()
	if len(hosts) == 0 {
		c.Skipped("no hosts in the deployment")
		return
	}
	timeSvcs := d.timeServices()
	clocks := calyptos.Gather(ctx, c, facts.Clock(), hosts)
	osr := calyptos.Gather(ctx, c, facts.OSRelease(), hosts)
	arch := calyptos.Gather(ctx, c, facts.Arch(), hosts)
	cpu := calyptos.Gather(ctx, c, facts.CPU(), hosts)
	pkgs := calyptos.Gather(ctx, c, timePackages(), hosts)
	svcs := calyptos.Gather(ctx, c, facts.Services(timeSvcs...), hosts)
	ntp := calyptos.Gather(ctx, c, facts.NTPSync(), hosts)

	rb := c.Roles()
	for i, h := range hosts {
		s := c.OnHost(h)
		if c.Reached(h, osr[i].Err) {
			d.checkOS(s, osr[i])
		}
		if c.Reached(h, arch[i].Err) {
			d.checkArch(s, arch[i])
		}
		if c.Reached(h, cpu[i].Err) {
			d.checkCPU(s, cpu[i].Value, rb.Has(eucalyptus.RoleNodeController, h))
		}
		if c.Reached(h, pkgs[i].Err) {
			checkTimePackages(s, pkgs[i].Value)
		}
		if c.Reached(h, svcs[i].Err) {
			checkTimeService(s, svcs[i].Value, timeSvcs)
		}
		if c.Reached(h, ntp[i].Err) {
			d.checkTimeSync(s, ntp[i])
		}
	}
	d.checkClocks(c, hosts, clocks)
}

func (d *DebugComputeReq) checkOS(s calyptos.Scope, r calyptos.FactResult[facts.OSInfo]) {
	if r.Err != nil {
		s.Key("os").Hint("make sure /etc/os-release (or /etc/system-release) exists on the host").Report(calyptos.Fail, "cannot identify the operating system", evidence(r.Output))
		return
	}
	info := r.Value
	accepted := sliceOr(d.AcceptedOS, DefaultAcceptedOS())
	for _, v := range accepted {
		if v.Major == info.Major && (v.ID == info.ID || slices.Contains(info.IDLike, v.ID)) {
			s.Key("os").Successf("Operating system supported: %s", info.Pretty)
			return
		}
	}
	names := make([]string, len(accepted))
	for i, v := range accepted {
		names[i] = v.String()
	}
	s.Key("os").Hint("install a supported release (RHEL/CentOS 7 for Eucalyptus 4.4), or add it to DebugComputeReq.AcceptedOS").Failuref("Operating system not supported: %s (id %s, version %s; accepted: %s)",
		info.Pretty, info.ID, info.Version, strings.Join(names, ", "))
}

func (d *DebugComputeReq) checkArch(s calyptos.Scope, r calyptos.FactResult[string]) {
	want := withDefault(d.Arch, DefaultArch)
	got, out := r.Value, r.Output
	if got == want {
		s.Key("arch").Successf("Architecture is %s", got)
		return
	}
	s.Key("arch").Hint("use an x86_64 host: Eucalyptus ships for x86_64 only").Report(calyptos.Fail, fmt.Sprintf("Architecture is %q, want %s", textparse.FirstLine(got), want), evidence(out))
}

func (d *DebugComputeReq) checkCPU(s calyptos.Scope, ci facts.CPUInfo, nc bool) {
	minCPUs := withDefault(d.MinCPUs, DefaultMinCPUs)
	if ci.Processors < minCPUs {
		s.Key("cpus").Hint("give the host at least the required number of CPUs").Failuref("%d processor(s), at least %d required", ci.Processors, minCPUs)
	} else {
		s.Key("cpus").Successf("%d processors (at least %d required)", ci.Processors, minCPUs)
	}
	model := strings.Join(ci.Models, "; ")
	if ci.IntelOrAMD() {
		s.Key("cpu-vendor").Successf("Intel/AMD processor: %s", model)
	} else {
		s.Key("cpu-vendor").Hint("use an Intel or AMD x86_64 processor").Failuref("processor is not Intel or AMD: vendor %s, model %s",
			cmp.Or(strings.Join(ci.Vendors, ","), "unknown"), cmp.Or(model, "unknown"))
	}
	if !nc {
		return
	}
	switch ci.Virt {
	case "vmx":
		s.Key("virtualization").Success("Intel hardware virtualization support (vmx)")
	case "svm":
		s.Key("virtualization").Success("AMD hardware virtualization support (svm)")
	default:
		s.Key("virtualization").Hint("enable VT-x/AMD-V in the BIOS (or nested virtualization for a VM): node controllers run instances with KVM").Failure("no hardware virtualization support: the CPU flags have neither vmx nor svm (enable VT-x/AMD-V, or nested virtualization)")
	}
}

func checkTimePackages(s calyptos.Scope, pkgs map[string]bool) {
	if len(pkgs) == 0 {
		s.Key("ntp-package").Hint("check that rpm (or dpkg) answers on the host").Failure("cannot tell which packages are installed")
		return
	}
	ntp := ""
	switch {
	case pkgs["ntp"]:
		ntp = "ntp"
	case pkgs["ntpsec"]:
		ntp = "ntpsec"
	}
	switch {
	case ntp != "" && pkgs["chrony"]:
		s.Key("ntp-package").Success("Package found - " + ntp + ", chrony")
	case ntp != "":
		s.Key("ntp-package").Success("Package found - " + ntp)
		if ntp == "ntp" && !pkgs["ntpdate"] {
			s.Key("ntpdate").Hint("install ntpdate (yum install ntpdate) to set the clock at boot").Warning("Package not found - ntpdate")
		}
	case pkgs["chrony"]:
		s.Key("ntp-package").Success("Package found - chrony")
	default:
		s.Key("ntp-package").Hint("install an NTP daemon (yum install ntp, or chrony): Eucalyptus components must agree on the time").Failure("Package not found - ntp (no NTP daemon package: ntp, ntpsec or chrony)")
	}
}

func checkTimeService(s calyptos.Scope, states []facts.ServiceState, names []string) {
	var seen []string
	for _, st := range states {
		if !slices.Contains(names, st.Name) {
			continue
		}
		if !st.Running {
			if st.Installed {
				seen = append(seen, st.Name+": "+st.Detail)
			}
			continue
		}
		s.Key("ntp-service").Successf("%s running", st.Name)
		switch st.Enabled {
		case "no":
			if st.Init == "sysv" {
				s.Key("ntp-boot").Hint("enable the service at boot: chkconfig <service> on").Failuref("runlevel for %s has not been set to default-start (chkconfig %s on)", st.Name, st.Name)
			} else {
				s.Key("ntp-boot").Hint("enable the service at boot: systemctl enable <service>").Failuref("%s is not enabled at boot (systemctl enable %s)", st.Name, st.Name)
			}
		case "yes":
			s.Key("ntp-boot").Successf("%s starts at boot", st.Name)
		}
		return
	}
	if len(seen) == 0 {
		s.Key("ntp-service").Hint("install and start an NTP service (ntpd or chronyd)").Failuref("no NTP service installed (%s)", strings.Join(names, ", "))
		return
	}
	s.Key("ntp-service").Hint("start the NTP service (systemctl start ntpd, or chronyd) and enable it at boot").Failuref("no NTP service running (%s)", strings.Join(seen, "; "))
}

// checkTimeSync reports the NTP daemon's own view of the clock, when
// chronyc or ntpq answered.
func (d *DebugComputeReq) checkTimeSync(s calyptos.Scope, r calyptos.FactResult[facts.TimeSync]) {
	if r.Err != nil {
		return // neither tool answered: checkTimeService has said why
	}
	ts, out := r.Value, r.Output
	skew := withDefault(d.MaxClockSkew, DefaultMaxClockSkew)
	switch {
	case !ts.Synced:
		s.Key("time-sync").Hint("check the NTP servers the daemon uses are reachable (ntpq -p, or chronyc sources)").Report(calyptos.Warn, fmt.Sprintf("%s is not synchronised to a time source", ts.Source), evidence(out))
	case ts.Offset.Abs() > skew:
		s.Key("time-sync").Hint("let the NTP daemon correct the clock (or step it once with ntpdate); components reject requests signed with a skewed clock").Failuref("%s offset %s is more than %s", ts.Source, ts.Offset, skew)
	default:
		s.Key("time-sync").Successf("clock synchronised by %s (offset %s)", ts.Source, ts.Offset)
	}
}

// clockReading is one host's clock offset from the local clock.
type clockReading struct {
	host   string
	offset time.Duration
	// slack is half the round trip: the remote clock was read somewhere
	// between sending and receiving, so offset is known to within slack.
	slack time.Duration
}

// checkClocks compares the hosts' clocks with the median reading. Each
// reading is known to within its slack, and so is the median: a host fails
// only when it is further from the median than the limit plus both.
func (d *DebugComputeReq) checkClocks(c *calyptos.Check, hosts []string, clocks []calyptos.FactResult[time.Time]) {
	rs := d.clockReadings(c, hosts, clocks)
	if len(rs) == 0 {
		return
	}
	slices.SortStableFunc(rs, func(a, b clockReading) int { return cmp.Compare(a.offset, b.offset) })
	// The reference is the median; of two middle readings, the one closer
	// to this machine's clock, so that with two hosts the odd one out is
	// the one that also disagrees with here.
	median := rs[len(rs)/2]
	if n := len(rs); n%2 == 0 && rs[n/2-1].offset.Abs() < median.offset.Abs() {
		median = rs[n/2-1]
	}
	skew := withDefault(d.MaxClockSkew, DefaultMaxClockSkew)
	var worst time.Duration
	failed := false
	for _, r := range rs {
		dev := r.offset - median.offset
		worst = max(worst, dev.Abs())
		if dev.Abs()-r.slack-median.slack > skew {
			failed = true
			dir := "ahead of"
			if dev < 0 {
				dir = "behind"
			}
			accuracy := ""
			if r.slack+median.slack >= 50*time.Millisecond {
				accuracy = fmt.Sprintf("; readings accurate to ±%s", seconds(r.slack+median.slack))
			}
			c.OnHost(r.host).Key("clock").Hint("synchronise the host's clock with NTP: components reject requests signed with a skewed clock").Failuref("clock is %s %s the other hosts (more than %s allowed%s)", seconds(dev.Abs()), dir, skew, accuracy)
		}
	}
	if !failed {
		c.Key("clocks").Successf("Clocks are synced within allowed threshold: %s within %s of each other (limit %s)", count.Count(len(rs), "host", "hosts"), seconds(worst), skew)
	}
	if median.offset.Abs()-median.slack > skew {
		c.Key("local-clock").Hint("synchronise this machine's clock, or the hosts', with NTP").Warningf("the hosts' clocks are %s away from this machine's clock", seconds(median.offset.Abs()))
	}
}

// clockReadings places each host's reading in its gathering session: it
// was read between Sent and Sent+Elapsed (this machine's clock, moved to
// Now's), so it is compared with the middle of that window, and half the
// window is how exact it is. A host slow to connect is thus not taken for
// a host whose clock is ahead. A reading with no window (a value a test
// provided) is left out.
func (d *DebugComputeReq) clockReadings(c *calyptos.Check, hosts []string, clocks []calyptos.FactResult[time.Time]) []clockReading {
	shift := time.Duration(0)
	if d.Now != nil {
		shift = time.Until(d.Now())
	}
	var rs []clockReading
	for i, r := range clocks {
		h := hosts[i]
		if !c.Reached(h, r.Err) {
			continue
		}
		if r.Err != nil {
			c.OnHost(h).Key("clock").Hint("check that date works on the host").Report(calyptos.Fail, "cannot read the clock", evidence(r.Output))
			continue
		}
		if r.Sent.IsZero() {
			continue
		}
		mid := r.Sent.Add(shift + r.Elapsed/2)
		rs = append(rs, clockReading{host: h, offset: r.Value.Sub(mid), slack: r.Elapsed / 2})
	}
	return rs
}

// seconds formats a duration in seconds with one decimal.
func seconds(d time.Duration) string {
	return fmt.Sprintf("%.1fs", math.Round(d.Seconds()*10)/10)
}
