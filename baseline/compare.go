package baseline

import (
	"errors"
	"fmt"
	"github.com/org/calyptos"
	"iter"
	"sync"
	"time"
)

// ErrIncomparable is returned by Compare for reports that cannot be
// compared: of different kinds or deployments, or without finding IDs.
var ErrIncomparable = errors.New("reports cannot be compared")

// Class says how a finding changed from a baseline report to a new one.
type Class string

// The classes of Compare. Only New counts against a run with a baseline.
const (
	// ClassNew is a failure or warning that the baseline did not have, or
	// a warning that became a failure.
	ClassNew Class = "new"
	// ClassStill is a failure or warning the baseline had too.
	ClassStill Class = "still"
	// ClassFixed is a failure or warning of the baseline that now passes
	// (or is skipped), or is no longer reported by a check that ran.
	ClassFixed Class = "fixed"
	// ClassUnchanged is a finding that passes (or is skipped) now and was
	// no failure or warning in the baseline.
	ClassUnchanged Class = "unchanged"
)

// Label returns the class as text output shows it: NEW, STILL FAILING,
// FIXED or UNCHANGED.
func (c Class) Label() string {
	switch c {
	case ClassNew:
		return "NEW"
	case ClassStill:
		return "STILL FAILING"
	case ClassFixed:
		return "FIXED"
	case ClassUnchanged:
		return "UNCHANGED"
	}
	return string(c)
}

// Verdict is what a Baseline says of one finding.
type Verdict struct {
	Class Class `json:"class"`
	// Was is the finding's status in the baseline (0 when it had none).
	Was calyptos.Status `json:"was,omitempty"`
	// Waiver is the waiver that matches the finding, if any; it accepts
	// the finding only while it has not expired.
	Waiver *Waiver `json:"waiver,omitempty"`
	// Expired is set when Waiver has expired: the finding is not accepted.
	Expired bool `json:"waiver_expired,omitempty"`
}

// Accepted reports whether a live waiver accepts the finding.
func (v Verdict) Accepted() bool { return v.Waiver != nil && !v.Expired }

// Change is one finding of a comparison with its verdict: a finding of the
// new report, or for a fix by absence the baseline's finding.
type Change struct {
	calyptos.Finding
	Verdict
}

// Regression reports whether the change fails a run with a baseline: a
// new failure (or, with strict, a new warning) that no live waiver
// accepts, or any failure or warning whose waiver has expired.
func (ch Change) Regression(strict bool) bool {
	bad := ch.Status == calyptos.Fail || (strict && ch.Status == calyptos.Warn)
	if !bad || ch.Class == ClassFixed {
		return false
	}
	if ch.Expired {
		return true
	}
	return ch.Class == ClassNew && !ch.Accepted()
}

// DiffCounts tallies the changes of a Diff by class; Waived counts the
// failures and warnings a live waiver accepts, Expired those whose waiver
// has expired.
type DiffCounts struct {
	New       int `json:"new"`
	Still     int `json:"still"`
	Fixed     int `json:"fixed"`
	Unchanged int `json:"unchanged"`
	Waived    int `json:"waived"`
	Expired   int `json:"expired"`
}

// Diff is the comparison of a report with a baseline.
type Diff struct {
	Kind        calyptos.Kind `json:"kind"`
	Environment string        `json:"environment,omitempty"`
	// Changes lists every finding of the new report but its Info ones, in
	// run order, then the baseline's failures and warnings that the new
	// report no longer has (ClassFixed), in the baseline's order.
	// Findings of checks that the new report did not run are left out.
	Changes []Change   `json:"changes"`
	Counts  DiffCounts `json:"counts"`
}

// Regressions returns the changes that fail the run (see
// Change.Regression).
func (d *Diff) Regressions(strict bool) []Change {
	var out []Change
	for _, ch := range d.Changes {
		if ch.Regression(strict) {
			out = append(out, ch)
		}
	}
	return out
}

// Failed reports whether the diff has a regression.
func (d *Diff) Failed(strict bool) bool { return len(d.Regressions(strict)) > 0 }

// Baseline classifies the findings of a run against an earlier report and
// a list of waivers. Both may be empty: without a report every failure
// and warning is new, so a run fails as it would without a baseline, less
// what the waivers accept. Its methods are safe for concurrent use once
// it is built; do not change its fields afterwards.
type Baseline struct {
	// Report is the earlier run, or nil.
	Report *calyptos.Report
	// Waivers accept known failures until they expire.
	Waivers []Waiver
	// Now is the time waivers expire against; zero means time.Now().
	Now time.Time

	once  sync.Once
	index map[identity]calyptos.Status // the worst status of each identity in Report
}

// identity is what names a finding across runs.
type identity struct{ id, host string }

func severity(s calyptos.Status) int {
	switch s {
	case calyptos.Fail:
		return 2
	case calyptos.Warn:
		return 1
	}
	return 0
}

func (b *Baseline) build() {
	b.once.Do(func() {
		b.index = map[identity]calyptos.Status{}
		if b.Report == nil {
			return
		}
		for f := range findings(b.Report) {
			if f.Status == calyptos.Info {
				continue
			}
			k := identity{f.ID, f.Host}
			if old, ok := b.index[k]; !ok || severity(f.Status) > severity(old) {
				b.index[k] = f.Status
			}
		}
	})
}

// Classify returns the verdict on f, a finding of a run compared with the
// baseline. It may be called while the run streams its findings. An Info
// finding is always ClassUnchanged.
func (b *Baseline) Classify(f calyptos.Finding) Verdict {
	b.build()
	var v Verdict
	was, seen := b.index[identity{f.ID, f.Host}]
	if seen {
		v.Was = was
	}
	now, before := severity(f.Status), severity(was)
	switch {
	case f.Status == calyptos.Info:
		v.Class = ClassUnchanged
	case now > 0 && now > before:
		v.Class = ClassNew
	case now > 0:
		v.Class = ClassStill
	case before > 0:
		v.Class = ClassFixed
	default:
		v.Class = ClassUnchanged
	}
	if now > 0 {
		b.waive(&v, f)
	}
	return v
}

func (b *Baseline) waive(v *Verdict, f calyptos.Finding) {
	now := b.Now
	if now.IsZero() {
		now = time.Now()
	}
	// A live waiver beats an expired one that also matches.
	for i := range b.Waivers {
		w := &b.Waivers[i]
		if !w.Matches(f) {
			continue
		}
		expired := w.Expired(now)
		if v.Waiver == nil || (v.Expired && !expired) {
			v.Waiver, v.Expired = w, expired
		}
	}
}

// Compare compares rep with the baseline; see Diff. It returns an error
// wrapping ErrIncomparable for reports of different kinds or deployments,
// or with a failure or warning that has no ID (a report older than
// finding IDs).
func (b *Baseline) Compare(rep *calyptos.Report) (*Diff, error) {
	if rep == nil {
		return nil, fmt.Errorf("%w: no report", ErrIncomparable)
	}
	if err := comparable(b.Report, rep); err != nil {
		return nil, err
	}
	b.build()
	n := 0
	for _, c := range rep.Checks {
		if c != nil {
			n += len(c.Findings)
		}
	}
	d := &Diff{Kind: rep.Kind, Environment: rep.Environment, Changes: make([]Change, 0, n)}
	seen := make(map[identity]bool, n)
	ran := map[string]bool{}
	for _, c := range rep.Checks {
		if c != nil {
			ran[c.Name] = true
		}
	}
	for f := range findings(rep) {
		if f.Status == calyptos.Info {
			continue
		}
		seen[identity{f.ID, f.Host}] = true
		d.add(Change{Finding: *f, Verdict: b.Classify(*f)})
	}
	if b.Report == nil {
		return d, nil
	}
	for f := range findings(b.Report) {
		k := identity{f.ID, f.Host}
		if severity(f.Status) == 0 || seen[k] || !ran[f.Check] {
			continue
		}
		seen[k] = true
		d.add(Change{Finding: *f, Verdict: Verdict{Class: ClassFixed, Was: b.index[k]}})
	}
	return d, nil
}

func (d *Diff) add(ch Change) {
	d.Changes = append(d.Changes, ch)
	switch ch.Class {
	case ClassNew:
		d.Counts.New++
	case ClassStill:
		d.Counts.Still++
	case ClassFixed:
		d.Counts.Fixed++
	case ClassUnchanged:
		d.Counts.Unchanged++
	}
	switch {
	case ch.Class == ClassFixed:
	case ch.Accepted():
		d.Counts.Waived++
	case ch.Expired:
		d.Counts.Expired++
	}
}

// Compare classifies the findings of new against old (see Baseline and
// Diff), for tools that compare two saved reports.
func Compare(old, new *calyptos.Report) (*Diff, error) {
	if old == nil {
		return nil, fmt.Errorf("%w: no baseline report", ErrIncomparable)
	}
	return (&Baseline{Report: old}).Compare(new)
}

// comparable returns why old and rep cannot be compared, or nil.
func comparable(old, rep *calyptos.Report) error {
	if err := hasIDs(rep, "the new report"); err != nil {
		return err
	}
	if old == nil {
		return nil
	}
	if err := hasIDs(old, "the baseline"); err != nil {
		return err
	}
	if old.Kind != rep.Kind {
		return fmt.Errorf("%w: the baseline is a %s report and the new one a %s report", ErrIncomparable, old.Kind, rep.Kind)
	}
	if old.Environment != rep.Environment {
		return fmt.Errorf("%w: the baseline is of environment %q and the new report of %q", ErrIncomparable, old.Environment, rep.Environment)
	}
	return nil
}

// findings yields every finding of rep in run order without copying them.
func findings(rep *calyptos.Report) iter.Seq[*calyptos.Finding] {
	return func(yield func(*calyptos.Finding) bool) {
		for _, c := range rep.Checks {
			if c == nil {
				continue
			}
			for i := range c.Findings {
				if !yield(&c.Findings[i]) {
					return
				}
			}
		}
	}
}

func hasIDs(rep *calyptos.Report, what string) error {
	for f := range findings(rep) {
		if f.ID == "" && f.Status != calyptos.Info {
			return fmt.Errorf("%w: %s has a finding without an ID (check %q: %q); it predates finding IDs: make it again with this version", ErrIncomparable, what, f.Check, f.Message)
		}
	}
	return nil
}

// UnusedWaivers returns the waivers of b that match no failure or warning
// of rep, in file order: a misspelt or stale waiver hides nothing, and a
// caller should say so (the CLI warns, and fails the run under --strict).
func (b *Baseline) UnusedWaivers(rep *calyptos.Report) []Waiver {
	used := make([]bool, len(b.Waivers))
	if rep != nil {
		for f := range findings(rep) {
			if severity(f.Status) == 0 {
				continue
			}
			for i := range b.Waivers {
				if !used[i] && b.Waivers[i].Matches(*f) {
					used[i] = true
				}
			}
		}
	}
	var out []Waiver
	for i, w := range b.Waivers {
		if !used[i] {
			out = append(out, w)
		}
	}
	return out
}

// ExpiredWaivers returns the waivers of b that have expired, in file
// order, for a caller to name them: an expired waiver accepts nothing.
func (b *Baseline) ExpiredWaivers() []Waiver {
	now := b.Now
	if now.IsZero() {
		now = time.Now()
	}
	var out []Waiver
	for _, w := range b.Waivers {
		if w.Expired(now) {
			out = append(out, w)
		}
	}
	return out
}
