package checks

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/org/calyptos"
)

// clockReading is one host's clock offset from this machine's clock,
// known to within slack (half the session's round trip).
type clockReading struct {
	host   string
	offset time.Duration
	slack  time.Duration
}

// checkClocks compares each host's clock with the median of the role's,
// as debug_compute_req does: each reading is placed in the middle of the
// gathering session's window, and a host fails only when it is further
// from the median than max-skew plus both readings' slack.
func checkClocks(c *calyptos.Check, hosts []string, r *resource, g *gathered) {
	a := r.asserts[0]
	var rs []clockReading
	for i, h := range hosts {
		if downErr(g.errs[i]) != nil {
			continue
		}
		cr := g.clock[i]
		if cr.Err != nil || cr.Sent.IsZero() {
			scope(c, h, r, a).Report(calyptos.Fail, subject(r)+": max-skew: cannot read the clock", evidenceOf(cr.Output))
			continue
		}
		mid := cr.Sent.Add(cr.Elapsed / 2)
		rs = append(rs, clockReading{host: h, offset: cr.Value.Sub(mid), slack: cr.Elapsed / 2})
	}
	if len(rs) == 0 {
		return
	}
	sorted := slices.Clone(rs)
	slices.SortStableFunc(sorted, func(x, y clockReading) int { return cmp.Compare(x.offset, y.offset) })
	median := sorted[len(sorted)/2]
	if n := len(sorted); n%2 == 0 && sorted[n/2-1].offset.Abs() < median.offset.Abs() {
		median = sorted[n/2-1]
	}
	for _, rd := range rs {
		dev := rd.offset - median.offset
		s := scope(c, rd.host, r, a)
		msg := fmt.Sprintf("%s: max-skew: %s from the median of the role's %d clocks (at most %s, readings accurate to ±%s)",
			subject(r), secs(dev.Abs()), len(rs), a.dur, secs(rd.slack+median.slack))
		if dev.Abs()-rd.slack-median.slack > a.dur {
			dir := "ahead"
			if dev < 0 {
				dir = "behind"
			}
			s.Report(calyptos.Fail, msg+": "+dir, fmt.Sprintf("offset from this machine's clock: %s; the median's: %s", rd.offset.Round(time.Millisecond), median.offset.Round(time.Millisecond)))
			continue
		}
		s.Success(msg)
	}
}

// secs writes a duration in seconds with one decimal.
func secs(d time.Duration) string {
	return fmt.Sprintf("%.1fs", math.Round(d.Seconds()*10)/10)
}
