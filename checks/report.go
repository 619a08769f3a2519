package checks

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/facts"
	"github.com/org/calyptos/internal/textparse"
)

// This file reports assertions: one finding per host and assertion,
// with the key <resource>:<key>:<attribute> and the assertion's place in
// the file.

// scope returns the Scope of assertion a of r on host.
func scope(c *calyptos.Check, host string, r *resource, a *assertion) calyptos.Scope {
	hint := cmp.Or(r.hint, strings.ReplaceAll(r.typ.hint, "NAME", r.target))
	return c.OnHost(host).At(a.pos).Key(r.id + ":" + a.attr).Hint(hint)
}

// subject names r in a message: its title, or its type and name.
func subject(r *resource) string {
	if r.title != "" {
		return r.title
	}
	if r.typ.singleton {
		return r.typ.name
	}
	return r.typ.name + " " + r.target
}

// reportResource reports every assertion of r on host from ob.
func reportResource(c *calyptos.Check, host string, r *resource, ob *observed) {
	for _, a := range r.asserts {
		s := scope(c, host, r, a)
		head := subject(r) + ": " + a.attr + ": "
		if ob.err != nil {
			s.Report(calyptos.Fail, head+"cannot check: "+ob.err.Error(), ob.evidence)
			continue
		}
		v, ok := ob.vals[a.attr]
		if !ok {
			s.Report(calyptos.Fail, head+ob.reason(a.attr), ob.evidence)
			continue
		}
		pass, msg := a.check(v)
		if pass {
			s.Success(head + msg)
			continue
		}
		ev := ob.evidence
		if t, ok := v.(text); ok && a.kind == kLines {
			ev = t.s
		}
		s.Report(calyptos.Fail, head+msg, ev)
	}
}

// check compares a host's value with the assertion: whether it passes,
// and the message's text after "<subject>: <attribute>: ".
func (a *assertion) check(v any) (bool, string) {
	switch a.kind {
	case kMinSize:
		n, _ := v.(int64)
		return n >= a.size, fmt.Sprintf("%s (at least %s)", sizeString(n), sizeString(a.size))
	case kMinFree:
		d, _ := v.(facts.DF)
		free := d.AvailKiB << 10
		if a.isPct {
			pct := 0.0
			if d.UsedKiB+d.AvailKiB > 0 {
				pct = float64(d.AvailKiB) * 100 / float64(d.UsedKiB+d.AvailKiB)
			}
			return pct >= a.pct, fmt.Sprintf("%.1f%% free, %s, on %s (at least %s%%)", pct, sizeString(free), d.Mount, fmtNum(a.pct))
		}
		return free >= a.size, fmt.Sprintf("%s free on %s (at least %s)", sizeString(free), d.Mount, sizeString(a.size))
	case kMaxPct:
		d, _ := v.(facts.DF)
		pct, _ := usePercent(d)
		return pct <= a.pct, fmt.Sprintf("%s%% used on %s (at most %s%%)", fmtNum(pct), d.Mount, fmtNum(a.pct))
	}
	if pm, ok := a.m.(patternsM); ok {
		return patternsCheck(pm, v)
	}
	if a.m.match(v) {
		return true, show(v)
	}
	return false, "expected " + a.m.String() + ", got " + show(v)
}

// patternsCheck says which patterns a text fails.
func patternsCheck(pm patternsM, v any) (bool, string) {
	_, failing := pm.failing(v)
	t, _ := v.(text)
	cut := ""
	if t.truncated {
		cut = fmt.Sprintf(" (only its first %d bytes were read)", len(t.s))
	}
	if len(failing) == 0 {
		return true, fmt.Sprintf("all %d patterns match%s", len(pm), cut)
	}
	for i, f := range failing {
		if strings.HasPrefix(f, "!") {
			failing[i] = strconv.Quote(f) + " (a line has it)"
		} else {
			failing[i] = strconv.Quote(f) + " (no line has it)"
		}
	}
	return false, "not matched: " + strings.Join(failing, ", ") + cut
}

// show writes a host's value for a message.
func show(v any) string {
	switch x := v.(type) {
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case string:
		return strconv.Quote(textparse.FirstLine(x))
	case []string:
		if len(x) > 20 {
			return "[" + strings.Join(x[:20], ", ") + ", ...]"
		}
		return "[" + strings.Join(x, ", ") + "]"
	case text:
		n := strings.Count(strings.TrimRight(x.s, "\n"), "\n") + 1
		if x.s == "" {
			return "empty output"
		}
		return fmt.Sprintf("%q (%d lines)", textparse.FirstLine(x.s), n)
	}
	return fmt.Sprint(v)
}

// fmtNum writes a number without trailing zeros.
func fmtNum(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// reportSkipped reports every assertion of r as skipped on host.
func reportSkipped(c *calyptos.Check, host string, r *resource) {
	for _, a := range r.asserts {
		scope(c, host, r, a).Skipped(subject(r) + ": " + a.attr + ": skipped (skip: true)")
	}
}
