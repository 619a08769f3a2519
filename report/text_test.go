package report_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/report"
)

func sampleReport(kind calyptos.Kind) *calyptos.Report {
	return newReport(kind,
		newCheck("topology", 1234*time.Millisecond,
			fnd("10.0.0.1", calyptos.Pass, "CLC reachable"),
			calyptos.Finding{Host: "10.0.0.2", Status: calyptos.Fail, Message: "NC down", Evidence: "line one\r\nline two\n"},
			fnd("", calyptos.Warn, "only one CC"),
			fnd("", calyptos.Info, "3 hosts"),
			fnd("10.0.0.3", calyptos.Skip, "no storage"),
		),
		newCheck("repos", 50*time.Millisecond),
	)
}

func TestWriteTextGolden(t *testing.T) {
	const (
		g = "\x1b[32m"
		r = "\x1b[31m"
		y = "\x1b[33m"
		c = "\x1b[36m"
		z = "\x1b[0m"
	)
	tests := []struct {
		name string
		kind calyptos.Kind
		opts report.Options
		want string
	}{
		{
			name: "validate plain",
			kind: calyptos.KindValidate,
			want: `[TEST STARTING       ] topology
[VALIDATION PASSED   ] 10.0.0.1: CLC reachable
[VALIDATION FAILED   ] 10.0.0.2: NC down
[VALIDATION WARNING  ] only one CC
[VALIDATION INFO     ] 3 hosts
[VALIDATION SKIPPED  ] 10.0.0.3: no storage
[TEST RESULTS        ] topology: passed 1, failed 1, warnings 1 (1.2s)
[TEST STARTING       ] repos
[TEST RESULTS        ] repos: passed 0, failed 0, warnings 0 (0.1s)
Total passed: 1
Total failed: 1
Total warnings: 1
`,
		},
		{
			name: "debug verbose",
			kind: calyptos.KindDebug,
			opts: report.Options{Verbose: true},
			want: `[DEBUG STARTING      ] topology
[DEBUG PASSED        ] 10.0.0.1: CLC reachable
[DEBUG FAILED        ] 10.0.0.2: NC down
                       | line one
                       | line two
[DEBUG WARNING       ] only one CC
[DEBUG INFO          ] 3 hosts
[DEBUG SKIPPED       ] 10.0.0.3: no storage
[DEBUG RESULTS       ] topology: passed 1, failed 1, warnings 1 (1.2s)
[DEBUG STARTING      ] repos
[DEBUG RESULTS       ] repos: passed 0, failed 0, warnings 0 (0.1s)
Total passed: 1
Total failed: 1
Total warnings: 1
`,
		},
		{
			name: "debug colour",
			kind: calyptos.KindDebug,
			opts: report.Options{Color: true, Verbose: true},
			want: c + `[DEBUG STARTING      ] topology` + z + "\n" +
				g + `[DEBUG PASSED        ] 10.0.0.1: CLC reachable` + z + "\n" +
				r + `[DEBUG FAILED        ] 10.0.0.2: NC down` + z + "\n" +
				"                       | line one\n" +
				"                       | line two\n" +
				y + `[DEBUG WARNING       ] only one CC` + z + "\n" +
				`[DEBUG INFO          ] 3 hosts` + "\n" +
				`[DEBUG SKIPPED       ] 10.0.0.3: no storage` + "\n" +
				c + `[DEBUG RESULTS       ] topology: passed 1, failed 1, warnings 1 (1.2s)` + z + "\n" +
				c + `[DEBUG STARTING      ] repos` + z + "\n" +
				c + `[DEBUG RESULTS       ] repos: passed 0, failed 0, warnings 0 (0.1s)` + z + "\n" +
				y + "Total passed: 1" + z + "\n" +
				y + "Total failed: 1" + z + "\n" +
				y + "Total warnings: 1" + z + "\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, report.WriteText(&buf, sampleReport(tt.kind), tt.opts))
			assert.Equal(t, tt.want, buf.String())
			if !tt.opts.Color {
				assert.NotContains(t, buf.String(), "\x1b")
			}
		})
	}
}

func TestWriteTextEscapesControlCharacters(t *testing.T) {
	rep := newReport(calyptos.KindDebug, newCheck("c\x1b[2J", 0,
		calyptos.Finding{Host: "h\x07", Status: calyptos.Fail, Message: "first\nsecond\x1b[31m\u009b", Evidence: "ev\x00il"},
	))
	var buf bytes.Buffer
	require.NoError(t, report.WriteText(&buf, rep, report.Options{Verbose: true}))
	assert.Equal(t, `[DEBUG STARTING      ] c\x1b[2J
[DEBUG FAILED        ] h\x07: first
                       second\x1b[31m\x9b
                       | ev\x00il
[DEBUG RESULTS       ] c\x1b[2J: passed 0, failed 1, warnings 0 (0.0s)
Total passed: 0
Total failed: 1
Total warnings: 0
`, buf.String())
}

func TestWriteTextEmptyAndInterrupted(t *testing.T) {
	tests := []struct {
		name string
		rep  *calyptos.Report
		want string
	}{
		{"empty", &calyptos.Report{Kind: calyptos.KindValidate}, "Total passed: 0\nTotal failed: 0\nTotal warnings: 0\n"},
		{
			"interrupted",
			func() *calyptos.Report {
				rep := newReport(calyptos.KindDebug, newCheck("slow", 3*time.Second, fnd("", calyptos.Fail, "check interrupted: context canceled")))
				rep.Interrupted = true
				return rep
			}(),
			`[DEBUG STARTING      ] slow
[DEBUG FAILED        ] check interrupted: context canceled
[DEBUG RESULTS       ] slow: passed 0, failed 1, warnings 0 (3.0s)
Total passed: 0
Total failed: 1
Total warnings: 0
Run interrupted: not every check ran.
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, report.WriteText(&buf, tt.rep, report.Options{}))
			assert.Equal(t, tt.want, buf.String())
		})
	}
	assert.ErrorIs(t, report.WriteText(&bytes.Buffer{}, nil, report.Options{}), report.ErrNilReport)
}

// TestWriteTextSkipsNilChecks: WriteJSON and WriteJUnit skip nil entries
// of Checks, and WriteText skipped them in its loop, but its summary
// (Report.Probes) dereferenced them and panicked.
func TestWriteTextSkipsNilChecks(t *testing.T) {
	c := newCheck("c", time.Second, fnd("", calyptos.Pass, "fine"))
	c.Probes = []calyptos.Probe{{From: "a", To: "b", Port: 22, Proto: "tcp", Result: calyptos.ProbeOK}}
	var want, got bytes.Buffer
	require.NoError(t, report.WriteText(&want, newReport(calyptos.KindDebug, c), report.Options{}))
	rep := newReport(calyptos.KindDebug, c)
	rep.Checks = []*calyptos.CheckResult{nil, c, nil}
	require.NotPanics(t, func() { require.NoError(t, report.WriteText(&got, rep, report.Options{})) })
	assert.Equal(t, want.String(), got.String())
	assert.Len(t, rep.Findings(), 1)
	assert.Len(t, rep.Probes(), 1)
	assert.Nil(t, rep.Check("absent"))
}

func TestWriteTextArtifacts(t *testing.T) {
	c := newCheck("sosreports", time.Second, fnd("10.0.0.1", calyptos.Pass, "sosreport downloaded"))
	c.Artifacts = []calyptos.Artifact{
		{Host: "10.0.0.1", Remote: "/tmp/sosreport-a.tar.xz", Path: "out/10.0.0.1/sosreport-a.tar.xz", Bytes: 2048},
		{Path: "out/local.log", Bytes: 0},
	}
	var buf bytes.Buffer
	require.NoError(t, report.WriteText(&buf, newReport(calyptos.KindDebug, c), report.Options{}))
	assert.True(t, strings.HasSuffix(buf.String(), `Total warnings: 0

Artifacts collected:
  out/10.0.0.1/sosreport-a.tar.xz (2048 bytes from 10.0.0.1:/tmp/sosreport-a.tar.xz)
  out/local.log (0 bytes)
`), buf.String())
}

// TestTextReporterStreams runs fake validators and checks that each event
// is written when it happens, not at the end.
func TestTextReporterStreams(t *testing.T) {
	var buf bytes.Buffer
	tr := report.NewTextReporter(&buf, calyptos.KindValidate, report.Options{})
	var seen []string
	rec := recorder{inner: tr, after: func() { seen = append(seen, buf.String()) }}
	rb := calyptos.NewRoleBuilder(map[string][]string{"clc": {"10.0.0.1"}})
	rep, err := calyptos.RunValidators(context.Background(), rb, []calyptos.Validator{
		fakeValidator{name: "one", findings: []calyptos.Finding{fnd("10.0.0.1", calyptos.Pass, "fine"), fnd("", calyptos.Warn, "hmm")}},
		fakeValidator{name: "two", findings: []calyptos.Finding{fnd("10.0.0.1", calyptos.Fail, "broken")}},
	}, calyptos.RunOptions{Reporter: rec})
	require.NoError(t, err)
	require.Len(t, seen, 7) // 2 starts, 3 findings, 2 results
	assert.True(t, strings.HasSuffix(seen[0], "[TEST STARTING       ] one\n"), seen[0])
	assert.True(t, strings.HasSuffix(seen[1], "[VALIDATION PASSED   ] 10.0.0.1: fine\n"), seen[1])
	assert.True(t, strings.HasSuffix(seen[2], "[VALIDATION WARNING  ] hmm\n"), seen[2])
	assert.Regexp(t, `\[TEST RESULTS        \] one: passed 1, failed 0, warnings 1 \(\d+\.\ds\)\n$`, seen[3])
	assert.True(t, strings.HasSuffix(seen[5], "[VALIDATION FAILED   ] 10.0.0.1: broken\n"), seen[5])

	before := buf.Len()
	require.NoError(t, tr.Summary(rep))
	assert.Equal(t, "Total passed: 1\nTotal failed: 1\nTotal warnings: 1\n", buf.String()[before:])

	// Streaming then summarising prints what WriteText prints, apart from
	// the measured durations.
	var whole bytes.Buffer
	require.NoError(t, report.WriteText(&whole, rep, report.Options{}))
	assert.Equal(t, whole.String(), buf.String())
}

// recorder passes events to inner and calls after after each one.
type recorder struct {
	inner calyptos.Reporter
	after func()
}

func (r recorder) CheckStarted(name string)              { r.inner.CheckStarted(name); r.after() }
func (r recorder) Finding(f calyptos.Finding)            { r.inner.Finding(f); r.after() }
func (r recorder) CheckFinished(c *calyptos.CheckResult) { r.inner.CheckFinished(c); r.after() }

func TestTextReporterWriteError(t *testing.T) {
	w := &errWriter{n: 40}
	tr := report.NewTextReporter(w, calyptos.KindDebug, report.Options{})
	tr.CheckStarted("one") // 27 bytes: fits
	require.NoError(t, tr.Err())
	tr.Finding(fnd("10.0.0.1", calyptos.Pass, "fine"))
	assert.ErrorIs(t, tr.Err(), errDiskFull)
	tr.Finding(fnd("1", calyptos.Pass, "")) // short enough to fit, but output has stopped
	assert.Equal(t, 27, w.written)
	assert.ErrorIs(t, tr.Summary(newReport(calyptos.KindDebug)), errDiskFull)
	assert.ErrorIs(t, report.WriteText(&errWriter{}, sampleReport(calyptos.KindDebug), report.Options{}), errDiskFull)
}

func TestColorEnabled(t *testing.T) {
	reg, err := os.Create(filepath.Join(t.TempDir(), "out"))
	require.NoError(t, err)
	defer reg.Close()
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	require.NoError(t, err)
	defer devNull.Close()
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	tests := []struct {
		name string
		w    any
		env  map[string]string
		want bool
	}{
		// /dev/null is a character device, the stand-in for a terminal here.
		{"char device", devNull, map[string]string{"TERM": "xterm"}, true},
		{"char device, no TERM", devNull, nil, true},
		{"NO_COLOR set", devNull, map[string]string{"TERM": "xterm", "NO_COLOR": "1"}, false},
		{"NO_COLOR empty", devNull, map[string]string{"TERM": "xterm", "NO_COLOR": ""}, true},
		{"dumb terminal", devNull, map[string]string{"TERM": "dumb"}, false},
		{"regular file", reg, map[string]string{"TERM": "xterm"}, false},
		{"buffer", &bytes.Buffer{}, map[string]string{"TERM": "xterm"}, false},
		{"nil file", (*os.File)(nil), map[string]string{"TERM": "xterm"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, ok := tt.w.(interface{ Write([]byte) (int, error) })
			require.True(t, ok)
			assert.Equal(t, tt.want, report.ColorEnabled(w, env(tt.env)))
		})
	}
}

func probeReport(probes ...calyptos.Probe) *calyptos.Report {
	c := newCheck("verify_networking", time.Second)
	c.Probes = probes
	return newReport(calyptos.KindDebug, c)
}

func summaryOf(t *testing.T, rep *calyptos.Report, opts report.Options) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, report.NewTextReporter(&buf, rep.Kind, opts).Summary(rep))
	_, after, ok := strings.Cut(buf.String(), "Total warnings: 0\n\n")
	require.True(t, ok, buf.String())
	return after
}

func TestMatrixGrid(t *testing.T) {
	p := func(from, to string, port int, res calyptos.ProbeResult) calyptos.Probe {
		return calyptos.Probe{From: from, To: to, Port: port, Proto: "tcp", Result: res}
	}
	rep := probeReport(
		p("10.0.0.10", "10.0.0.2", 8773, calyptos.ProbeOK),
		p("10.0.0.10", "10.0.0.2", 8773, calyptos.ProbeTimeout), // worst answer wins
		p("10.0.0.9", "10.0.0.2", 8773, calyptos.ProbeOK),
		p("10.0.0.9", "10.0.0.2", 22, calyptos.ProbeRefused),
		calyptos.Probe{From: "10.0.0.9", To: "2001:db8::1", Port: 53, Proto: "UDP", Label: "dns", Result: calyptos.ProbeError, Detail: "no route"},
	)
	assert.Equal(t, `Reachability: 2 of 5 probes ok
from \ to  10.0.0.2:22  10.0.0.2:8773  [2001:db8::1]:53/udp
10.0.0.9   REFUSED      ok             ERROR
10.0.0.10  -            timeout        -
  [2001:db8::1]:53/udp: dns
`, summaryOf(t, rep, report.Options{}))

	assert.Equal(t, `Reachability: 2 of 5 probes ok
from \ to  10.0.0.2:22  10.0.0.2:8773  [2001:db8::1]:53/udp
10.0.0.9   REFUSED      ok             ERROR
10.0.0.10  -            timeout        -
  [2001:db8::1]:53/udp: dns
Probes not ok:
  10.0.0.10 -> 10.0.0.2:8773: timeout
  10.0.0.9 -> 10.0.0.2:22: REFUSED
  10.0.0.9 -> [2001:db8::1]:53/udp: ERROR: no route
`, summaryOf(t, rep, report.Options{Verbose: true}))

	// The same matrix in 40 columns is a list of what is not ok.
	assert.Equal(t, `Reachability: 2 of 5 probes ok
  10.0.0.2:22: REFUSED from 10.0.0.9
  10.0.0.2:8773: timeout from 10.0.0.10
  [2001:db8::1]:53/udp (dns): ERROR from
      10.0.0.9
`, summaryOf(t, rep, report.Options{Width: 40}))
}

// TestMatrixLarge checks that a 60-host full mesh stays within the width
// option and names each problem once.
func TestMatrixLarge(t *testing.T) {
	const n = 60
	host := func(i int) string { return fmt.Sprintf("192.0.2.%d", i+1) }
	var probes []calyptos.Probe
	for i := range n {
		for j := range n {
			if i == j {
				continue
			}
			res := calyptos.ProbeOK
			switch {
			case j == 7: // one host refuses everyone
				res = calyptos.ProbeRefused
			case j == 8 && i < 3: // three hosts cannot reach another
				res = calyptos.ProbeTimeout
			case j == 9 && i != 0: // all but one cannot reach a third
				res = calyptos.ProbeTimeout
			}
			probes = append(probes, calyptos.Probe{From: host(i), To: host(j), Port: 8773, Proto: "tcp", Label: "web", Result: res})
		}
	}
	for _, width := range []int{0, 80, 120, 200} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			out := summaryOf(t, probeReport(probes...), report.Options{Width: width})
			limit := width
			if limit == 0 {
				limit = report.DefaultWidth
			}
			for line := range strings.Lines(out) {
				assert.LessOrEqual(t, utf8.RuneCountInString(strings.TrimSuffix(line, "\n")), limit, line)
			}
			okCount := n*(n-1) - (n - 1) - 3 - (n - 2)
			assert.True(t, strings.HasPrefix(out, fmt.Sprintf("Reachability: %d of %d probes ok\n", okCount, n*(n-1))), out)
			assert.Contains(t, out, "  192.0.2.8:8773 (web): REFUSED from all 59 sources\n")
			assert.Contains(t, out, "  192.0.2.9:8773 (web): timeout from 192.0.2.1, 192.0.2.2, 192.0.2.3\n")
			assert.Contains(t, out, "  192.0.2.10:8773 (web): timeout from all 59 sources except 192.0.2.1\n")
			assert.Equal(t, 4, strings.Count(out, "\n"), out)
		})
	}
}

func TestMatrixAllOK(t *testing.T) {
	var probes []calyptos.Probe
	for i := range 60 {
		probes = append(probes, calyptos.Probe{From: fmt.Sprintf("host-%02d", i), To: "clc", Port: 8773, Result: calyptos.ProbeOK})
		probes = append(probes, calyptos.Probe{From: fmt.Sprintf("host-%02d", i), To: "walrus", Port: 8773, Result: calyptos.ProbeOK})
	}
	out := summaryOf(t, probeReport(probes...), report.Options{Width: 20})
	assert.Equal(t, "Reachability: 120 of 120 probes ok\n", out)
}

func TestMatrixWrapsLongSourceLists(t *testing.T) {
	var probes []calyptos.Probe
	for i := range 30 {
		res := calyptos.ProbeRefused
		if i%2 == 0 {
			res = calyptos.ProbeOK
		}
		from := fmt.Sprintf("nc-%02d.example.com", i)
		probes = append(probes,
			calyptos.Probe{From: from, To: "clc", Port: 8773, Result: res},
			calyptos.Probe{From: from, To: "walrus.example.com", Port: 8773, Result: calyptos.ProbeOK})
	}
	// The grid would need 17+2+8+2+23 = 52 columns.
	out := summaryOf(t, probeReport(probes...), report.Options{Width: 45})
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	require.Greater(t, len(lines), 3)
	assert.Equal(t, "  clc:8773: REFUSED from nc-01.example.com,", lines[1])
	assert.Equal(t, "      nc-03.example.com, nc-05.example.com,", lines[2])
	assert.Equal(t, "      nc-27.example.com, nc-29.example.com", lines[len(lines)-1])
	for _, l := range lines[2:] {
		assert.True(t, strings.HasPrefix(l, "      nc-"), l)
		assert.LessOrEqual(t, len(l), 45, l)
	}
	assert.Equal(t, 15, strings.Count(out, "nc-"))
}

func TestMatrixListOrdersResults(t *testing.T) {
	results := []calyptos.ProbeResult{"filtered\x1b", calyptos.ProbeUnknown, calyptos.ProbeError, calyptos.ProbeTimeout, calyptos.ProbeRefused, calyptos.ProbeOK}
	var probes []calyptos.Probe
	for i, r := range results {
		probes = append(probes, calyptos.Probe{From: fmt.Sprintf("10.0.0.%d", i+1), To: "clc.example.com", Port: 8773, Result: r})
	}
	out := summaryOf(t, probeReport(probes...), report.Options{Width: 20})
	// Only the list of sources wraps; a target wider than the width does not.
	assert.Equal(t, `Reachability: 1 of 6 probes ok
  clc.example.com:8773: REFUSED from
      10.0.0.5
  clc.example.com:8773: timeout from
      10.0.0.4
  clc.example.com:8773: ERROR from
      10.0.0.3
  clc.example.com:8773: unknown from
      10.0.0.2
  clc.example.com:8773: filtered\x1b from
      10.0.0.1
`, out)
}

// TestSummaryAfterRunWithProbes streams a run whose check records probes,
// then prints the summary with the matrix.
func TestSummaryAfterRunWithProbes(t *testing.T) {
	rb := calyptos.NewRoleBuilder(map[string][]string{"clc": {"10.0.0.1"}, "nc": {"10.0.0.2", "10.0.0.3"}})
	var buf bytes.Buffer
	tr := report.NewTextReporter(&buf, calyptos.KindValidate, report.Options{})
	rep, err := calyptos.RunValidators(t.Context(), rb, []calyptos.Validator{fakeValidator{
		name:     "ports",
		findings: []calyptos.Finding{fnd("10.0.0.3", calyptos.Fail, "cannot reach CLC")},
		probes: []calyptos.Probe{
			{From: "10.0.0.2", To: "10.0.0.1", Port: 8773, Proto: "tcp", Result: calyptos.ProbeOK},
			{From: "10.0.0.3", To: "10.0.0.1", Port: 8773, Proto: "tcp", Result: calyptos.ProbeTimeout},
		},
	}}, calyptos.RunOptions{Reporter: tr})
	require.NoError(t, err)
	require.NoError(t, tr.Summary(rep))
	_, summary, ok := strings.Cut(buf.String(), "warnings 0 (")
	require.True(t, ok, buf.String())
	assert.Regexp(t, `^\d+\.\ds\)
Total passed: 0
Total failed: 1
Total warnings: 0

Reachability: 1 of 2 probes ok
from \\ to  10.0.0.1:8773
10.0.0.2   ok
10.0.0.3   timeout
$`, summary)
}

// TestMatrixWideCharacters: the grid padded its cells by counting runes,
// so a host name with CJK characters (two columns each on a terminal) or
// a combining accent (none) pushed every cell after it out of its column.
func TestMatrixWideCharacters(t *testing.T) {
	p := func(from, to string) calyptos.Probe {
		return calyptos.Probe{From: from, To: to, Port: 22, Proto: "tcp", Result: calyptos.ProbeOK}
	}
	rep := probeReport(
		p("10.0.0.9", "10.0.0.2"),
		p("cafe\u0301.example", "10.0.0.2"),
		p("节点.example", "10.0.0.2"),
		p("10.0.0.9", "节点.example"),
	)
	assert.Equal(t, "Reachability: 4 of 4 probes ok\n"+
		"from \\ to     10.0.0.2:22  节点.example:22\n"+
		"10.0.0.9      ok           ok\n"+
		"cafe\u0301.example  ok           -\n"+
		"节点.example  ok           -\n",
		summaryOf(t, rep, report.Options{}))
}

// TestWriteTextChunkedEvidence: WriteText writes long evidence in pieces
// (so that memory does not grow with it) and the bytes are those of a
// TextReporter writing each finding whole, in one Write.
func TestWriteTextChunkedEvidence(t *testing.T) {
	rep := bigOutputReport(2)
	rep.Checks[0].Findings[1].Evidence = strings.Repeat("x\x1b", 100_000) + "\n" + rep.Checks[0].Findings[1].Evidence[:70_000]
	opts := report.Options{Verbose: true, Color: true}
	var whole, streamed bytes.Buffer
	require.NoError(t, report.WriteText(&whole, rep, opts))
	tr := report.NewTextReporter(&streamed, rep.Kind, opts)
	for _, c := range rep.Checks {
		tr.CheckStarted(c.Name)
		for _, f := range c.Findings {
			tr.Finding(f)
		}
		tr.CheckFinished(c)
	}
	require.NoError(t, tr.Summary(rep))
	require.Greater(t, whole.Len(), outputCap)
	assert.True(t, bytes.Equal(streamed.Bytes(), whole.Bytes()), "WriteText differs from streaming")
}
