package debugger

import (
	"cmp"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/facts"
	"github.com/stretchr/testify/assert"
)

// fixedClock makes hosts answer the clock command with at plus their
// offset, and returns a Now that always says at.
func fixedClock(e *calyptostest.Executor, hosts []string, at time.Time, offsets map[string]time.Duration) func() time.Time {
	for _, h := range hosts {
		e.On(h, clockCommand).Respond(func(host, _ string) (calyptos.Output, error) {
			t := at.Add(offsets[host])
			return calyptos.Output{Stdout: fmt.Sprintf("%d.%09d\n", t.Unix(), t.Nanosecond())}, nil
		})
	}
	return func() time.Time { return at }
}

// testNow is the local time of the clock tests.
func testNow() time.Time { return time.Date(2026, 11, 25, 4, 30, 0, 0, time.UTC) }

func TestDebugComputeReqHealthy(t *testing.T) {
	rb := roles(map[string][]string{eucalyptus.RoleCLC: {"clc"}, eucalyptus.RoleNodeController: {"nc"}})
	e := calyptostest.NewExecutor(t)
	scriptDistro(t, e, "clc", "centos6")
	scriptDistro(t, e, "nc", "centos7")
	now := fixedClock(e, []string{"clc", "nc"}, testNow(), nil)
	rep := run(t, rb, e, &DebugComputeReq{Now: now})
	assert.Equal(t, []string{
		"pass clc Operating system supported: CentOS release 6.10 (Final)",
		"pass clc Architecture is x86_64",
		"pass clc 4 processors (at least 2 required)",
		"pass clc Intel/AMD processor: Intel(R) Xeon(R) CPU E5-2630 v3 @ 2.40GHz",
		"pass clc Package found - ntp",
		"pass clc ntpd running",
		"pass clc ntpd starts at boot",
		"pass clc clock synchronised by ntpd (offset -1.502ms)",
		"pass nc Operating system supported: CentOS Linux 7 (Core)",
		"pass nc Architecture is x86_64",
		"pass nc 4 processors (at least 2 required)",
		"pass nc Intel/AMD processor: Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz",
		"pass nc Intel hardware virtualization support (vmx)",
		"pass nc Package found - ntp",
		"pass nc ntpd running",
		"pass nc ntpd starts at boot",
		"pass nc clock synchronised by ntpd (offset 134µs)",
		"pass - Clocks are synced within allowed threshold: 2 hosts within 0.0s of each other (limit 20s)",
	}, statuses(rep))
}

func TestDebugComputeReqBroken(t *testing.T) {
	rb := roles(map[string][]string{eucalyptus.RoleNodeController: {"nc"}})
	e := calyptostest.NewExecutor(t)
	e.On("nc", osCommand).Stdout(sample(t, "debian12", "os-release"))
	e.On("nc", archCommand).Stdout("aarch64\n")
	e.On("nc", cpuinfoCommand).Stdout("processor : 0\nvendor_id : CentaurHauls\nmodel name : VIA Nano processor U2250\nflags : fpu vme\n")
	e.On("nc", timePackageScript()).Stdout("pkg=ntp status=missing\npkg=ntpdate status=missing\npkg=chrony status=missing\n")
	e.On("nc", serviceScript("ntpd", "chronyd", "ntp", "ntpsec")).Stdout(
		"unit=ntpd init=systemd active=inactive enabled=\nunit=chronyd init=systemd active=inactive enabled=\nunit=ntp init=systemd active=inactive enabled=\nunit=ntpsec init=systemd active=inactive enabled=\n")
	e.On("nc", timeSyncCommand).Exit(127) // neither chronyc nor ntpq: no finding of its own
	now := fixedClock(e, []string{"nc"}, testNow(), nil)
	rep := run(t, rb, e, &DebugComputeReq{Now: now})
	assert.Equal(t, []string{
		"fail nc Operating system not supported: Debian GNU/Linux 12 (bookworm) (id debian, version 12; accepted: rhel 6, rhel 7, centos 6, centos 7, scientific 6, scientific 7, ol 6, ol 7)",
		`fail nc Architecture is "aarch64", want x86_64`,
		"fail nc 1 processor(s), at least 2 required",
		"fail nc processor is not Intel or AMD: vendor CentaurHauls, model VIA Nano processor U2250",
		"fail nc no hardware virtualization support: the CPU flags have neither vmx nor svm (enable VT-x/AMD-V, or nested virtualization)",
		"fail nc Package not found - ntp (no NTP daemon package: ntp, ntpsec or chrony)",
		"fail nc no NTP service installed (ntpd, chronyd, ntp, ntpsec)",
		"pass - Clocks are synced within allowed threshold: 1 host within 0.0s of each other (limit 20s)",
	}, statuses(rep))
}

func TestDebugComputeReqTimeService(t *testing.T) {
	tests := []struct {
		name, pkgs, svcs string
		want             []string
	}{
		{"sysv runlevels off", "pkg=ntp status=installed\npkg=ntpdate status=missing\npkg=chrony status=missing\n",
			"unit=ntpd init=sysv status=0 boot=ntpd,0:off,1:off,2:off,3:on,4:on,5:on,6:off text=ntpd (pid 1466) is running...\n" +
				"unit=chronyd init=sysv status=1 boot= text=chronyd: unrecognized service\n",
			[]string{
				"pass h Package found - ntp",
				"warn h Package not found - ntpdate",
				"pass h ntpd running",
				"fail h runlevel for ntpd has not been set to default-start (chkconfig ntpd on)",
			}},
		{"systemd chrony disabled", "pkg=ntp status=missing\npkg=ntpdate status=missing\npkg=chrony status=installed\n",
			"unit=ntpd init=systemd active=inactive enabled=\nunit=chronyd init=systemd active=active enabled=disabled\n",
			[]string{
				"pass h Package found - chrony",
				"pass h chronyd running",
				"fail h chronyd is not enabled at boot (systemctl enable chronyd)",
			}},
		{"debian 12 ntpsec", "pkg=ntp status=missing\npkg=ntpsec status=installed\npkg=ntpdate status=missing\npkg=chrony status=missing\n",
			"unit=ntpd init=systemd active=inactive enabled=\nunit=chronyd init=systemd active=inactive enabled=\n",
			[]string{
				"pass h Package found - ntpsec",
				"fail h no NTP service installed (ntpd, chronyd)",
			}},
		{"installed but stopped", "pkg=ntp status=installed\npkg=ntpdate status=installed\npkg=chrony status=missing\n",
			"unit=ntpd init=sysv status=3 boot=ntpd,2:on,3:on,4:on,5:on text=ntpd is stopped\nunit=chronyd init=sysv status=1 boot= text=chronyd: unrecognized service\n",
			[]string{
				"pass h Package found - ntp",
				"fail h no NTP service running (ntpd: exit 3: ntpd is stopped)",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := calyptostest.NewExecutor(t)
			scriptDistro(t, e, "h", "centos7")
			e.On("h", timePackageScript()).Stdout(tt.pkgs)
			e.On("h", serviceScript("ntpd", "chronyd")).Stdout(tt.svcs)
			rep := run(t, roles(map[string][]string{eucalyptus.RoleConsole: {"h"}}), e, &DebugComputeReq{TimeServices: []string{"ntpd", "chronyd"}})
			var got []string
			for _, s := range statuses(rep) {
				if (strings.Contains(s, "ntp") || strings.Contains(s, "chrony") || strings.Contains(s, "NTP")) && !strings.Contains(s, "synchronised") {
					got = append(got, s)
				}
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// A host slow to answer (a first dial, a busy sshd) is not taken for a
// host whose clock is ahead: its reading is compared with the middle of the
// round trip, and the round trip bounds how exact it can be.
func TestDebugComputeReqSlowHostIsNotSkewed(t *testing.T) {
	hosts := []string{"a", "b"}
	e := calyptostest.NewExecutor(t)
	scriptDistro(t, e, "", "centos7")
	realClock := func(string, string) (calyptos.Output, error) {
		return calyptos.Output{Stdout: fmt.Sprintf("%d.%09d\n", time.Now().Unix(), time.Now().Nanosecond())}, nil
	}
	e.On("", clockCommand).Respond(realClock)
	e.On("b", clockCommand).Delay(600 * time.Millisecond).Respond(realClock)
	rep := run(t, roles(map[string][]string{eucalyptus.RoleConsole: hosts}), e, &DebugComputeReq{MaxClockSkew: 200 * time.Millisecond})
	calyptostest.HasFinding(t, rep, calyptostest.Match{Status: calyptos.Pass, Message: "Clocks are synced"})
	calyptostest.NoFinding(t, rep, calyptostest.Match{Host: "b", Message: "clock is"})
}

func TestDebugComputeReqClocks(t *testing.T) {
	hosts := []string{"a", "b", "c"}
	tests := []struct {
		name    string
		now     time.Time
		offsets map[string]time.Duration
		want    []string
	}{
		{"in step", testNow(), map[string]time.Duration{"a": 0, "b": 2 * time.Second, "c": -time.Second}, []string{
			"pass - Clocks are synced within allowed threshold: 3 hosts within 2.0s of each other (limit 20s)",
		}},
		{"one host ahead", testNow(), map[string]time.Duration{"a": 0, "b": 2 * time.Second, "c": 30 * time.Second}, []string{
			"fail c clock is 28.0s ahead of the other hosts (more than 20s allowed)",
		}},
		{"one host behind by hours", testNow(), map[string]time.Duration{"b": -3 * time.Hour}, []string{
			"fail b clock is 10800.0s behind the other hosts (more than 20s allowed)",
		}},
		// 23:59:59 and 00:00:01 of the next day are two seconds apart: the
		// original compared 235959 with 000001 (and the dates) and failed.
		{"across midnight", time.Date(2026, 11, 25, 23, 59, 59, 0, time.UTC), map[string]time.Duration{"b": 2 * time.Second, "c": time.Second}, []string{
			"pass - Clocks are synced within allowed threshold: 3 hosts within 1.0s of each other (limit 20s)",
		}},
		// 10:00:59 vs 10:01:10 is 11 s, not 111 - 59 = 52 "units".
		{"across a minute", time.Date(2026, 11, 25, 10, 0, 59, 0, time.UTC), map[string]time.Duration{"b": 11 * time.Second, "c": 11 * time.Second}, []string{
			"pass - Clocks are synced within allowed threshold: 3 hosts within 11.0s of each other (limit 20s)",
		}},
		{"all away from this machine", testNow(), map[string]time.Duration{"a": time.Minute, "b": time.Minute, "c": time.Minute}, []string{
			"pass - Clocks are synced within allowed threshold: 3 hosts within 0.0s of each other (limit 20s)",
			"warn - the hosts' clocks are 60.0s away from this machine's clock",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := calyptostest.NewExecutor(t)
			scriptDistro(t, e, "", "centos7")
			now := fixedClock(e, hosts, tt.now, tt.offsets)
			rep := run(t, roles(map[string][]string{eucalyptus.RoleConsole: hosts}), e, &DebugComputeReq{Now: now})
			var got []string
			for _, f := range rep.Findings() {
				if strings.Contains(f.Message, "lock") && !strings.Contains(f.Message, "synchronised") {
					got = append(got, fmt.Sprintf("%s %s %s", f.Status, cmp.Or(f.Host, "-"), f.Message))
				}
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDebugComputeReqClockUnreadable(t *testing.T) {
	e := calyptostest.NewExecutor(t)
	scriptDistro(t, e, "", "centos7")
	e.On("b", clockCommand).Stdout("").Exit(0)
	rep := run(t, roles(map[string][]string{eucalyptus.RoleConsole: {"a", "b"}}), e, &DebugComputeReq{})
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: "b", Status: calyptos.Fail, Message: "cannot read the clock"})
	calyptostest.HasFinding(t, rep, calyptostest.Match{Status: calyptos.Pass, Message: "Clocks are synced within allowed threshold: 1 host "})
}

func TestDebugComputeReqAcceptedOS(t *testing.T) {
	e := calyptostest.NewExecutor(t)
	scriptDistro(t, e, "", "rocky9")
	rep := run(t, roles(map[string][]string{eucalyptus.RoleConsole: {"h"}}), e, &DebugComputeReq{AcceptedOS: []OSVersion{{ID: "rhel", Major: 9}}, MinCPUs: 4})
	calyptostest.HasFinding(t, rep, calyptostest.Match{Status: calyptos.Pass, Message: "Operating system supported: Rocky Linux 9.4 (Blue Onyx)"})
	calyptostest.HasFinding(t, rep, calyptostest.Match{Status: calyptos.Fail, Message: "2 processor(s), at least 4 required"})
	calyptostest.HasFinding(t, rep, calyptostest.Match{Status: calyptos.Pass, Message: "chronyd running"})
}

func TestDebugComputeReqTimeSync(t *testing.T) {
	tests := []struct {
		name, out string
		want      []string
	}{
		{"chrony synchronised", sample(t, "rocky9", "timesync"), []string{"pass h clock synchronised by chrony (offset -12.733µs)"}},
		{"chrony not synchronised", sample(t, "debian12", "timesync"), []string{"warn h chrony is not synchronised to a time source"}},
		{"ntpd far off", "     remote           refid      st t when poll reach   delay   offset  jitter\n" +
			"==============================================================================\n" +
			"*192.0.2.1       .GPS.            1 u   33   64  377    0.512  31250.000   0.051\n",
			[]string{"fail h ntpd offset 31.25s is more than 20s"}},
		{"ntpd without a selected peer", "     remote           refid      st t when poll reach   delay   offset  jitter\n" +
			"==============================================================================\n" +
			" 192.0.2.1       .INIT.          16 u    -   64    0    0.000    0.000   0.000\n",
			[]string{"warn h ntpd is not synchronised to a time source"}},
		{"no tool", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := calyptostest.NewExecutor(t)
			scriptDistro(t, e, "h", "centos7")
			e.On("h", timeSyncCommand).Stdout(tt.out)
			rep := run(t, roles(map[string][]string{eucalyptus.RoleConsole: {"h"}}), e, &DebugComputeReq{})
			var got []string
			for _, s := range statuses(rep) {
				if strings.Contains(s, "synchronised") || strings.Contains(s, "offset") {
					got = append(got, s)
				}
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDebugComputeReqTwoClocks(t *testing.T) {
	// With two hosts 40 s apart, the one that also disagrees with this
	// machine is the one reported, whichever order they sort in.
	for _, off := range []time.Duration{40 * time.Second, -40 * time.Second} {
		e := calyptostest.NewExecutor(t)
		scriptDistro(t, e, "", "centos7")
		now := fixedClock(e, []string{"a", "b"}, testNow(), map[string]time.Duration{"a": off})
		rep := run(t, roles(map[string][]string{eucalyptus.RoleConsole: {"a", "b"}}), e, &DebugComputeReq{Now: now})
		fails := calyptostest.Find(rep, calyptostest.Match{Status: calyptos.Fail})
		if assert.Len(t, fails, 1, off) {
			assert.Equal(t, "a", fails[0].Host)
			assert.Contains(t, fails[0].Message, "clock is 40.0s")
		}
	}
}

// Hosts whose gathering sessions are long (a slow fact after the clock)
// read their clocks within wide windows, and so may be the median: a
// host with a short session, and a perfect clock, is not failed for the
// median's uncertainty, nor this machine warned about.
func TestDebugComputeReqMedianSlack(t *testing.T) {
	hosts := []string{"a", "b", "c"}
	e := calyptostest.NewExecutor(t)
	scriptDistro(t, e, "", "centos7")
	e.On("", clockCommand).Respond(clockResponder(nil))
	e.On("a", timeSyncCommand).Delay(3 * time.Second).Stdout("")
	e.On("b", timeSyncCommand).Delay(3 * time.Second).Stdout("")
	rep := run(t, roles(map[string][]string{eucalyptus.RoleConsole: hosts}), e, &DebugComputeReq{MaxClockSkew: time.Second})
	calyptostest.NoFinding(t, rep, calyptostest.Match{Message: "clock is"})
	calyptostest.NoFinding(t, rep, calyptostest.Match{Message: "away from this machine"})
	calyptostest.HasFinding(t, rep, calyptostest.Match{Status: calyptos.Pass, Message: "Clocks are synced within allowed threshold: 3 hosts"})
}

// A clock a test provides with SetFact has no session window: it is left
// out of the comparison, not compared with the zero time.
func TestDebugComputeReqProvidedClock(t *testing.T) {
	e := calyptostest.NewExecutor(t)
	scriptDistro(t, e, "", "centos7")
	calyptostest.SetFact(e, "a", facts.Clock(), time.Now())
	rep := run(t, roles(map[string][]string{eucalyptus.RoleConsole: {"a", "b"}}), e, &DebugComputeReq{})
	calyptostest.NoFinding(t, rep, calyptostest.Match{Message: "away from this machine"})
	calyptostest.HasFinding(t, rep, calyptostest.Match{Status: calyptos.Pass, Message: "Clocks are synced within allowed threshold: 1 host "})
}
