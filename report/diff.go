package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/baseline"
)

// diffLabelWidth is the width class labels are padded to: "[STILL FAILING]".
const diffLabelWidth = len("STILL FAILING")

// WriteDiff renders a comparison of two reports (baseline.Compare) in
// format f, Text or JSON.
//
// Text leads with what matters: the counts, then the new failures and
// warnings with their hints, the fixed ones (a failure whose check ran and
// no longer reports its ID is fixed too, "no longer reported"), and those
// still failing, one line each (every change with opts.Verbose, unchanged
// ones included, and hints of those still failing):
//
//	Summary: new 1, still failing 1, fixed 1, unchanged 12
//	Regressions: 1
//	[NEW          ] check_ports/tcp-8773 on 10.0.0.5: fail: Closed tcp/8773
//	                hint: start eucalyptus-cloud
//	[FIXED        ] check_ports/tcp-8774 on 10.0.0.5: no longer reported (was fail): Closed tcp/8774
//	[STILL FAILING] debug_cloud_controller/db-size on 10.0.0.5: fail: Database is larger than 3GB
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
	b := t.appendDiffCounts(nil, d, opts.Strict)
	for _, class := range []baseline.Class{baseline.ClassNew, baseline.ClassFixed, baseline.ClassStill, baseline.ClassUnchanged} {
		if class == baseline.ClassUnchanged && !opts.Verbose {
			continue
		}
		for _, ch := range d.Changes {
			if ch.Class == class {
				b = t.appendChange(b, ch, opts.Strict)
			}
		}
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("report: write diff: %w", err)
	}
	return nil
}

// appendDiffCounts appends the summary line and the regressions.
func (t *TextReporter) appendDiffCounts(b []byte, d *baseline.Diff, strict bool) []byte {
	c := d.Counts
	b = fmt.Appendf(b, "Summary: new %d, still failing %d, fixed %d, unchanged %d", c.New, c.Still, c.Fixed, c.Unchanged)
	if c.Waived > 0 || c.Expired > 0 {
		b = fmt.Appendf(b, ", waived %d, waiver expired %d", c.Waived, c.Expired)
	}
	b = append(b, '\n')
	n := len(d.Regressions(strict))
	color := colorGreen
	if n > 0 {
		color = colorRed
	}
	return t.appendColored(b, color, "Regressions: "+strconv.Itoa(n))
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
	gone := ch.Class == baseline.ClassFixed && (ch.Status == calyptos.Fail || ch.Status == calyptos.Warn)
	if gone { // the baseline's finding, whose check no longer reports it
		b = append(b, "no longer reported (was "...)
		b = append(b, ch.Status.String()...)
		b = append(b, ')')
	} else {
		b = append(b, ch.Status.String()...)
	}
	if !gone && ch.Was != 0 && ch.Was != ch.Status {
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
	if ch.Class == baseline.ClassNew || (ch.Class == baseline.ClassStill && t.opts.Verbose) {
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
