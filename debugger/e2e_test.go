package debugger_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/debugger"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/internal/sshdtest"
	"github.com/org/calyptos/sshexec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDefaultOverRealSSH runs every built-in debugger through sshexec
// against a real sshd listening on four loopback addresses, each standing
// for one host of a small cloud. The commands really run (on this
// machine), so the findings are whatever this machine is; what the test
// checks is that every debugger ran its commands over SSH, reported
// findings, and neither panicked nor lost a host.
func TestDefaultOverRealSSH(t *testing.T) {
	if testing.Short() {
		t.Skip("starts sshd")
	}
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"}})
	host := func(i int) string {
		h, p, err := net.SplitHostPort(srv.Addrs[i])
		require.NoError(t, err)
		return h + ":" + p
	}
	rb := eucalyptus.NewRoleBuilder(map[string][]string{
		eucalyptus.RoleCLC:        {host(0)},
		eucalyptus.RoleUserFacing: {host(0)},
		eucalyptus.RoleWalrus:     {host(0)},
	}, eucalyptus.Cluster{Name: "zone-a", CC: []string{host(1)}, SC: []string{host(1)}, Nodes: []string{host(2), host(3)}})

	exec, err := sshexec.New(sshexec.Options{
		User:             srv.User,
		IdentityFiles:    []string{srv.ClientKeyFile},
		KnownHostsFiles:  []string{srv.KnownHostsFile},
		DisableAgent:     true,
		DisableSSHConfig: true,
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = exec.Close() })

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ds := debugger.Default()
	for _, d := range ds {
		if vn, ok := d.(*debugger.VerifyNetworking); ok {
			vn.ProbeTimeout = 2 * time.Second // every target is a loopback address
		}
	}
	rep, err := calyptos.RunDebuggers(ctx, rb, exec, ds, calyptos.RunOptions{
		ArtifactsDir:   t.TempDir(),
		CommandTimeout: 30 * time.Second,
	})
	require.NoError(t, err)
	calyptostest.RequireHints(t, rep)
	if testing.Verbose() {
		t.Log("findings:\n" + calyptostest.Dump(rep))
	}
	require.Len(t, rep.Checks, len(ds))
	for _, c := range rep.Checks {
		assert.NotEmpty(t, c.Findings, "%s reported nothing", c.Name)
		for _, f := range c.Findings {
			assert.NotContains(t, f.Message, "check panicked", c.Name)
			assert.NotContains(t, f.Message, "cannot run commands", "%s lost %s", c.Name, f.Host)
			assert.NotContains(t, f.Message, "time limit", c.Name)
		}
	}
	// Facts this machine certainly has were read over SSH.
	for i := range 4 {
		h := host(i)
		assertFinding(t, rep, "debug_compute_req", h, calyptos.Pass, "processor")
		assertFinding(t, rep, "component_storage_check", h, 0, "minimum memory requirement")
	}
	// The reachability matrix has the local end-user dial and the hosts'
	// probes, all of them answered (nothing listens on 8773-8777 here, so
	// they are refused, but none is unknown).
	probes := rep.Probes()
	assert.NotEmpty(t, probes)
	for _, p := range probes {
		assert.NotEqual(t, calyptos.ProbeUnknown, p.Result, "%+v", p)
	}
	t.Logf("%d findings (%d pass, %d warn, %d fail, %d skip), %d probes, %d SSH logins, in %v",
		len(rep.Findings()), rep.Totals.Pass, rep.Totals.Warn, rep.Totals.Fail, rep.Totals.Skip, len(probes), srv.Handshakes(), rep.Duration.Round(time.Millisecond))
	assert.LessOrEqual(t, srv.Handshakes(), 4+1, "one SSH connection per host (plus a possible redial)")
}

func assertFinding(t *testing.T, rep *calyptos.Report, check, host string, st calyptos.Status, msg string) {
	t.Helper()
	for _, f := range rep.Check(check).Findings {
		if f.Host == host && (st == 0 || f.Status == st) && strings.Contains(f.Message, msg) {
			return
		}
	}
	var lines []string
	for _, f := range rep.Check(check).Findings {
		lines = append(lines, f.Status.String()+" "+f.Host+" "+f.Message)
	}
	t.Errorf("%s: no %v finding for %s containing %q:\n%s", check, st, host, msg, strings.Join(lines, "\n"))
}
