package debugger

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/eucalyptus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestProbeScriptShellcheck holds the probe script, probe.sh with the
// lines Go appends, to shellcheck's POSIX sh rules. Without shellcheck the
// test is skipped, except under CI=true, where it fails.
func TestProbeScriptShellcheck(t *testing.T) {
	sc, err := exec.LookPath("shellcheck")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shellcheck is not installed (Debian's shellcheck package): %v", err)
		}
		t.Skipf("shellcheck is not installed: %v", err)
	}
	script, _ := probeScript([]ProbeTarget{{Addr: "192.0.2.1", Port: 1}, {Addr: "evil;reboot", Port: 2}, {Host: "h:2222", Port: 3}}, 5*time.Second)
	cmd := exec.Command(sc, "--shell=sh", "--severity=style", "-")
	cmd.Stdin = strings.NewReader(script)
	out, err := cmd.CombinedOutput()
	assert.NoError(t, err, "shellcheck:\n%s\nscript:\n%s", out, script)
}

// TestProbeScriptTargetLines checks the lines Go writes after probe.sh.
func TestProbeScriptTargetLines(t *testing.T) {
	s, _ := probeScript([]ProbeTarget{{Addr: "192.0.2.1", Port: 1}, {Addr: "192.0.2.1", Port: 1}, {Host: "h:2222", Port: 3}, {Addr: "192.0.2.2", Port: 4, Timeout: time.Second}}, 2500*time.Millisecond)
	require.Greater(t, len(s), len(probeCode()))
	assert.Equal(t, "probe_batch 3 192.0.2.1 1 h 3\nprobe_batch 1 192.0.2.2 4\nprobe_end\n", s[len(probeCode()):])
}

// probeSources is a cluster whose CC probes its NC and whose CLC probes
// the CC.
func probeSources() *calyptos.RoleBuilder {
	return roles(map[string][]string{eucalyptus.RoleCLC: {"192.0.2.10"}},
		eucalyptus.Cluster{Name: "a", CC: []string{"192.0.2.20"}, Nodes: []string{"192.0.2.21"}})
}

// A declared probe runs in its source host's gathering session, beside the
// other debuggers' facts: one session per host.
func TestProbeTCPRunsInTheGatheringSession(t *testing.T) {
	e := calyptostest.NewExecutor(t)
	e.OnMatch("", `(?m)^probe_batch\(\) \{`).Respond(probeResponder(allOK))
	e.OnMatch("", `services_systemd=/run/systemd/system `).Respond(serviceResponder(sample(t, "centos7", "services")))
	rep, err := calyptos.RunDebuggers(t.Context(), probeSources(), e,
		[]calyptos.Debugger{&VerifyNetworking{DialContext: (&loopbackDialer{target: closedPort(t)}).DialContext}, &DebugClusterController{}}, calyptos.RunOptions{})
	require.NoError(t, err)
	assert.Len(t, rep.Probes(), 2)
	for _, p := range rep.Probes() {
		if p.From != "local" {
			assert.Equal(t, calyptos.ProbeOK, p.Result, "%+v", p)
		}
	}
	for _, h := range []string{"192.0.2.10", "192.0.2.20"} {
		assert.Equal(t, 1, e.Sessions(h), "%s: one session, facts and probes", h)
	}
	var cc []calyptostest.Call
	for _, c := range e.Calls() {
		if c.Host == "192.0.2.20" {
			cc = append(cc, c)
		}
	}
	require.Len(t, cc, 2, "the CC's service fact and its probe")
	assert.Equal(t, cc[0].Session, cc[1].Session)
}

// Probes that need longer than a fact may take under the default command
// deadline run as a command of their own, under the deadline they need.
func TestProbeTCPLongProbesRunAlone(t *testing.T) {
	e := calyptostest.NewExecutor(t)
	e.OnMatch("", `(?m)^probe_batch\(\) \{`).Respond(probeResponder(allOK))
	rep := calyptostest.RunDebugger(t, probeSources(), e, &VerifyNetworking{DialContext: (&loopbackDialer{target: closedPort(t)}).DialContext, ProbeTimeout: 2 * time.Minute},
		calyptos.RunOptions{})
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: "192.0.2.20", Status: calyptos.Pass})
	require.Len(t, e.Calls(), 2, "one probe per source host, not declared as a fact")
	for _, c := range e.Calls() {
		assert.True(t, strings.HasPrefix(c.Command, probeCode()), "the probe script itself: %.60q", c.Command)
	}
}

// lossyExecutor loses the output of every gathering session.
type lossyExecutor struct{ *calyptostest.Executor }

func (l lossyExecutor) Run(ctx context.Context, host, cmd string) (calyptos.Output, error) {
	out, err := l.Executor.Run(ctx, host, cmd)
	if strings.HasPrefix(cmd, ": calyptos-facts") {
		out.Stdout = ""
	}
	return out, err
}

// A probe whose fact was lost runs again on its own: its result is known.
func TestProbeTCPLostFactRunsAgain(t *testing.T) {
	e := calyptostest.NewExecutor(t)
	e.OnMatch("", `(?m)^probe_batch\(\) \{`).Respond(probeResponder(allOK))
	rep := calyptostest.RunDebugger(t, probeSources(), lossyExecutor{e}, &VerifyNetworking{DialContext: (&loopbackDialer{target: closedPort(t)}).DialContext}, calyptos.RunOptions{})
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: "192.0.2.20", Status: calyptos.Pass})
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: "192.0.2.10", Status: calyptos.Pass})
	assert.Equal(t, 2, e.Sessions("192.0.2.20"), "the gathering session, then the probe on its own")
}
