package checks

import (
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
	return c.OnHost(host).At(a.pos).Key(a.key).Hint(r.failHint)
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

// verdict is the outcome of one assertion on one host, to report.
type verdict struct {
	r             *resource
	a             *assertion
	status        calyptos.Status
	msg, evidence string
}

// judge appends the verdict of every assertion of r from ob.
func judge(out []verdict, r *resource, ob *observed) []verdict {
	for _, a := range r.asserts {
		v := verdict{r: r, a: a, status: calyptos.Fail}
		x, ok := ob.vals.get(a.attr)
		switch {
		case ob.err != nil:
			v.msg, v.evidence = a.head+"cannot check: "+ob.err.Error(), ob.ev()
		case !ok:
			v.msg, v.evidence = a.head+ob.reason(a.attr), ob.ev()
		default:
			pass, msg := a.check(x)
			v.msg = a.head + msg
			switch {
			case pass:
				v.status = calyptos.Pass
			case a.kind == kLines:
				v.evidence = x.(text).s
			default:
				v.evidence = ob.ev()
			}
		}
		out = append(out, v)
	}
	return out
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
		if len(pm) == 1 {
			return true, "the pattern matches" + cut
		}
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

// skipped appends r's assertions as skipped.
func skipped(out []verdict, r *resource) []verdict {
	for _, a := range r.asserts {
		out = append(out, verdict{r: r, a: a, status: calyptos.Skip, msg: a.head + "skipped (skip: true)"})
	}
	return out
}
