package report

import (
	"encoding/json"
	"fmt"
	"github.com/org/calyptos/baseline"
	"io"
	"strconv"
	"strings"
)

// diffLabelWidth is the width class labels are padded to: "[STILL FAILING]".
const diffLabelWidth = len("STILL FAILING")

// WriteDiff renders a comparison of two reports (baseline.Compare) in
// format f, Text or JSON.
//
// Text lists the new failures and warnings, those still failing, and the
// fixed ones (every change with opts.Verbose, unchanged ones included),
// each with its ID, host, status and message and the hint of a failure,
// then the counts:
//
//	[NEW          ] check_ports/tcp-8773 on 10.0.0.5: fail: Closed tcp/8773
//	                hint: start eucalyptus-cloud
//	[FIXED        ] component_storage_check/disk-size on 10.0.0.5: pass: ...
//	Summary: new 1, still failing 0, fixed 1, unchanged 12
//	Regressions: 1
//
// JSON is the baseline.Diff as encoding/json writes it, with a
// "regressions" count added: {"kind", "environment", "changes": [{finding
// fields, "class", "was", "waiver", "waiver_expired"}], "counts",
// "regressions"}.
func WriteDiff(w io.Writer, d *baseline.Diff, f Format, opts Options) error {
	if d == nil {
		return ErrNilReport
	}
	switch f {
	case JSON:
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		doc := struct {
			*baseline.Diff
			Regressions int `json:"regressions"`
		}{d, len(d.Regressions(opts.Strict))}
		if err := enc.Encode(doc); err != nil {
			return fmt.Errorf("report: write diff: %w", err)
		}
		return nil
	case Text:
		return writeDiffText(w, d, opts)
	}
	return fmt.Errorf("%w: %v", ErrUnknownFormat, f)
}

func writeDiffText(w io.Writer, d *baseline.Diff, opts Options) error {
	t := &TextReporter{w: w, opts: opts}
	var b []byte
	for _, ch := range d.Changes {
		if ch.Class == baseline.ClassUnchanged && !opts.Verbose {
			continue
		}
		b = t.appendChange(b, ch, opts.Strict)
	}
	c := d.Counts
	b = fmt.Appendf(b, "Summary: new %d, still failing %d, fixed %d, unchanged %d", c.New, c.Still, c.Fixed, c.Unchanged)
	if c.Waived > 0 || c.Expired > 0 {
		b = fmt.Appendf(b, ", waived %d, waiver expired %d", c.Waived, c.Expired)
	}
	b = append(b, '\n')
	n := len(d.Regressions(opts.Strict))
	color := colorGreen
	if n > 0 {
		color = colorRed
	}
	b = t.appendColored(b, color, "Regressions: "+strconv.Itoa(n))
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("report: write diff: %w", err)
	}
	return nil
}

// appendChange appends one line for ch, and its hint.
func (t *TextReporter) appendChange(b []byte, ch baseline.Change, strict bool) []byte {
	color := colorNone
	switch {
	case ch.Regression(strict):
		color = colorRed
	case ch.Class == baseline.ClassFixed:
		color = colorGreen
	case ch.Class == baseline.ClassStill:
		color = colorYellow
	}
	b = t.startColor(b, color)
	start := len(b)
	b = append(b, '[')
	b = append(b, ch.Class.Label()...)
	b = appendSpaces(b, diffLabelWidth-len(ch.Class.Label()))
	b = append(b, "] "...)
	b = appendChangeName(b, ch)
	b = append(b, ": "...)
	b = append(b, ch.Status.String()...)
	if ch.Was != 0 && ch.Was != ch.Status {
		b = append(b, " (was "...)
		b = append(b, ch.Was.String()...)
		b = append(b, ')')
	}
	b = append(b, ": "...)
	b = appendTerminal(b, strings.Join(strings.Fields(ch.Text()), " "))
	if w := ch.Waiver; w != nil {
		if ch.Expired {
			b = append(b, " [WAIVER EXPIRED "...)
		} else {
			b = append(b, " [WAIVED until "...)
		}
		b = append(b, w.Day()...)
		b = append(b, ": "...)
		b = appendTerminal(b, w.Reason)
		b = append(b, ']')
	}
	b = trimSpaces(b, start)
	b = t.endColor(b, color)
	if ch.Class != baseline.ClassFixed {
		b = appendHintAt(b, ch.Finding, diffLabelWidth+3)
	}
	return b
}

// appendChangeName appends a change's finding ID and, when it has one, its
// host: "check/key on host", escaped for a terminal.
func appendChangeName(b []byte, ch baseline.Change) []byte {
	b = appendTerminal(b, ch.ID)
	if ch.Host != "" {
		b = append(b, " on "...)
		b = appendTerminal(b, ch.Host)
	}
	return b
}
