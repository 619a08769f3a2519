package report_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/browsertest"
	"github.com/org/calyptos/report"
)

// hostile is host output that would break a page written without
// escaping: a script, the end of the grid's table, an attribute breakout,
// a terminal escape and a bidirectional override.
const hostile = `<script>alert("x")</script></table></td>" onmouseover="x` + "\x1b[31m\u202e"

// htmlReport has a failure on two hosts, a warning, hostile text in a
// message, in evidence and in a host name, and a reachability matrix.
func htmlReport() *calyptos.Report {
	rep := newReport(calyptos.KindDebug,
		newCheck("debug_node_controller", 1200*time.Millisecond,
			fnd("10.0.0.3", calyptos.Fail, "eucalyptus-node is not running"),
			fnd("10.0.0.4", calyptos.Fail, "eucalyptus-node is not running"),
			fnd("10.0.0.5", calyptos.Pass, "eucalyptus-node is running"),
		),
		newCheck("file_permissions", time.Second,
			fnd("10.0.0.1", calyptos.Warn, "owner of /var/log/eucalyptus is root"),
			calyptos.Finding{Host: "10.0.0.2", Status: calyptos.Fail, Message: "bad output: " + hostile, Evidence: "line 1\n" + hostile},
			fnd("<b>host</b>", calyptos.Info, "odd host name"),
		),
		newCheck("verify_networking", time.Second),
	)
	rep.Checks[2].Probes = []calyptos.Probe{
		{From: "10.0.0.3", To: "10.0.0.1", Port: 8773, Proto: "tcp", Label: "CLC web", Result: calyptos.ProbeOK},
		{From: "10.0.0.3", To: "10.0.0.2", Port: 8774, Proto: "tcp", Result: calyptos.ProbeRefused, Detail: "connection refused " + hostile},
		{From: "10.0.0.4", To: "10.0.0.1", Port: 8773, Proto: "tcp", Label: "CLC web", Result: calyptos.ProbeTimeout},
	}
	return rep
}

func writeHTML(t testing.TB, rep *calyptos.Report, opts report.HTMLOptions) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, report.WriteHTML(&b, rep, opts))
	return b.String()
}

func TestWriteHTMLEscapesHostOutput(t *testing.T) {
	page := writeHTML(t, htmlReport(), report.HTMLOptions{})
	assert.NotContains(t, page, "<script")
	assert.NotContains(t, page, `" onmouseover=`)
	assert.NotContains(t, page, "<b>host</b>")
	assert.NotContains(t, page, "\x1b")
	assert.NotContains(t, page, "\u202e")
	assert.Contains(t, page, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;/table&gt;")
	assert.Contains(t, page, `\x1b[31m\u202e`)
	assert.Contains(t, page, "&lt;b&gt;host&lt;/b&gt;")
	// Every table the page opens is closed once: no message closed one.
	assert.Equal(t, strings.Count(page, "<table"), strings.Count(page, "</table>"))
}

func TestWriteHTMLFailuresFirst(t *testing.T) {
	page := writeHTML(t, htmlReport(), report.HTMLOptions{Title: "cloud one", Note: "made by a test", Refresh: time.Minute})
	problems := strings.Index(page, `id="problems"`)
	grid := strings.Index(page, `id="reachability"`)
	checks := strings.Index(page, `id="checks"`)
	require.True(t, problems > 0 && grid > problems && checks > grid, "sections out of order: %d %d %d", problems, grid, checks)
	head := page[problems:grid]
	// The two hosts of one message are one entry; the failures come
	// before the warning; a check is one card, marked with its worst
	// status, its warnings marked in it.
	assert.Contains(t, head, `<strong>debug_node_controller</strong> <span class="hosts">2 failures on 2 hosts</span>`)
	assert.Contains(t, head, `eucalyptus-node is not running</span> <span class="hosts">— on 2 hosts: 10.0.0.3, 10.0.0.4</span>`)
	assert.Contains(t, head, `<strong>file_permissions</strong> <span class="hosts">1 failure, 1 warning on 2 hosts</span>`)
	assert.Contains(t, head, `<li><span class="st warn">warn</span> <span class="msg">owner of /var/log`)
	assert.Less(t, strings.Index(head, "not running"), strings.Index(head, "owner of /var/log"))
	assert.Equal(t, 2, strings.Count(head, `<div class="problem `))
	assert.Contains(t, page, "<title>cloud one</title>")
	assert.Contains(t, page, `<p class="note">made by a test</p>`)
	assert.Contains(t, page, `<meta http-equiv="refresh" content="60">`)
	assert.Contains(t, page, `<span class="verdict failed">FAILED</span>`)
	// Every check is collapsible; the failed ones are open.
	assert.Equal(t, 3, strings.Count(page, `<details class="check"`))
	assert.Equal(t, 2, strings.Count(page, `<details class="check" open>`))
	// Within a check the failures are listed before the passes.
	dnc := page[strings.Index(page, "<strong>debug_node_controller</strong><span"):]
	assert.Less(t, strings.Index(dnc, "is not running"), strings.Index(dnc, "is running"))
}

func TestWriteHTMLGrid(t *testing.T) {
	page := writeHTML(t, htmlReport(), report.HTMLOptions{})
	assert.Contains(t, page, "1 of 3 probes ok")
	assert.Contains(t, page, `<th title="CLC web">10.0.0.1:8773</th><th>10.0.0.2:8774</th>`)
	assert.Contains(t, page, `<tr><th>10.0.0.3</th><td class=k><td title="10.0.0.3 → 10.0.0.2:8774: refused" class=r>✕`)
	assert.Contains(t, page, `<tr><th>10.0.0.4</th><td title="10.0.0.4 → 10.0.0.1:8773: timeout" class=t>◷<td class=n></tr>`)
	assert.Contains(t, page, "<h3>Probes not ok</h3>")
}

// TestWriteHTMLGridRuns checks that a row's cells of one result that is
// ok or not probed are one spanning cell, and that failures stay apart.
func TestWriteHTMLGridRuns(t *testing.T) {
	var probes []calyptos.Probe
	for i := range 5 {
		r := calyptos.ProbeOK
		if i >= 3 {
			r = calyptos.ProbeRefused
		}
		probes = append(probes, calyptos.Probe{From: "10.0.0.9", To: fmt.Sprintf("10.0.1.%d", i+1), Port: 22, Proto: "tcp", Result: r})
	}
	probes = append(probes, calyptos.Probe{From: "10.0.0.8", To: "10.0.1.5", Port: 22, Proto: "tcp", Result: calyptos.ProbeOK})
	rep := newReport(calyptos.KindDebug, newCheck("verify_networking", time.Second))
	rep.Checks[0].Probes = probes
	page := writeHTML(t, rep, report.HTMLOptions{})
	assert.Contains(t, page, `<tr><th>10.0.0.8</th><td colspan="4" class=n><td class=k></tr>`)
	assert.Contains(t, page, `<tr><th>10.0.0.9</th><td colspan="3" class=k><td title="10.0.0.9 → 10.0.1.4:22: refused" class=r>✕<td title="10.0.0.9 → 10.0.1.5:22: refused" class=r>✕</tr>`)
}

func TestWriteHTMLPassedAndEmpty(t *testing.T) {
	rep := newReport(calyptos.KindValidate, newCheck("structure", time.Second, fnd("", calyptos.Pass, "ok")))
	page := writeHTML(t, rep, report.HTMLOptions{})
	assert.Contains(t, page, `<span class="verdict passed">PASSED</span>`)
	assert.NotContains(t, page, `id="problems"`)
	assert.NotContains(t, page, `id="reachability"`)
	assert.NotContains(t, page, `http-equiv="refresh"`)

	empty := writeHTML(t, &calyptos.Report{Kind: calyptos.KindDebug, Interrupted: true}, report.HTMLOptions{})
	assert.Contains(t, empty, "Interrupted:")
	assert.Contains(t, empty, `<span class="verdict failed">`)

	assert.ErrorIs(t, report.WriteHTML(&bytes.Buffer{}, nil, report.HTMLOptions{}), report.ErrNilReport)
	var got bytes.Buffer
	require.NoError(t, report.Write(&got, rep, report.HTML, report.Options{}))
	assert.Equal(t, page, got.String())
	f, err := report.ParseFormat("HTML")
	require.NoError(t, err)
	assert.Equal(t, report.HTML, f)
}

func TestWriteHTMLWriteError(t *testing.T) {
	err := report.WriteHTML(&errWriter{}, bigHTMLReport(20), report.HTMLOptions{})
	assert.Error(t, err)
}

// bigHTMLReport is the report of a deployment of n hosts at its worst for
// the page: ten checks of three findings per host (one failure in ten,
// with evidence) and a full reachability mesh, every host probing port
// 8775 and 8773 of every other, one probe in fifty refused.
func bigHTMLReport(n int) *calyptos.Report {
	host := func(i int) string { return fmt.Sprintf("10.0.%d.%d", i/250, i%250+1) }
	rep := newReport(calyptos.KindDebug)
	for c := range 10 {
		cr := &calyptos.CheckResult{Name: fmt.Sprintf("debug_check_%d", c), Findings: []calyptos.Finding{}, Duration: time.Second}
		for h := range n {
			for k := range 3 {
				f := calyptos.Finding{Check: cr.Name, Host: host(h), Status: calyptos.Pass, Message: fmt.Sprintf("service eucalyptus-%d is running", k)}
				if (h+c+k)%10 == 0 {
					f.Status, f.Message = calyptos.Fail, fmt.Sprintf("service eucalyptus-%d is not running (%d)", k, h)
					f.Evidence = "Active: inactive (dead) since Sun 2026-11-29 21:00:00 UTC"
				}
				cr.Findings = append(cr.Findings, f)
				cr.Counts.Add(f.Status)
			}
		}
		rep.Checks = append(rep.Checks, cr)
		rep.Totals.Merge(cr.Counts)
	}
	net := rep.Checks[len(rep.Checks)-1]
	for from := range n {
		for to := range n {
			for _, port := range []int{8773, 8775} {
				if (to+port)%2 == 1 && from != to {
					r := calyptos.ProbeOK
					if (from*7+to)%50 == 0 {
						r = calyptos.ProbeRefused
					}
					net.Probes = append(net.Probes, calyptos.Probe{From: host(from), To: host(to), Port: port, Proto: "tcp", Result: r})
				}
			}
		}
	}
	return rep
}

func TestWriteHTML200HostsUnder2MB(t *testing.T) {
	page := writeHTML(t, bigHTMLReport(200), report.HTMLOptions{})
	assert.Less(t, len(page), 2<<20, "the page of 200 hosts is %d bytes", len(page))
}

// BenchmarkWriteHTML200Hosts renders the page of a 200-host report (6000
// findings, 40000 probes) and reports its size.
func BenchmarkWriteHTML200Hosts(b *testing.B) {
	rep := bigHTMLReport(200)
	var w countingDiscard
	b.ReportAllocs()
	for b.Loop() {
		w.n = 0
		if err := report.WriteHTML(&w, rep, report.HTMLOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(w.n), "bytes/page")
}

// writePage writes rep's page into a temporary directory and returns its
// file:// address.
func writePage(t testing.TB, rep *calyptos.Report) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.html")
	require.NoError(t, os.WriteFile(path, []byte(writeHTML(t, rep, report.HTMLOptions{})), 0o600))
	url, err := browsertest.FileURL(path)
	require.NoError(t, err)
	return url
}

var (
	gridRowRE  = regexp.MustCompile(`<tr><th>[^<]*</th>(<td[^>]*>[^<]*</td>)+</tr>`)
	scriptElRE = regexp.MustCompile(`(?i)<script`)
)

// TestHTMLInChromium renders the page in a real headless Chromium and
// reads back the DOM it built: the grid and the failures are there, and
// the hostile output is text, not markup.
func TestHTMLInChromium(t *testing.T) {
	browser := browsertest.Path(t)
	dom, _, err := browsertest.DumpDOM(context.Background(), t, browser, writePage(t, htmlReport()))
	require.NoError(t, err)
	assert.Empty(t, scriptElRE.FindAllString(dom, -1), "a script element was created")
	assert.NotRegexp(t, `<[^>]*\sonmouseover=`, dom, "an attribute was injected")
	assert.Contains(t, dom, "bad output: &lt;script&gt;alert(\"x\")&lt;/script&gt;&lt;/table&gt;&lt;/td&gt;\" onmouseover=\"x")
	assert.Len(t, gridRowRE.FindAllString(dom, -1), 2, "grid rows")
	assert.Contains(t, dom, `<td title="10.0.0.3 → 10.0.0.2:8774: refused" class="r">✕</td>`)
	assert.Contains(t, dom, `<td title="10.0.0.4 → 10.0.0.1:8773: timeout" class="t">◷</td>`)
	assert.Contains(t, dom, "on 2 hosts: 10.0.0.3, 10.0.0.4")
	// The grid is whole: the message's </table> closed nothing.
	grid := dom[strings.Index(dom, `<table class="grid"`):]
	grid = grid[:strings.Index(grid, "</table>")]
	assert.Equal(t, 2, strings.Count(grid, "<tr><th>10.0.0."))
}

// BenchmarkChromiumRender200Hosts measures how long Chromium takes to
// load, lay out and paint the 200-host page (the browser's start-up
// excluded).
func BenchmarkChromiumRender200Hosts(b *testing.B) {
	browser := browsertest.Path(b)
	big := writePage(b, bigHTMLReport(200))
	var total time.Duration
	for b.Loop() {
		d, err := browsertest.RenderTime(context.Background(), b, browser, big)
		require.NoError(b, err)
		total += d
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms-render/page")
}
