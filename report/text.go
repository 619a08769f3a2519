package report

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/org/calyptos"
)

// ANSI colour sequences used by text output when Options.Color is set.
const (
	colorNone   = ""
	colorGreen  = "\x1b[32m"
	colorRed    = "\x1b[31m"
	colorYellow = "\x1b[33m"
	colorCyan   = "\x1b[36m"
	colorReset  = "\x1b[0m"
)

// labelWidth is the width labels are padded to inside their brackets, as
// in the original Calyptos output: "[DEBUG PASSED        ] ".
const labelWidth = 20

// messageColumn is where a finding's text starts: '[' + label + "] ".
const messageColumn = labelWidth + 3

// ColorEnabled reports whether text written to w should be coloured: w must
// be an *os.File open on a character device (a terminal), the NO_COLOR
// environment variable must be unset or empty (https://no-color.org) and
// TERM must not be "dumb". env looks variables up: pass os.Getenv, or a
// stub in tests; nil means os.Getenv.
//
// The terminal test is os.File.Stat's ModeCharDevice bit rather than an
// ioctl, so it needs no dependency; its only false positives are other
// character devices such as /dev/null, where colour codes do no harm.
func ColorEnabled(w io.Writer, env func(string) string) bool {
	if env == nil {
		env = os.Getenv
	}
	if env("NO_COLOR") != "" || env("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return false
	}
	st, err := f.Stat()
	if err != nil {
		return false
	}
	return st.Mode()&os.ModeCharDevice != 0
}

// TextReporter writes a run in the Calyptos console style as it happens.
// It implements calyptos.Reporter: pass it as RunOptions.Reporter, then call
// Summary with the returned report to print the totals, the reachability
// matrix and the collected artifacts.
//
// Each event is written to w with one Write call, so a line is never split
// between writers. A write error stops further output and is returned by
// Err and Summary. A TextReporter is safe for concurrent use; make one with
// NewTextReporter.
type TextReporter struct {
	mu    sync.Mutex
	w     io.Writer
	debug bool
	opts  Options
	buf   []byte
	err   error
	// chunked lets an event be written in pieces of about flushSize
	// (WriteText, which owns w), so that memory grows with the longest
	// evidence line rather than with the evidence.
	chunked bool
}

var _ calyptos.Reporter = (*TextReporter)(nil)

// NewTextReporter returns a reporter that writes to w. kind chooses the
// labels: VALIDATION and TEST for calyptos.KindValidate, DEBUG otherwise.
// Colours are used only when opts.Color is set (see ColorEnabled).
func NewTextReporter(w io.Writer, kind calyptos.Kind, opts Options) *TextReporter {
	return &TextReporter{w: w, debug: kind != calyptos.KindValidate, opts: opts}
}

// WriteText writes the whole of rep as a TextReporter would have streamed
// it, followed by its Summary.
func WriteText(w io.Writer, rep *calyptos.Report, opts Options) error {
	if rep == nil {
		return ErrNilReport
	}
	t := NewTextReporter(w, rep.Kind, opts)
	t.chunked = true
	for _, c := range rep.Checks {
		if c == nil {
			continue
		}
		t.CheckStarted(c.Name)
		for _, f := range c.Findings {
			t.Finding(f)
		}
		t.CheckFinished(c)
	}
	return t.Summary(rep)
}

// CheckStarted writes the check's start line:
//
//	[TEST STARTING       ] name
func (t *TextReporter) CheckStarted(name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf[:0]
	b = t.appendLine(b, colorCyan, t.prefix("TEST", "STARTING"), "", name)
	t.flush(b)
}

// Finding writes one finding, a failure's or warning's hint and reference,
// and with Options.Verbose a failure's evidence, indented; with
// Options.Baseline, how the finding changed (see appendVerdict):
//
//	[VALIDATION FAILED   ] host: message [NEW]
//	                       hint: what to do
//	                       see: https://...
//	                       | evidence
func (t *TextReporter) Finding(f calyptos.Finding) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf[:0]
	b = t.appendLine(b, statusColor(f.Status), t.prefix("VALIDATION", statusLabel(f.Status)), f.Host, f.Text()+t.verdict(f))
	b = appendHint(b, f)
	if t.opts.Verbose && f.Status == calyptos.Fail && f.Evidence != "" {
		b = t.appendEvidence(b, f.Evidence)
	}
	t.flush(b)
}

// CheckFinished writes the check's results line:
//
//	[DEBUG RESULTS       ] name: passed N, failed N, warnings N (1.2s)
func (t *TextReporter) CheckFinished(r *calyptos.CheckResult) {
	if r == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var m []byte
	m = append(m, r.Name...)
	m = append(m, ": passed "...)
	m = strconv.AppendInt(m, int64(r.Counts.Pass), 10)
	m = append(m, ", failed "...)
	m = strconv.AppendInt(m, int64(r.Counts.Fail), 10)
	m = append(m, ", warnings "...)
	m = strconv.AppendInt(m, int64(r.Counts.Warn), 10)
	m = append(m, " ("...)
	m = strconv.AppendFloat(m, r.Duration.Seconds(), 'f', 1, 64)
	m = append(m, "s)"...)
	b := t.appendLine(t.buf[:0], colorCyan, t.prefix("TEST", "RESULTS"), "", string(m))
	t.flush(b)
}

// Summary writes what only the whole report knows: the totals in the
// original's words (Total passed / failed / warnings), a note when the run
// was interrupted, the reachability matrix when the report has probes, and
// the artifacts collected. It returns the first write error of the
// reporter's life, as Err does.
func (t *TextReporter) Summary(rep *calyptos.Report) error {
	if rep == nil {
		return ErrNilReport
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf[:0]
	b = t.appendColored(b, colorYellow, "Total passed: "+strconv.Itoa(rep.Totals.Pass))
	b = t.appendColored(b, colorYellow, "Total failed: "+strconv.Itoa(rep.Totals.Fail))
	b = t.appendColored(b, colorYellow, "Total warnings: "+strconv.Itoa(rep.Totals.Warn))
	if rep.Interrupted {
		b = t.appendColored(b, colorRed, "Run interrupted: not every check ran.")
	}
	b = t.appendDiffSummary(b, rep)
	if probes := rep.Probes(); len(probes) > 0 {
		b = append(b, '\n')
		b = appendMatrix(b, probes, t.opts.width(), t.opts.Verbose)
	}
	var arts []calyptos.Artifact
	for _, c := range rep.Checks {
		if c != nil {
			arts = append(arts, c.Artifacts...)
		}
	}
	if len(arts) > 0 {
		b = append(b, "\nArtifacts collected:\n"...)
		for _, a := range arts {
			b = append(b, "  "...)
			b = appendTerminal(b, a.Path)
			b = append(b, " ("...)
			b = strconv.AppendInt(b, a.Bytes, 10)
			b = append(b, " bytes"...)
			if a.Host != "" || a.Remote != "" {
				b = append(b, " from "...)
				b = appendTerminal(b, a.Host)
				if a.Host != "" && a.Remote != "" {
					b = append(b, ':')
				}
				b = appendTerminal(b, a.Remote)
			}
			b = append(b, ")\n"...)
		}
	}
	t.flush(b)
	return t.err
}

// Err returns the first error met writing to the reporter's writer.
func (t *TextReporter) Err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

// flush writes b and keeps it as the scratch buffer for the next event.
func (t *TextReporter) flush(b []byte) {
	if t.err == nil && len(b) > 0 {
		_, t.err = t.w.Write(b)
	}
	if cap(b) <= 64<<10 {
		t.buf = b[:0]
	}
}

// prefix builds a label: validate runs say validPrefix ("TEST" or
// "VALIDATION"), debug runs say DEBUG.
func (t *TextReporter) prefix(validPrefix, what string) string {
	if t.debug {
		return "DEBUG " + what
	}
	return validPrefix + " " + what
}

func statusLabel(s calyptos.Status) string {
	switch s {
	case calyptos.Pass:
		return "PASSED"
	case calyptos.Fail:
		return "FAILED"
	case calyptos.Warn:
		return "WARNING"
	case calyptos.Info:
		return "INFO"
	case calyptos.Skip:
		return "SKIPPED"
	}
	return strings.ToUpper(s.String())
}

func statusColor(s calyptos.Status) string {
	switch s {
	case calyptos.Pass:
		return colorGreen
	case calyptos.Fail:
		return colorRed
	case calyptos.Warn:
		return colorYellow
	}
	return colorNone
}

// appendLine appends "[label...] host: msg" and a newline. A message of
// several lines continues at the message column. Every line is coloured on
// its own so that a reader cutting lines out of the output keeps no stray
// colour state.
func (t *TextReporter) appendLine(b []byte, color, label, host, msg string) []byte {
	first, rest, more := strings.Cut(msg, "\n")
	b = t.startColor(b, color)
	start := len(b)
	b = append(b, '[')
	b = append(b, label...)
	for n := len(label); n < labelWidth; n++ {
		b = append(b, ' ')
	}
	b = append(b, "] "...)
	if host != "" {
		b = appendTerminal(b, host)
		b = append(b, ": "...)
	}
	b = appendTerminal(b, strings.TrimSuffix(first, "\r"))
	b = trimSpaces(b, start)
	b = t.endColor(b, color)
	for more {
		first, rest, more = strings.Cut(rest, "\n")
		b = t.startColor(b, color)
		start = len(b)
		b = appendSpaces(b, messageColumn)
		b = appendTerminal(b, strings.TrimSuffix(first, "\r"))
		b = trimSpaces(b, start)
		b = t.endColor(b, color)
	}
	return b
}

// appendColored appends one line of s in color.
func (t *TextReporter) appendColored(b []byte, color, s string) []byte {
	b = t.startColor(b, color)
	b = appendTerminal(b, s)
	return t.endColor(b, color)
}

func (t *TextReporter) startColor(b []byte, color string) []byte {
	if t.opts.Color && color != colorNone {
		b = append(b, color...)
	}
	return b
}

func (t *TextReporter) endColor(b []byte, color string) []byte {
	if t.opts.Color && color != colorNone {
		b = append(b, colorReset...)
	}
	return append(b, '\n')
}

// appendEvidence appends evidence lines under the message column, each
// marked with "| ". A chunked reporter writes out what it has every
// flushSize bytes.
func (t *TextReporter) appendEvidence(b []byte, ev string) []byte {
	ev = strings.TrimRight(ev, " \t\r\n")
	for line := range strings.Lines(ev) {
		start := len(b)
		b = appendSpaces(b, messageColumn)
		b = append(b, "| "...)
		b = appendTerminal(b, strings.TrimRight(line, "\r\n"))
		b = trimSpaces(b, start)
		b = append(b, '\n')
		if t.chunked && len(b) >= flushSize {
			t.flush(b)
			b = t.buf[:0]
		}
	}
	return b
}

func appendSpaces(b []byte, n int) []byte {
	for range n {
		b = append(b, ' ')
	}
	return b
}

// trimSpaces removes trailing spaces appended since start.
func trimSpaces(b []byte, start int) []byte {
	for len(b) > start && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// appendTerminal appends s with every control character (C0 but tab, DEL
// and C1) and every byte that is not UTF-8 written as a visible \xNN
// escape, so that text from remote hosts can neither move the reader's
// cursor nor change its colours.
func appendTerminal(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if (c >= 0x20 && c != 0x7f) || c == '\t' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			b = appendHexEscape(b, c)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		// A byte that is not UTF-8 is escaped too: a terminal reading
		// 8-bit controls takes 0x9b alone for CSI.
		invalid := r == utf8.RuneError && size == 1
		switch {
		case invalid || (r >= 0x80 && r <= 0x9f):
			if invalid {
				r = rune(c)
			}
			b = append(b, s[start:i]...)
			b = appendHexEscape(b, byte(r))
			start = i + size
		case IsBidiControl(r):
			// A direction override would reorder what the reader sees.
			b = append(b, s[start:i]...)
			b = fmt.Appendf(b, "\\u%04x", r)
			start = i + size
		}
		i += size
	}
	return append(b, s[start:]...)
}

func appendHexEscape(b []byte, c byte) []byte {
	const hex = "0123456789abcdef"
	return append(b, '\\', 'x', hex[c>>4], hex[c&0xf])
}
