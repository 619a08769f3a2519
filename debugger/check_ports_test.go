package debugger

import (
	"testing"

	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/eucalyptus"
	"github.com/stretchr/testify/assert"
)

func TestCheckPortsHealthy(t *testing.T) {
	for _, d := range []string{"centos6", "centos7", "debian12", "rocky9"} {
		t.Run(d, func(t *testing.T) {
			rb := roles(map[string][]string{eucalyptus.RoleCLC: {"192.0.2.10"}, eucalyptus.RoleUserFacing: {"192.0.2.10"}})
			e := calyptostest.NewExecutor(t)
			e.On("192.0.2.10", listenersCommand).Stdout(sample(t, d, "listeners"))
			rep := run(t, rb, e, &CheckPorts{})
			assert.Equal(t, []string{
				"pass 192.0.2.10 all 8 required ports open: tcp/53 tcp/8443 tcp/8773 tcp/8777 tcp/8779 udp/53 udp/7500 udp/8773",
			}, statuses(rep))
			assert.Equal(t, 1, e.CallCount(listenersCommand), "a host with two roles is asked once")
		})
	}
}

func TestCheckPortsBroken(t *testing.T) {
	rb := roles(map[string][]string{}, eucalyptus.Cluster{Name: "a", CC: []string{"192.0.2.20"}, SC: []string{"192.0.2.21"}, Nodes: []string{"192.0.2.22"}})
	e := calyptostest.NewExecutor(t)
	// The SC: 8773 only as a longer port and as the foreign end of a
	// connection, which the original's regex took for open.
	e.On("192.0.2.21", listenersCommand).Stdout("Active Internet connections (servers and established)\n" +
		"Proto Recv-Q Send-Q Local Address Foreign Address State PID/Program name\n" +
		"tcp 0 0 0.0.0.0:87730 0.0.0.0:* LISTEN 1/x\n" +
		"tcp 0 0 192.0.2.21:41234 192.0.2.10:8773 ESTABLISHED 2/java\n" +
		"tcp6 0 0 :::8779 :::* LISTEN 2/java\n" +
		"udp 0 0 0.0.0.0:7500 0.0.0.0:* 2/java\n" +
		"udp 0 0 192.0.2.21:18773 0.0.0.0:* 2/java\n")
	// The CC: nothing to list with.
	e.On("192.0.2.20", listenersCommand).Stderr("sh: ss: command not found\nsh: netstat: command not found\n").Exit(127)
	// The NC: listening on IPv6 only, in ss's bracket form.
	e.On("192.0.2.22", listenersCommand).Stdout("tcp LISTEN 0 128 [::]:8775 [::]:*\n")
	rep := run(t, rb, e, &CheckPorts{})
	assert.Equal(t, []string{
		"fail 192.0.2.20 cannot list listening sockets (exit 127)",
		"fail 192.0.2.21 Closed tcp/8773 (needed by storage-controller)",
		"fail 192.0.2.21 Closed udp/8773 (needed by storage-controller)",
		"pass 192.0.2.21 Open: tcp/8779 udp/7500",
		"warn 192.0.2.21 Required ports not open: tcp/8773 udp/8773",
		"pass 192.0.2.22 all 1 required ports open: tcp/8775",
	}, statuses(rep))
	f := calyptostest.Find(rep, calyptostest.Match{Host: "192.0.2.20"})
	assert.Contains(t, f[0].Evidence, "command not found")
}

func TestCheckPortsOptionAndUnion(t *testing.T) {
	rb := roles(map[string][]string{eucalyptus.RoleCLC: {"h1"}, eucalyptus.RoleNodeController: {"h1", "h2"}})
	e := calyptostest.NewExecutor(t)
	e.On("", listenersCommand).Stdout("tcp LISTEN 0 1 *:22 *:*\n")
	rep := run(t, rb, e, &CheckPorts{Ports: map[string][]Port{
		eucalyptus.RoleCLC:            {{"tcp", 22}, {"tcp", 80}},
		eucalyptus.RoleNodeController: {{"tcp", 22}},
	}})
	assert.Equal(t, []string{
		"fail h1 Closed tcp/80 (needed by clc)",
		"pass h1 Open: tcp/22",
		"warn h1 Required ports not open: tcp/80",
		"pass h2 all 1 required ports open: tcp/22",
	}, statuses(rep))
	assert.Equal(t, 2, e.CallCount(listenersCommand))
}

func TestCheckPortsNoRoles(t *testing.T) {
	rep := run(t, roles(map[string][]string{eucalyptus.RoleConsole: {"h"}}), calyptostest.NewExecutor(t), &CheckPorts{})
	assert.Equal(t, []string{"skip - no host holds a role with required ports"}, statuses(rep))
}

func TestCheckPortsLoopbackOnly(t *testing.T) {
	e := calyptostest.NewExecutor(t)
	e.On("nc", listenersCommand).Stdout("tcp LISTEN 0 128 127.0.0.1:8775 0.0.0.0:*\ntcp LISTEN 0 128 [::1]:8775 [::]:*\n")
	e.On("nc2", listenersCommand).Stdout("tcp LISTEN 0 128 127.0.0.1:8775 0.0.0.0:*\ntcp LISTEN 0 128 0.0.0.0:8775 0.0.0.0:*\n")
	rep := run(t, roles(map[string][]string{eucalyptus.RoleNodeController: {"nc", "nc2"}}), e, &CheckPorts{})
	assert.Equal(t, []string{
		"warn nc tcp/8775 listens on loopback only (127.0.0.1 ::1): other hosts cannot reach it",
		"pass nc all 1 required ports open: tcp/8775",
		"pass nc2 all 1 required ports open: tcp/8775",
	}, statuses(rep))
}
