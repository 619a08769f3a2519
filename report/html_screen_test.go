package report_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/browsertest"
	"github.com/org/calyptos/report"
)

// portsHint is check_ports' hint, the same for every closed port.
const portsHint = "start the Eucalyptus service that owns this port on the host (see its log under /var/log/eucalyptus/), and check no firewall rule hides it"

// fleetHost is the address of the i-th host of a fleet.
func fleetHost(i int) string { return fmt.Sprintf("10.0.%d.%d", i/250, i%250+1) }

// fleetReport is the report the user saw on a deployment of n hosts (n
// ≥ 40): check_ports finds 14 ports closed, one of them on every host but
// the last two, the others on scattered hosts, each with the same hint;
// the node controller is down on three hosts; a permission warning on
// every host; and every host probes three services, some refused (with
// the probe shell's noise as detail) or timed out.
func fleetReport(n int) *calyptos.Report {
	ports := newCheck("check_ports", 3*time.Second)
	for k := range 14 {
		port := 8773 + k
		for h := range n {
			closed := (k == 0 && h < n-2) || (k > 0 && (h*(k+2))%(n/4+k) == 0)
			f := calyptos.Finding{Check: ports.Name, Host: fleetHost(h), Status: calyptos.Pass, Message: fmt.Sprintf("tcp/%d listening", port)}
			if closed {
				f.Status, f.Hint = calyptos.Fail, portsHint
				f.Message = fmt.Sprintf("Closed tcp/%d (needed by %s)", port, []string{"CLC", "SC", "NC", "CC", "OSG"}[k%5])
			}
			ports.Findings = append(ports.Findings, f)
			ports.Counts.Add(f.Status)
		}
	}
	nc := newCheck("debug_node_controller", time.Second)
	perms := newCheck("file_permissions", time.Second)
	for h := range n {
		f := calyptos.Finding{Check: nc.Name, Host: fleetHost(h), Status: calyptos.Pass, Message: "eucalyptus-node is running"}
		if h%70 == 5 {
			f.Status, f.Message, f.Hint = calyptos.Fail, "eucalyptus-node is not running", "systemctl start eucalyptus-node; see /var/log/eucalyptus/nc.log"
			f.Evidence = "Active: inactive (dead) since Sun 2026-11-29 21:00:00 UTC"
		}
		nc.Findings = append(nc.Findings, f)
		nc.Counts.Add(f.Status)
		w := calyptos.Finding{Check: perms.Name, Host: fleetHost(h), Status: calyptos.Warn, Message: "owner of /var/log/eucalyptus is root", Hint: "chown -R eucalyptus /var/log/eucalyptus"}
		perms.Findings = append(perms.Findings, w)
		perms.Counts.Add(w.Status)
	}
	net := newCheck("verify_networking", 2*time.Second)
	for h := range n {
		for j, tgt := range []struct {
			to    string
			port  int
			label string
		}{{fleetHost(0), 8773, "CLC web"}, {fleetHost(1), 8774, "CC"}, {fleetHost(2), 8777, "walrus"}} {
			p := calyptos.Probe{From: fleetHost(h), To: tgt.to, Port: tgt.port, Proto: "tcp", Label: tgt.label, Result: calyptos.ProbeOK}
			switch {
			case j == 1 && h%9 == 0:
				p.Result = calyptos.ProbeRefused
				p.Detail = fmt.Sprintf("_: connect: Connection refused _: line 1: /dev/tcp/%s/%d: Connection refused", tgt.to, tgt.port)
			case j == 2 && h%13 == 0:
				p.Result = calyptos.ProbeTimeout
				p.Detail = "no answer within 3s"
			}
			net.Probes = append(net.Probes, p)
		}
	}
	return newReport(calyptos.KindDebug, ports, nc, perms, net)
}

// TestHTMLFirstScreenInChromium renders the page of a 200-host report in
// a 1280×800 window of a real headless Chromium and reads what its first
// screen shows: the verdict, the totals, the way to the reachability
// grid, and each failing check once (the hint shared by 14 closed ports
// once, not 14 times).
func TestHTMLFirstScreenInChromium(t *testing.T) {
	browser := browsertest.Path(t)
	url := writePage(t, fleetReport(200))
	tops, screen, err := browsertest.Tops(context.Background(), t, browser, url, 1280, 800,
		"#reachability", "table.grid", `a[href="#reachability"]`)
	require.NoError(t, err)
	t.Logf("offsets (CSS px): reachability heading %v, grid %v, link to the grid %v", tops[0], tops[1], tops[2])
	screen = strings.Join(strings.Fields(screen), " ")
	assert.Contains(t, screen, "FAILED")
	for _, st := range []string{"fail", "warn", "pass"} {
		assert.Contains(t, screen, st)
	}
	assert.True(t, tops[2] >= 0 && tops[2] < 800, "the link to the grid is not on the first screen: %v", tops)
	assert.Contains(t, screen, "39 of 600 probes failed (23 refused, 16 timed out) → grid")
	// Before the cards per check, the grid began at 2070 px.
	assert.Less(t, tops[1], 1000.0, "the grid starts at %v px", tops[1])
	for _, check := range []string{"check_ports", "debug_node_controller", "file_permissions"} {
		assert.Equal(t, 1, strings.Count(screen, check), "%s on the first screen:\n%s", check, screen)
	}
	assert.LessOrEqual(t, strings.Count(screen, portsHint), 1, "the hint of check_ports on the first screen:\n%s", screen)
	assert.NotContains(t, screen, "/dev/tcp")
}

// hostsOf returns the host list the failures section shows for a failure
// on hosts.
func hostsOf(t *testing.T, hosts []string) string {
	t.Helper()
	var fs []calyptos.Finding
	for _, h := range hosts {
		fs = append(fs, calyptos.Finding{Host: h, Status: calyptos.Fail, Message: "down"})
	}
	page := writeHTML(t, newReport(calyptos.KindDebug, newCheck("c", time.Second, fs...)), report.HTMLOptions{})
	_, after, ok := strings.Cut(page, `<span class="msg">down</span> <span class="hosts">— `)
	require.True(t, ok, "no host list in:\n%s", page)
	list, _, _ := strings.Cut(after, "</span>\n")
	return list
}

func TestWriteHTMLHostRanges(t *testing.T) {
	var fleet, every7 []string
	for i := range 200 {
		if i < 198 {
			fleet = append(fleet, fleetHost(i))
		}
		if i%7 == 0 {
			every7 = append(every7, fleetHost(i))
		}
	}
	for _, tc := range []struct {
		name  string
		hosts []string
		want  string
	}{
		{"one", []string{"10.0.0.1"}, "on 1 host: 10.0.0.1"},
		{"two apart", []string{"10.0.0.2", "10.0.0.1"}, "on 2 hosts: 10.0.0.1, 10.0.0.2"},
		{"consecutive", fleet, "on 198 hosts: 10.0.0.1–10.0.0.198"},
		{"numeric order", []string{"10.0.0.10", "10.0.0.9", "10.0.0.8", "10.0.0.8"}, "on 3 hosts: 10.0.0.8–10.0.0.10"},
		{"names", []string{"web01", "web02", "web03", "web05", "db1"}, "on 5 hosts: db1, web01–web03, web05"},
		{"padding kept", []string{"web9", "web10", "web11", "n09", "n10", "n011"}, "on 6 hosts: n09, n10, n011, web9–web11"},
		{
			"scattered", every7,
			`<details class="hl"><summary>on 29 hosts: 10.0.0.1, 10.0.0.8, 10.0.0.15 and 26 more</summary>10.0.0.1, 10.0.0.8, 10.0.0.15, 10.0.0.22,`,
		},
		{"hostile", []string{"<b>1</b>", "a\u202eb"}, `on 2 hosts: &lt;b&gt;1&lt;/b&gt;, a\u202eb`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.True(t, strings.HasPrefix(hostsOf(t, tc.hosts), tc.want), "got %q, want %q", hostsOf(t, tc.hosts), tc.want)
		})
	}
}

// TestWriteHTMLHintOnce: the 14 closed ports of check_ports, which share
// one hint, are one card with the hint once and the first messages shown,
// the others collapsed; in the check's own table the hint is not repeated
// either.
func TestWriteHTMLHintOnce(t *testing.T) {
	page := writeHTML(t, fleetReport(200), report.HTMLOptions{})
	hint := portsHint
	problems := page[strings.Index(page, `id="problems"`):strings.Index(page, `id="reachability"`)]
	assert.Equal(t, 1, strings.Count(problems, hint))
	assert.Equal(t, 1, strings.Count(problems, "<strong>check_ports</strong>"))
	assert.Contains(t, problems, `<strong>check_ports</strong> <span class="hosts">`)
	assert.Contains(t, problems, "<summary>10 more with this hint</summary>")
	assert.Contains(t, problems, "Closed tcp/8773 (needed by CLC)</span> <span class=\"hosts\">— on 198 hosts: 10.0.0.1–10.0.0.198</span>")
	assert.Equal(t, 14, strings.Count(problems, "Closed tcp/"))
	checks := page[strings.Index(page, `id="checks"`):]
	assert.Equal(t, 1, strings.Count(checks, hint))
	assert.Equal(t, 13, strings.Count(checks, "same hint as above"))
}

// TestWriteHTMLProbeSummary: the top of the page counts the probes that
// failed and links to the grid; the probes not ok show what the probe
// said, without the shell's noise.
func TestWriteHTMLProbeSummary(t *testing.T) {
	page := writeHTML(t, fleetReport(200), report.HTMLOptions{})
	assert.Contains(t, page, `<p class="reach">Reachability: <strong>39 of 600 probes failed</strong> (23 refused, 16 timed out) → <a href="#reachability">grid</a></p>`)
	assert.Less(t, strings.Index(page, `class="reach"`), strings.Index(page, `id="problems"`))
	assert.Contains(t, page, `<div class="msg hosts">Connection refused</div>`)
	assert.NotContains(t, page, "/dev/tcp")
	assert.Contains(t, page, `<span><i class="r">✕</i>refused</span><span><i class="t">◷</i>timed out</span>`)
}
