package report

import (
	"bufio"
	"cmp"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/org/calyptos"
	"github.com/org/calyptos/hostname"
)

// HTMLOptions tune WriteHTML. The zero value gives a static page.
type HTMLOptions struct {
	// Title heads the page (default "calyptos <kind> report").
	Title string
	// Note is a line shown under the title (serve says when the report was
	// made and whether it is stale). Plain text: it is escaped.
	Note string
	// Refresh, when positive, makes the browser reload the page after that
	// long (a meta refresh: no JavaScript).
	Refresh time.Duration
}

//go:embed html.tmpl
var htmlTemplateText string

// htmlTemplate is parsed once per call: parsing takes about 100 µs, and a
// package-level template would be a global.
func htmlTemplate() (*template.Template, error) {
	return template.New("report").Funcs(template.FuncMap{
		"clean": cleanHTMLText,
		"pair":  func(status string, p problem) statusProblem { return statusProblem{status, p} },
		"dur":   formatDuration,
		"probe": probeDetail,
	}).Parse(htmlTemplateText)
}

// WriteHTML writes rep as one self-contained HTML page: no external asset
// and no script, readable in any browser and in a mail attachment. Its
// first screen gives the verdict, the totals, how many reachability
// probes failed (linked to the grid), and a card per check with failures
// or warnings: a hint shared by several messages is shown once above
// them, consecutive hosts as a range, long host lists and long lists of
// messages collapsed in <details>. Then come the reachability matrix as
// a coloured grid (rows: from, columns: to:port; a symbol per failed
// probe, named in a legend) and the probes that were not ok (what the
// probe said, without the shell's noise), every check as a collapsible
// <details> (open when it failed), and the artifacts. Every text from
// the report is escaped by html/template and its control characters are
// shown as \xNN: host output is untrusted.
func WriteHTML(w io.Writer, rep *calyptos.Report, opts HTMLOptions) error {
	if rep == nil {
		return ErrNilReport
	}
	t, err := htmlTemplate()
	if err != nil {
		return fmt.Errorf("report: html template: %w", err)
	}
	bw := bufio.NewWriterSize(w, flushSize)
	if err := t.Execute(bw, buildPage(rep, opts)); err != nil {
		return fmt.Errorf("report: write html: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("report: write html: %w", err)
	}
	return nil
}

// htmlPage is what the template renders.
type htmlPage struct {
	Title       string
	Note        string
	Refresh     int // seconds; 0 for none
	Kind        string
	Started     string
	Duration    time.Duration
	Interrupted bool
	Verdict     string // "passed", "warnings" or "failed": also a CSS class
	Totals      calyptos.Counts
	Hosts       int
	Problems    []checkProblems
	Checks      []htmlCheck
	Grid        *htmlGrid
	Artifacts   []calyptos.Artifact
}

// problem is a failure or warning, with every host that reported the same
// message in the same check.
type problem struct {
	Check    string
	Status   string // "fail" or "warn"
	Message  string
	Hint     string // what to do about it (Finding.Hint)
	Ref      string // where to read more (Finding.Ref), shown as text
	Hosts    []string
	HostList hostList   // Hosts as a card shows them (not set in a check)
	Evidence []hostText // the hosts' evidence, when they gave some
	// EvidenceAbove: in a check, the evidence is under "Failures and
	// warnings" (shown once: at 200 hosts a copy is 90 KB of the page).
	EvidenceAbove bool
	// SameHint: in a check, the hint and ref are those of the group
	// above, and are not repeated.
	SameHint bool
}

// statusProblem is a problem in a card of status A: the page marks its
// status when it differs from the card's.
type statusProblem struct {
	A string
	B problem
}

// checkProblems is one check's card under "Failures and warnings": its
// failures and warnings grouped by hint, so that a hint shared by the
// findings of 14 ports is shown once, above their messages.
type checkProblems struct {
	Check  string
	Status string // the worst: "fail" or "warn"
	Fail   int    // failed findings
	Warn   int    // warnings
	Hosts  int    // distinct hosts among them
	Hints  []hintGroup
}

// hintGroup is the failures and warnings of a check that share a hint
// and ref: the first few shown, the others collapsed in a <details>.
type hintGroup struct {
	Hint  string
	Ref   string
	Shown []problem
	More  []problem
}

// shownProblems is how many messages of a hint group the card shows
// before it collapses the others: the first screen must hold every check.
const shownProblems = 4

type hostText struct {
	Host string
	Text string
}

// htmlCheck is one check: its findings grouped by status and message,
// the worst first, so that 200 hosts saying the same thing are one row.
type htmlCheck struct {
	Name     string
	Status   string // the worst status: fail, warn, pass, info or skip
	Counts   calyptos.Counts
	Duration time.Duration
	Groups   []problem
}

func buildPage(rep *calyptos.Report, opts HTMLOptions) *htmlPage {
	p := &htmlPage{
		Title:       cmp.Or(opts.Title, "calyptos "+string(rep.Kind)+" report"),
		Note:        opts.Note,
		Refresh:     int(opts.Refresh.Round(time.Second) / time.Second),
		Kind:        string(rep.Kind),
		Duration:    rep.Duration,
		Interrupted: rep.Interrupted,
		Totals:      rep.Totals,
		Verdict:     string(rep.Outcome()),
	}
	if !rep.Started.IsZero() {
		p.Started = rep.Started.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	if rep.Outcome() == calyptos.OutcomeInterrupted {
		p.Verdict = string(calyptos.OutcomeFailed) // the page says it was interrupted
	}
	hosts := map[string]bool{}
	for _, c := range rep.Checks {
		if c == nil {
			continue
		}
		p.Checks = append(p.Checks, buildCheck(c, hosts))
		p.Artifacts = append(p.Artifacts, c.Artifacts...)
	}
	p.Hosts = len(hosts)
	p.Problems = problemCards(rep)
	if probes := rep.Probes(); len(probes) > 0 {
		p.Grid = buildGrid(probes)
	}
	return p
}

// statusRank orders findings as the page lists them: the worst first.
func statusRank(s calyptos.Status) int {
	switch s {
	case calyptos.Fail:
		return 0
	case calyptos.Warn:
		return 1
	case calyptos.Pass:
		return 2
	case calyptos.Info:
		return 3
	}
	return 4
}

func buildCheck(c *calyptos.CheckResult, hosts map[string]bool) htmlCheck {
	hc := htmlCheck{Name: c.Name, Counts: c.Counts, Duration: c.Duration, Status: "skip"}
	worst := calyptos.Skip
	for _, f := range c.Findings {
		if f.Host != "" {
			hosts[f.Host] = true
		}
		if statusRank(f.Status) < statusRank(worst) {
			worst = f.Status
		}
	}
	if len(c.Findings) > 0 {
		hc.Status = worst.String()
	}
	for _, st := range []calyptos.Status{calyptos.Fail, calyptos.Warn, calyptos.Pass, calyptos.Info, calyptos.Skip} {
		hc.Groups = groupFindings(hc.Groups, c, st)
	}
	sameHints(hc.Groups)
	for i := range hc.Groups {
		g := &hc.Groups[i]
		if len(g.Evidence) > 0 && (g.Status == "fail" || g.Status == "warn") {
			g.Evidence, g.EvidenceAbove = nil, true
		}
	}
	return hc
}

// sameHints puts the groups of one status that share a hint and ref
// together, in the order each hint first appears, and marks those whose
// hint the group above already shows.
func sameHints(groups []problem) {
	type key struct{ status, hint, ref string }
	first := map[key]int{}
	for i, g := range groups {
		if _, ok := first[key{g.Status, g.Hint, g.Ref}]; !ok {
			first[key{g.Status, g.Hint, g.Ref}] = i
		}
	}
	// Groups come in status order, so the first index of a hint orders
	// the statuses too.
	slices.SortStableFunc(groups, func(a, b problem) int {
		return cmp.Compare(first[key{a.Status, a.Hint, a.Ref}], first[key{b.Status, b.Hint, b.Ref}])
	})
	for i := 1; i < len(groups); i++ {
		g, prev := &groups[i], &groups[i-1]
		g.SameHint = (g.Hint != "" || g.Ref != "") && g.Hint == prev.Hint && g.Ref == prev.Ref
	}
}

// problemCards returns a card per check with failures or warnings: the
// checks with failures first, then those with warnings only, each in run
// order.
func problemCards(rep *calyptos.Report) []checkProblems {
	var failed, warned []checkProblems
	for _, c := range rep.Checks {
		if c == nil {
			continue
		}
		groups := groupFindings(groupFindings(nil, c, calyptos.Fail), c, calyptos.Warn)
		if len(groups) == 0 {
			continue
		}
		card := checkProblems{Check: c.Name, Status: groups[0].Status}
		hosts := map[string]bool{}
		for i := range groups {
			g := &groups[i]
			g.HostList = newHostList(g.Hosts)
			for _, h := range g.Hosts {
				hosts[h] = true
			}
		}
		for _, f := range c.Findings {
			switch f.Status {
			case calyptos.Fail:
				card.Fail++
			case calyptos.Warn:
				card.Warn++
			}
		}
		card.Hosts = len(hosts)
		card.Hints = byHint(groups)
		if card.Status == "fail" {
			failed = append(failed, card)
		} else {
			warned = append(warned, card)
		}
	}
	return append(failed, warned...)
}

// byHint splits groups by hint and ref, in the order each first appears.
func byHint(groups []problem) []hintGroup {
	type key struct{ hint, ref string }
	idx := map[key]int{}
	var out []hintGroup
	for _, g := range groups {
		k := key{g.Hint, g.Ref}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, hintGroup{Hint: g.Hint, Ref: g.Ref})
		}
		if h := &out[i]; len(h.Shown) < shownProblems {
			h.Shown = append(h.Shown, g)
		} else {
			h.More = append(h.More, g)
		}
	}
	for i := range out {
		if h := &out[i]; len(h.More) == 1 { // "1 more" would take the line it saves
			h.Shown, h.More = append(h.Shown, h.More...), nil
		}
	}
	return out
}

// groupFindings appends to out the findings of c of status st, one entry
// per message with the hosts that reported it, in report order.
func groupFindings(out []problem, c *calyptos.CheckResult, st calyptos.Status) []problem {
	idx := map[string]int{}
	for _, f := range c.Findings {
		if f.Status != st {
			continue
		}
		i, ok := idx[f.Message]
		if !ok {
			i = len(out)
			idx[f.Message] = i
			out = append(out, problem{Check: c.Name, Status: st.String(), Message: f.Message, Hint: f.Hint, Ref: f.Ref})
		}
		pr := &out[i]
		if f.Host != "" {
			pr.Hosts = append(pr.Hosts, f.Host)
		}
		if f.Evidence != "" {
			pr.Evidence = append(pr.Evidence, hostText{Host: f.Host, Text: f.Evidence})
		}
	}
	return out
}

// hostList is a list of hosts as the page shows it: consecutive
// addresses or names (10.0.0.1, 10.0.0.2, 10.0.0.3; web01, web02, web03)
// as one range "10.0.0.1–10.0.0.3", and, when there are more than a few,
// the first few in Head and every one in All (in a <details>).
type hostList struct {
	N    int    // hosts
	Head string // the first pieces: hosts and ranges
	More int    // hosts that Head does not show
	All  string // every piece, when Head does not hold them all
}

// headPieces is how many hosts or ranges a host list shows before it
// collapses the rest.
const headPieces = 3

func newHostList(hosts []string) hostList {
	if len(hosts) == 0 {
		return hostList{}
	}
	sorted := slices.Clone(hosts)
	slices.SortFunc(sorted, naturalCompare)
	sorted = slices.Compact(sorted)
	pieces, sizes := hostRanges(sorted)
	l := hostList{N: len(sorted)}
	if len(pieces) <= headPieces+1 {
		l.Head = strings.Join(pieces, ", ")
		return l
	}
	l.Head = strings.Join(pieces[:headPieces], ", ")
	for _, n := range sizes[headPieces:] {
		l.More += n
	}
	l.All = strings.Join(pieces, ", ")
	return l
}

// hostRanges returns sorted as pieces: runs of three or more consecutive
// hosts (the same prefix, then numbers that follow each other) as
// "first–last", the others alone; and how many hosts each piece holds.
func hostRanges(sorted []string) (pieces []string, sizes []int) {
	for i := 0; i < len(sorted); {
		j := i + 1
		for j < len(sorted) && follows(sorted[j-1], sorted[j]) {
			j++
		}
		if j-i >= 3 {
			pieces, sizes = append(pieces, sorted[i]+"–"+sorted[j-1]), append(sizes, j-i)
		} else {
			for _, h := range sorted[i:j] {
				pieces, sizes = append(pieces, h), append(sizes, 1)
			}
		}
		i = j
	}
	return pieces, sizes
}

// follows reports whether host b is the one after a: the same text but a
// trailing number one higher, written alike (web09, web10; 10.0.0.9,
// 10.0.0.10).
func follows(a, b string) bool {
	pa, na := splitNumber(a)
	pb, nb := splitNumber(b)
	if pa != pb || na == "" || nb == "" || len(na) > 9 || len(nb) > 9 {
		return false
	}
	x, _ := strconv.Atoi(na)
	y, _ := strconv.Atoi(nb)
	if y != x+1 {
		return false
	}
	// Zero-padded names keep their width; unpadded ones may grow.
	return len(na) == len(nb) || (na[0] != '0' && nb[0] != '0')
}

// naturalCompare orders a and b as text, but their runs of digits by
// value: 10.0.0.9 before 10.0.0.10, web9 before web10; ties (web09 and
// web9) are broken as plain text, so that the order is total.
func naturalCompare(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if isDigit(a[i]) && isDigit(b[j]) {
			ei, ej := digitsEnd(a, i), digitsEnd(b, j)
			x, y := strings.TrimLeft(a[i:ei], "0"), strings.TrimLeft(b[j:ej], "0")
			if c := cmp.Or(cmp.Compare(len(x), len(y)), strings.Compare(x, y)); c != 0 {
				return c
			}
			i, j = ei, ej
			continue
		}
		if a[i] != b[j] {
			return cmp.Compare(a[i], b[j])
		}
		i, j = i+1, j+1
	}
	return cmp.Or(cmp.Compare(len(a)-i, len(b)-j), strings.Compare(a, b))
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// digitsEnd returns the end of the run of digits of s that starts at i.
func digitsEnd(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

// splitNumber splits s before its trailing decimal digits.
func splitNumber(s string) (prefix, digits string) {
	i := len(s)
	for i > 0 && isDigit(s[i-1]) {
		i--
	}
	return s[:i], s[i:]
}

// htmlGrid is the reachability matrix as the page draws it.
type htmlGrid struct {
	// HeadWidth is the width of the row heads, in characters.
	HeadWidth int
	Cols      []gridCol
	Rows      []gridRow
	OK        int
	NotOK     int
	Total     int
	Results   []resultCount  // how many probes got each result but ok
	Failed    []failedTarget // the targets some source could not reach
}

// resultCount is how many probes got a result, for the page's summary.
type resultCount struct {
	Word string // "refused", "timed out", …
	N    int
}

type gridCol struct {
	Head  string // "to:port"
	Label string
}

type gridRow struct {
	From  string
	Cells []gridCell
}

// gridCell is a run of cells of one result in a row, drawn as one table
// cell spanning Span columns (a page of 200 hosts would otherwise hold
// 40000 cells, which browsers take seconds to lay out): its CSS class (k
// ok, r refused, t timeout, e error, u unknown, n not probed), the symbol
// shown in each of its cells (the legend names it) and, for one cell that
// is not ok, a tooltip.
// Runs of failures are never merged, so each keeps its tooltip.
type gridCell struct {
	Class string
	Mark  string
	Title string
	Span  int
}

// failedTarget is one target and result that some sources got.
type failedTarget struct {
	Target string
	Label  string
	Result string
	From   []string
	Detail string // the first source's detail
}

func buildGrid(probes []calyptos.Probe) *htmlGrid {
	m := buildMatrix(probes)
	g := &htmlGrid{OK: m.ok, Total: m.total, Cols: make([]gridCol, len(m.cols)), Rows: make([]gridRow, len(m.rows))}
	for i, c := range m.cols {
		g.Cols[i] = gridCol{Head: c.head, Label: c.label}
	}
	for r, from := range m.rows {
		g.HeadWidth = max(g.HeadWidth, utf8.RuneCountInString(from)+1)
		row := gridRow{From: from}
		for c := range m.cols {
			res := m.cells[r*len(m.cols)+c]
			cell := gridCell{Class: cellClass(res), Span: 1}
			if res != calyptos.ProbeOK && res != "" {
				cell.Mark = cellMark(cell.Class)
				cell.Title = from + " → " + m.cols[c].head + ": " + string(res)
			} else if n := len(row.Cells); n > 0 && row.Cells[n-1].Class == cell.Class {
				row.Cells[n-1].Span++
				continue
			}
			row.Cells = append(row.Cells, cell)
		}
		g.Rows[r] = row
	}
	g.Failed = failedTargets(probes)
	g.Results = resultCounts(probes)
	g.NotOK = g.Total - g.OK
	return g
}

// resultCounts counts the probes of each result but ok, in resultRank
// order.
func resultCounts(probes []calyptos.Probe) []resultCount {
	n := map[calyptos.ProbeResult]int{}
	var results []calyptos.ProbeResult
	for _, p := range probes {
		if p.Result == calyptos.ProbeOK {
			continue
		}
		if n[p.Result] == 0 {
			results = append(results, p.Result)
		}
		n[p.Result]++
	}
	slices.SortFunc(results, func(a, b calyptos.ProbeResult) int {
		return cmp.Or(cmp.Compare(resultRank(a), resultRank(b)), strings.Compare(string(a), string(b)))
	})
	out := make([]resultCount, len(results))
	for i, r := range results {
		word := string(r)
		if r == calyptos.ProbeTimeout {
			word = "timed out"
		}
		out[i] = resultCount{Word: word, N: n[r]}
	}
	return out
}

// cellMark is the symbol of a grid cell of class c that is not ok: a
// letter alone was hard to read in a 14 px cell; the legend names each.
func cellMark(c string) string {
	switch c {
	case "r":
		return "✕"
	case "t":
		return "◷"
	case "e":
		return "!"
	}
	return "?"
}

// probeDetail makes a probe tool's message one readable line: the
// shell's noise around what it says is dropped, so that
//
//	_: connect: Connection refused _: line 1: /dev/tcp/10.0.0.2/8774: Connection refused
//
// reads "Connection refused". Only the page is changed: the report keeps
// the message as the host sent it.
func probeDetail(s string) string {
	var msgs [][]string
	for _, w := range strings.Fields(s) {
		switch {
		case w == "_:" || w == "bash:" || w == "sh:" || w == "-bash:":
			msgs = append(msgs, nil) // a message of the shell starts
		case len(msgs) == 0:
			msgs = append(msgs, []string{w})
		default:
			msgs[len(msgs)-1] = append(msgs[len(msgs)-1], w)
		}
	}
	var out []string
	for _, m := range msgs {
		if t := strings.Join(trimShellNoise(m), " "); t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return strings.Join(out, "; ")
}

// trimShellNoise drops the words a shell puts before its message: "line
// 1:", "/dev/tcp/ADDRESS/PORT:" and "connect:".
func trimShellNoise(words []string) []string {
	for len(words) > 0 {
		w := words[0]
		switch {
		case w == "line" && len(words) > 1 && strings.HasSuffix(words[1], ":") && isNumber(strings.TrimSuffix(words[1], ":")):
			words = words[2:]
		case w == "connect:" || (strings.HasSuffix(w, ":") && (strings.HasPrefix(w, "/dev/tcp/") || strings.HasPrefix(w, "/dev/udp/"))):
			words = words[1:]
		default:
			return words
		}
	}
	return words
}

func isNumber(s string) bool {
	return s != "" && digitsEnd(s, 0) == len(s)
}

func cellClass(r calyptos.ProbeResult) string {
	switch r {
	case calyptos.ProbeOK:
		return "k"
	case calyptos.ProbeRefused:
		return "r"
	case calyptos.ProbeTimeout:
		return "t"
	case calyptos.ProbeError:
		return "e"
	case "":
		return "n"
	}
	return "u"
}

// failedTargets lists, per target and result that is not ok, the sources
// that got it, targets in host order.
func failedTargets(probes []calyptos.Probe) []failedTarget {
	type key struct {
		to     string
		port   int
		proto  string
		result calyptos.ProbeResult
	}
	idx := map[key]int{}
	var out []failedTarget
	var keys []key
	for _, p := range probes {
		if p.Result == calyptos.ProbeOK {
			continue
		}
		k := key{p.To, p.Port, strings.ToLower(p.Proto), p.Result}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			c := column{to: p.To, port: p.Port, proto: k.proto}
			out = append(out, failedTarget{Target: columnHead(&c), Label: p.Label, Result: string(p.Result), Detail: p.Detail})
			keys = append(keys, k)
		}
		out[i].From = append(out[i].From, p.From)
	}
	order := make([]int, len(out))
	for i := range order {
		order[i] = i
		slices.SortFunc(out[i].From, hostname.Compare)
		out[i].From = slices.Compact(out[i].From)
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ka, kb := keys[a], keys[b]
		return cmp.Or(hostname.Compare(ka.to, kb.to), cmp.Compare(ka.port, kb.port),
			cmp.Compare(resultRank(ka.result), resultRank(kb.result)))
	})
	sorted := make([]failedTarget, len(out))
	for i, j := range order {
		sorted[i] = out[j]
	}
	return sorted
}

// cleanHTMLText shows the control characters of s (but newline and tab)
// and the bidirectional overrides as \xNN or \uNNNN, and its invalid UTF-8
// as U+FFFD, before html/template escapes it: host output must reach the
// page as plain visible text, in the order it was written.
func cleanHTMLText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case !isControl(r):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// isControl: C0 but newline and tab, DEL, C1, and every Bidi_Control
// character (ALM, LRM, RLM, embeddings, overrides, isolates).
func isControl(r rune) bool {
	return (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r <= 0x9f) ||
		r == 0x061c || r == 0x200e || r == 0x200f ||
		(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// formatDuration rounds d for people: 1.2s, 340ms, 2m3s.
func formatDuration(d time.Duration) string {
	switch {
	case d >= time.Minute:
		return d.Round(time.Second).String()
	case d >= time.Second:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Millisecond).String()
}
