package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/org/calyptos/baseline"

	"github.com/org/calyptos"
)

// ErrNotReport is returned by ReadBaseline for a file that is not a JSON
// report of this package.
var ErrNotReport = errors.New("not a calyptos JSON report")

// maxBaseline bounds the size of a baseline report read into memory.
const maxBaseline = 512 << 20

// ReadBaseline reads a report written by WriteJSON for use as a baseline
// (baseline.Baseline, baseline.Compare). name names it in errors, which
// say what is wrong and nothing else: an empty, truncated or non-JSON file
// and JSON that is not a report wrap ErrNotReport; a report of a newer
// schema, or of schema 1 (which has no finding IDs), wraps
// ErrSchemaVersion.
func ReadBaseline(r io.Reader, name string) (*calyptos.Report, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxBaseline+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > maxBaseline {
		return nil, fmt.Errorf("%s: %w: larger than %d MiB", name, ErrNotReport, maxBaseline>>20)
	}
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		return nil, fmt.Errorf("%s: %w: the file is empty", name, ErrNotReport)
	case trimmed[0] != '{':
		return nil, fmt.Errorf("%s: %w: it is not JSON (write one with -o json)", name, ErrNotReport)
	}
	var head struct {
		SchemaVersion *int            `json:"schema_version"`
		Kind          *string         `json:"kind"`
		Checks        json.RawMessage `json:"checks"`
	}
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&head); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%s: %w: the file is truncated (the JSON ends early)", name, ErrNotReport)
		}
		return nil, fmt.Errorf("%s: %w: %w", name, ErrNotReport, err)
	}
	if head.Kind == nil || head.Checks == nil {
		return nil, fmt.Errorf("%s: %w: JSON without kind and checks", name, ErrNotReport)
	}
	switch v := head.SchemaVersion; {
	case v == nil:
		return nil, fmt.Errorf("%s: %w: no schema_version (write the baseline with -o json)", name, ErrNotReport)
	case *v > SchemaVersion:
		return nil, fmt.Errorf("%s: %w %d: written by a newer calyptos (this one reads up to %d)", name, ErrSchemaVersion, *v, SchemaVersion)
	case *v < 2:
		return nil, fmt.Errorf("%s: %w %d: it has no finding IDs, so it cannot be a baseline: make it again with this version", name, ErrSchemaVersion, *v)
	}
	rep, err := ReadJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return rep, nil
}

// verdict is what text output appends to a finding's message with
// Options.Baseline: " [NEW]", " [STILL FAILING]", " [FIXED]", and the
// waiver that accepts it, " [WAIVED until 2027-01-31: reason]", or that
// has expired, " [WAIVER EXPIRED 2027-01-31: reason]". Unchanged findings
// and Info ones get nothing, nor do classes without a baseline report.
func (t *TextReporter) verdict(f calyptos.Finding) string {
	b := t.opts.Baseline
	if b == nil || f.Status == calyptos.Info {
		return ""
	}
	v := b.Classify(f)
	var parts []string
	if b.Report != nil && v.Class != baseline.ClassUnchanged {
		parts = append(parts, v.Class.Label())
	}
	if w := v.Waiver; w != nil {
		if v.Expired {
			parts = append(parts, "WAIVER EXPIRED "+w.Day()+": "+w.Reason)
		} else {
			parts = append(parts, "WAIVED until "+w.Day()+": "+w.Reason)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " [" + strings.Join(parts, ", ") + "]"
}

// appendHint appends a failure's or warning's hint and reference under
// the message column.
func appendHint(b []byte, f calyptos.Finding) []byte { return appendHintAt(b, f, messageColumn) }

// appendHintAt appends a failure's or warning's hint and reference,
// indented by col spaces.
func appendHintAt(b []byte, f calyptos.Finding, col int) []byte {
	if f.Status != calyptos.Fail && f.Status != calyptos.Warn {
		return b
	}
	for _, l := range [...]struct{ label, text string }{{"hint: ", f.Hint}, {"see: ", f.Ref}} {
		if l.text == "" {
			continue
		}
		start := len(b)
		b = appendSpaces(b, col)
		b = append(b, l.label...)
		b = appendTerminal(b, strings.Join(strings.Fields(l.text), " "))
		b = trimSpaces(b, start)
		b = append(b, '\n')
	}
	return b
}

// appendDiffSummary appends, with Options.Baseline, the count of each
// class, the new failures and warnings, the baseline's failures no longer
// reported, and every expired waiver.
func (t *TextReporter) appendDiffSummary(b []byte, rep *calyptos.Report) []byte {
	bl := t.opts.Baseline
	if bl == nil {
		return b
	}
	d, err := bl.Compare(rep)
	if err != nil {
		return t.appendColored(b, colorRed, "Baseline: "+err.Error())
	}
	c := d.Counts
	if bl.Report != nil {
		b = t.appendColored(b, colorYellow, fmt.Sprintf("Compared with the baseline: new %d, still failing %d, fixed %d, unchanged %d", c.New, c.Still, c.Fixed, c.Unchanged))
	}
	if len(bl.Waivers) > 0 {
		b = t.appendColored(b, colorYellow, "Waived: "+strconv.Itoa(c.Waived))
	}
	// The new ones again, which streamed among the rest, then the
	// failures whose checks no longer report them: fixed on their own IDs.
	for _, class := range []baseline.Class{baseline.ClassNew, baseline.ClassFixed} {
		for _, ch := range d.Changes {
			if ch.Class == class && (ch.Status == calyptos.Fail || ch.Status == calyptos.Warn) {
				b = t.appendChange(b, ch, t.opts.Strict)
			}
		}
	}
	for _, w := range bl.ExpiredWaivers() {
		what := w.ID
		if w.Hosts != "" {
			what += " on " + w.Hosts
		}
		b = t.appendColored(b, colorRed, fmt.Sprintf("%s: waiver for %s EXPIRED after %s (%s): renew or remove it; it accepts nothing now", w.Pos, what, w.Day(), w.Reason))
	}
	return b
}
