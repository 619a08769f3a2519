package debugger

import (
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestScriptsArePOSIX checks that every command the debuggers build (other
// than facts, which package facts checks) parses
// in a POSIX shell (dash where /bin/sh is dash), not only in bash: a
// login shell may be either.
func TestScriptsArePOSIX(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	vc := &VerifyComponentNetworking{}
	probe, _ := probeScript([]ProbeTarget{{Addr: "127.0.0.1", Port: 1}}, time.Second)
	scripts := map[string]string{
		"install":     installScript("sos"),
		"soscheck":    sosCheckCommand(),
		"sos":         sosScript("/var/tmp", time.Hour),
		"probe":       probe,
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
