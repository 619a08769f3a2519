package report

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/org/calyptos"
	"github.com/org/calyptos/hostname"
)

// matrix is a reachability matrix: rows are source hosts, columns are
// targets (host, port, protocol), cells the probe results ("" when the
// source did not probe the target).
type matrix struct {
	rows  []string
	cols  []column
	cells []calyptos.ProbeResult // len(rows)*len(cols), row-major
	ok    int
	total int
}

type column struct {
	to    string
	port  int
	proto string
	label string
	head  string // "to:port" as shown
}

type colKey struct {
	to    string
	port  int
	proto string
}

func buildMatrix(probes []calyptos.Probe) *matrix {
	m := &matrix{total: len(probes)}
	rowIdx := map[string]int{}
	colIdx := map[colKey]int{}
	for _, p := range probes {
		if p.Result == calyptos.ProbeOK {
			m.ok++
		}
		if _, ok := rowIdx[p.From]; !ok {
			rowIdx[p.From] = 0
			m.rows = append(m.rows, p.From)
		}
		k := colKey{p.To, p.Port, strings.ToLower(p.Proto)}
		if i, ok := colIdx[k]; ok {
			if m.cols[i].label == "" {
				m.cols[i].label = p.Label
			}
			continue
		}
		colIdx[k] = len(m.cols)
		m.cols = append(m.cols, column{to: p.To, port: p.Port, proto: k.proto, label: p.Label})
	}
	slices.SortFunc(m.rows, hostname.Compare)
	slices.SortFunc(m.cols, func(a, b column) int {
		return cmp.Or(hostname.Compare(a.to, b.to), cmp.Compare(a.port, b.port), strings.Compare(a.proto, b.proto))
	})
	for i, r := range m.rows {
		rowIdx[r] = i
	}
	for i := range m.cols {
		c := &m.cols[i]
		colIdx[colKey{c.to, c.port, c.proto}] = i
		c.head = columnHead(c)
	}
	m.cells = make([]calyptos.ProbeResult, len(m.rows)*len(m.cols))
	for _, p := range probes {
		i := rowIdx[p.From]*len(m.cols) + colIdx[colKey{p.To, p.Port, strings.ToLower(p.Proto)}]
		// A target probed twice from one source shows its worst answer.
		if m.cells[i] == "" || p.Result != calyptos.ProbeOK {
			m.cells[i] = p.Result
		}
	}
	return m
}

func columnHead(c *column) string {
	var b []byte
	if strings.Contains(c.to, ":") {
		b = append(b, '[')
		b = appendTerminal(b, c.to)
		b = append(b, ']')
	} else {
		b = appendTerminal(b, c.to)
	}
	if c.port > 0 {
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(c.port), 10)
	}
	if c.proto != "" && c.proto != "tcp" {
		b = append(b, '/')
		b = appendTerminal(b, c.proto)
	}
	return string(b)
}

func cellText(r calyptos.ProbeResult) string {
	switch r {
	case "":
		return "-"
	case calyptos.ProbeOK:
		return "ok"
	case calyptos.ProbeRefused:
		return "REFUSED"
	case calyptos.ProbeTimeout:
		return "timeout"
	case calyptos.ProbeError:
		return "ERROR"
	case calyptos.ProbeUnknown:
		return "unknown"
	}
	return string(appendTerminal(nil, string(r)))
}

// textWidth is the number of terminal columns s takes: two for East Asian
// wide and full-width characters, none for combining marks and format
// characters (zero-width joiner, say), one for the others. s has been
// through appendTerminal, so it holds no control characters.
func textWidth(s string) int {
	w := 0
	for _, r := range s {
		w += runeWidth(r)
	}
	return w
}

func runeWidth(r rune) int {
	switch {
	case r < 0x300:
		return 1
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return 0
	case r >= 0x1100 && (r <= 0x115f || r == 0x2329 || r == 0x232a ||
		(r >= 0x2e80 && r <= 0xa4cf && r != 0x303f) ||
		(r >= 0xac00 && r <= 0xd7a3) ||
		(r >= 0xf900 && r <= 0xfaff) ||
		(r >= 0xfe10 && r <= 0xfe19) ||
		(r >= 0xfe30 && r <= 0xfe6f) ||
		(r >= 0xff00 && r <= 0xff60) ||
		(r >= 0xffe0 && r <= 0xffe6) ||
		(r >= 0x1f300 && r <= 0x1f64f) ||
		(r >= 0x1f900 && r <= 0x1f9ff) ||
		(r >= 0x20000 && r <= 0x2fffd) ||
		(r >= 0x30000 && r <= 0x3fffd)):
		return 2
	}
	return 1
}

const matrixCorner = `from \ to`

// appendMatrix appends the reachability section: a summary line, then the
// grid when it fits in width columns, or else the probes that were not ok,
// grouped by target and result.
func appendMatrix(b []byte, probes []calyptos.Probe, width int, verbose bool) []byte {
	m := buildMatrix(probes)
	b = append(b, "Reachability: "...)
	b = strconv.AppendInt(b, int64(m.ok), 10)
	b = append(b, " of "...)
	b = strconv.AppendInt(b, int64(m.total), 10)
	b = append(b, " probes ok\n"...)

	rowNames := make([]string, len(m.rows))
	rowW := textWidth(matrixCorner)
	for i, r := range m.rows {
		rowNames[i] = string(appendTerminal(nil, r))
		rowW = max(rowW, textWidth(rowNames[i]))
	}
	colW := make([]int, len(m.cols))
	lineW := rowW
	for j, c := range m.cols {
		colW[j] = textWidth(c.head)
		for i := range m.rows {
			colW[j] = max(colW[j], textWidth(cellText(m.cells[i*len(m.cols)+j])))
		}
		lineW += 2 + colW[j]
	}
	if lineW <= width {
		b = m.appendGrid(b, rowNames, rowW, colW)
	} else {
		b = m.appendList(b, rowNames, width)
	}
	if verbose {
		b = appendProbeDetails(b, probes)
	}
	return b
}

func (m *matrix) appendGrid(b []byte, rowNames []string, rowW int, colW []int) []byte {
	pad := func(b []byte, s string, w int) []byte {
		b = append(b, s...)
		return appendSpaces(b, w-textWidth(s))
	}
	start := len(b)
	b = pad(b, matrixCorner, rowW)
	for j, c := range m.cols {
		b = append(b, "  "...)
		b = pad(b, c.head, colW[j])
	}
	b = trimSpaces(b, start)
	b = append(b, '\n')
	for i := range m.rows {
		start := len(b)
		b = pad(b, rowNames[i], rowW)
		for j := range m.cols {
			b = append(b, "  "...)
			b = pad(b, cellText(m.cells[i*len(m.cols)+j]), colW[j])
		}
		b = trimSpaces(b, start)
		b = append(b, '\n')
	}
	labelled := false
	for _, c := range m.cols {
		if c.label != "" {
			labelled = true
		}
	}
	if labelled {
		for _, c := range m.cols {
			if c.label != "" {
				b = append(b, "  "...)
				b = append(b, c.head...)
				b = append(b, ": "...)
				b = appendTerminal(b, c.label)
				b = append(b, '\n')
			}
		}
	}
	return b
}

// resultRank orders the results that are not ok as the list view shows
// them; results it does not know come last.
func resultRank(r calyptos.ProbeResult) int {
	switch r {
	case calyptos.ProbeRefused:
		return 0
	case calyptos.ProbeTimeout:
		return 1
	case calyptos.ProbeError:
		return 2
	case calyptos.ProbeUnknown:
		return 3
	}
	return 4
}

// appendList writes one entry per target and result that is not ok:
//
//	10.0.0.5:8773 (CLC web): REFUSED from all 59 sources
//	10.0.0.7:22: timeout from 10.0.0.1, 10.0.0.2
//
// wrapping the list of sources to width.
func (m *matrix) appendList(b []byte, rowNames []string, width int) []byte {
	for j := range m.cols {
		probed, results := m.notOK(j)
		for _, res := range results {
			b = m.appendListEntry(b, j, res, probed, rowNames, width)
		}
	}
	return b
}

// notOK returns how many sources probed column j and the results other
// than ok they got, in resultRank order.
func (m *matrix) notOK(j int) (probed int, results []calyptos.ProbeResult) {
	for i := range m.rows {
		r := m.cells[i*len(m.cols)+j]
		if r == "" {
			continue
		}
		probed++
		if r != calyptos.ProbeOK && !slices.Contains(results, r) {
			results = append(results, r)
		}
	}
	slices.SortFunc(results, func(a, b calyptos.ProbeResult) int {
		return cmp.Or(cmp.Compare(resultRank(a), resultRank(b)), strings.Compare(string(a), string(b)))
	})
	return probed, results
}

// appendListEntry appends the entry of column j and result res: the
// sources that got it, or all but those that did not when they are fewer.
func (m *matrix) appendListEntry(b []byte, j int, res calyptos.ProbeResult, probed int, rowNames []string, width int) []byte {
	var with, without []string
	for i := range m.rows {
		switch m.cells[i*len(m.cols)+j] {
		case "":
		case res:
			with = append(with, rowNames[i])
		default:
			without = append(without, rowNames[i])
		}
	}
	c := &m.cols[j]
	line := []byte("  ")
	line = append(line, c.head...)
	if c.label != "" {
		line = append(line, " ("...)
		line = appendTerminal(line, c.label)
		line = append(line, ')')
	}
	line = append(line, ": "...)
	line = append(line, cellText(res)...)
	line = append(line, " from"...)
	names := with
	switch {
	case len(without) == 0 && len(with) > 1:
		line = append(line, " all "...)
		line = strconv.AppendInt(line, int64(probed), 10)
		line = append(line, " sources"...)
		names = nil
	case len(without) > 0 && len(without) < len(with):
		line = append(line, " all "...)
		line = strconv.AppendInt(line, int64(probed), 10)
		line = append(line, " sources except"...)
		names = without
	}
	return appendWrapped(b, line, names, width)
}

// appendWrapped appends head followed by names separated by ", ", breaking
// the line before a name that would pass width and indenting the
// continuation lines.
func appendWrapped(b, head []byte, names []string, width int) []byte {
	const indent = 6
	b = append(b, head...)
	col := textWidth(string(head))
	for k, n := range names {
		if k > 0 {
			b = append(b, ',')
			col++
		}
		nw := textWidth(n)
		if col+1+nw > width && col > indent {
			b = append(b, '\n')
			b = appendSpaces(b, indent)
			col = indent
		} else {
			b = append(b, ' ')
			col++
		}
		b = append(b, n...)
		col += nw
	}
	return append(b, '\n')
}

// appendProbeDetails lists every probe that was not ok with its detail.
func appendProbeDetails(b []byte, probes []calyptos.Probe) []byte {
	header := false
	for _, p := range probes {
		if p.Result == calyptos.ProbeOK {
			continue
		}
		if !header {
			b = append(b, "Probes not ok:\n"...)
			header = true
		}
		c := column{to: p.To, port: p.Port, proto: strings.ToLower(p.Proto)}
		b = append(b, "  "...)
		b = appendTerminal(b, p.From)
		b = append(b, " -> "...)
		b = append(b, columnHead(&c)...)
		b = append(b, ": "...)
		b = append(b, cellText(p.Result)...)
		if p.Detail != "" {
			b = append(b, ": "...)
			b = appendTerminal(b, strings.ReplaceAll(p.Detail, "\n", " "))
		}
		b = append(b, '\n')
	}
	return b
}
