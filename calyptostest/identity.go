package calyptostest

import (
	"testing"

	"github.com/org/calyptos"
)

// IDs returns "<id> <host>" (or the ID alone for a deployment-wide
// finding) for every finding of rep but Info ones, in run order: the
// identities a baseline compares, for asserting that a check's IDs stay
// the same whatever it measured.
func IDs(rep *calyptos.Report) []string {
	var out []string
	for _, f := range rep.Findings() {
		if f.Status == calyptos.Info {
			continue
		}
		s := f.ID
		if f.Host != "" {
			s += " " + f.Host
		}
		out = append(out, s)
	}
	return out
}

// RequireHints reports (and fails the test when it is not so) whether
// every failure and warning of rep has an ID and a hint, as the built-in
// checks promise.
func RequireHints(t testing.TB, rep *calyptos.Report) bool {
	t.Helper()
	ok := true
	for _, f := range rep.Findings() {
		if f.Status != calyptos.Fail && f.Status != calyptos.Warn {
			continue
		}
		if f.ID == "" || f.Hint == "" {
			t.Errorf("%s %s has no hint (id %q): %s", f.Status, f.Check, f.ID, f.Message)
			ok = false
		}
	}
	return ok
}

// HintReporter returns a Reporter that fails the test on every failure or
// warning without a hint as it is reported, then passes the event on to
// next (which may be nil).
func HintReporter(t testing.TB, next calyptos.Reporter) calyptos.Reporter {
	return &hintReporter{t: t, next: next}
}

type hintReporter struct {
	t    testing.TB
	next calyptos.Reporter
}

func (h *hintReporter) CheckStarted(name string) {
	if h.next != nil {
		h.next.CheckStarted(name)
	}
}

func (h *hintReporter) Finding(f calyptos.Finding) {
	if (f.Status == calyptos.Fail || f.Status == calyptos.Warn) && f.Hint == "" {
		h.t.Errorf("%s %s has no hint (id %q): %s", f.Status, f.Check, f.ID, f.Message)
	}
	if h.next != nil {
		h.next.Finding(f)
	}
}

func (h *hintReporter) CheckFinished(r *calyptos.CheckResult) {
	if h.next != nil {
		h.next.CheckFinished(r)
	}
}
