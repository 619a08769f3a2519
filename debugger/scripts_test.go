package debugger

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestScriptsArePOSIX checks that every command the debuggers build parses
// in a POSIX shell (dash where /bin/sh is dash), not only in bash: a
// login shell may be either.
func TestScriptsArePOSIX(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	vc := &VerifyComponentNetworking{}
	scripts := map[string]string{
		"listeners":   listenersCommand,
		"disk":        diskCommand("/var/lib/eucalyptus"),
		"services":    serviceScript("ntpd", "chronyd"),
		"packages":    packageScript("ntp", "chrony"),
		"install":     installScript("sos"),
		"describe":    describeServicesCommand,
		"psql":        psqlCommand(DefaultDBDir, DefaultDBPort, "root"),
		"clcmem":      clcMemCommand,
		"os":          osCommand,
		"clock":       clockCommand,
		"stat":        statCommand([]string{"/var/lib/eucalyptus"}),
		"soscheck":    sosCheckCommand(),
		"sos":         sosScript("/var/tmp", time.Hour),
		"probe":       probeScript([]probeTarget{{addr: "127.0.0.1", port: 1}}, time.Second),
		"nics":        nicCommand,
		"iperfcheck":  iperfCheckCommand,
		"iperfserver": vc.iperfServer(),
		"iperfclient": vc.iperfClient(),
		"iperfstop":   iperfStop(4242, "/tmp/calyptos-iperf.x"),
	}
	for name, s := range scripts {
		out, err := exec.Command(sh, "-n", "-c", s).CombinedOutput()
		assert.NoError(t, err, "%s: %s\n%s", name, out, s)
	}
}

// TestReadOnlyScriptsRunHere runs the read-only fact commands on this
// machine and checks that their parsers read what they print.
func TestReadOnlyScriptsRunHere(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	runSh := func(s string) string {
		out, _ := exec.CommandContext(ctx, sh, "-c", s).Output()
		return string(out)
	}
	_, err = parseDF(runSh(diskCommand("/var/lib/eucalyptus")))
	require.NoError(t, err)
	_, err = parseMeminfo(runSh(memCommand))
	require.NoError(t, err)
	_, err = parseMeminfo(runSh(clcMemCommand))
	require.NoError(t, err)
	_, err = parseOSRelease(runSh(osCommand))
	require.NoError(t, err)
	_, err = parseClock(runSh(clockCommand))
	require.NoError(t, err)
	assert.Positive(t, parseCPUInfo(runSh(cpuinfoCommand)).Processors)
	svcs := parseServices(runSh(serviceScript("calyptos-no-such-service")))
	require.Len(t, svcs, 1)
	assert.False(t, svcs[0].Running)
	pkgs := parsePackages(runSh(packageScript("calyptos-no-such-package")))
	assert.Equal(t, map[string]bool{"calyptos-no-such-package": false}, pkgs)
	assert.NotEmpty(t, parseStat(runSh(statCommand([]string{"/"}))))
	_ = parseNICs(runSh(nicCommand)) // containers may have no NIC with a device
}
