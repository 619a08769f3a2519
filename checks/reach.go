package checks

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/debugger"
)

// reachDebugger tests the file's edges from the hosts themselves, with
// debugger.ProbeTCP: one probe command per source host for every edge,
// run in the host's gathering session.
type reachDebugger struct {
	edges []*edge
	addr  func(host string) string // the address to dial, see Addresses
}

// Name returns ReachName.
func (*reachDebugger) Name() string { return ReachName }

// ReadOnly reports true: the debugger only opens TCP connections.
func (*reachDebugger) ReadOnly() bool { return true }

// edgeRun is one edge with its hosts.
type edgeRun struct {
	*edge
	sources, targets []string
	isTarget         map[string]bool
}

// Debug probes every edge and reports, per source host and edge, one
// finding.
func (d *reachDebugger) Debug(ctx context.Context, c *calyptos.Check) {
	var runs []edgeRun
	pairs := map[string][]debugger.ProbeTarget{}
	for _, e := range d.edges {
		er, ok := d.resolve(c, e)
		if !ok {
			continue
		}
		runs = append(runs, er)
		d.addPairs(pairs, e, er.sources, er.targets)
	}
	if len(pairs) == 0 {
		return
	}
	bySource := map[string]debugger.SourceProbes{}
	for _, sp := range debugger.ProbeTCP(ctx, c, pairs, 0) {
		bySource[sp.Host] = sp
	}
	for _, er := range runs {
		for _, s := range er.sources {
			sp := bySource[s]
			if !c.HostOK(sp.HostResult) {
				continue
			}
			reportEdge(c, er, sp)
		}
	}
}

// Needs implements calyptos.FactNeeder: each source host's probes, so
// that they run in its gathering session. The pairs are those Debug
// probes: edges whose roles are unknown or empty have none.
func (d *reachDebugger) Needs(rb *calyptos.RoleBuilder) []calyptos.Need {
	pairs := map[string][]debugger.ProbeTarget{}
	for _, e := range d.edges {
		if e.skip {
			continue
		}
		from, err1 := rb.Lookup(e.from)
		to, err2 := rb.Lookup(e.to)
		if err1 == nil && err2 == nil {
			d.addPairs(pairs, e, from, to)
		}
	}
	return debugger.ProbeNeeds(pairs, 0)
}

// addPairs adds an edge's probes from each of sources to each of targets.
func (d *reachDebugger) addPairs(pairs map[string][]debugger.ProbeTarget, e *edge, sources, targets []string) {
	for _, s := range sources {
		for _, t := range targets {
			pairs[s] = append(pairs[s], debugger.ProbeTarget{Host: t, Addr: d.address(t), Port: e.port, Label: edgeLabel(e), Timeout: e.timeout})
		}
	}
}

// resolve finds an edge's hosts, reporting an unknown or empty role and
// a skipped edge.
func (d *reachDebugger) resolve(c *calyptos.Check, e *edge) (edgeRun, bool) {
	s := c.At(e.pos).Key(e.key())
	if e.skip {
		s.Skipped(edgeLabel(e) + " on TCP " + strconv.Itoa(e.port) + ": skipped (skip: true)")
		return edgeRun{}, false
	}
	from, err1 := c.Roles().Lookup(e.from)
	to, err2 := c.Roles().Lookup(e.to)
	if err := cmpErr(err1, err2); err != nil {
		s.Hint("name a role of the inventory or environment file").Failuref("%v", err)
		return edgeRun{}, false
	}
	if len(from) == 0 || len(to) == 0 {
		s.Skipped(fmt.Sprintf("%s on TCP %d: no hosts (%s: %d, %s: %d)", edgeLabel(e), e.port, e.from, len(from), e.to, len(to)))
		return edgeRun{}, false
	}
	isTarget := make(map[string]bool, len(to))
	for _, t := range to {
		isTarget[t] = true
	}
	return edgeRun{edge: e, sources: from, targets: to, isTarget: isTarget}, true
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// reportEdge reports one source host's probes of one edge: open passes
// when every target connected; closed when every target refused or
// timed out.
func reportEdge(c *calyptos.Check, er edgeRun, sp debugger.SourceProbes) {
	var good, bad []string
	var detail []string
	label := edgeLabel(er.edge)
	for _, p := range sp.Probes {
		if p.Port != er.port || p.Label != label || !er.isTarget[p.Host] {
			continue
		}
		ok := p.Result == calyptos.ProbeOK
		if er.closed {
			ok = p.Result == calyptos.ProbeRefused || p.Result == calyptos.ProbeTimeout
		}
		if ok {
			good = append(good, p.Host)
			continue
		}
		bad = append(bad, fmt.Sprintf("%s: %s", p.Host, p.Result))
		if p.Detail != "" {
			detail = append(detail, p.Host+": "+p.Detail)
		}
	}
	hint := er.hint
	s := c.OnHost(sp.Host).At(er.pos).Key(er.key())
	what := fmt.Sprintf("%s on TCP %d", edgeLabel(er.edge), er.port)
	switch {
	case len(bad) == 0 && er.closed:
		s.Success(fmt.Sprintf("%s: closed, as expected, to %s of %s", what, hostCount(len(good)), er.to))
	case len(bad) == 0:
		s.Success(fmt.Sprintf("%s: reached %s of %s", what, hostCount(len(good)), er.to))
	case er.closed:
		s.Hint(cmpOrStr(hint, "close the port to these sources in the target's firewall (or stop what listens)")).
			Report(calyptos.Fail, fmt.Sprintf("%s: expected closed, but %s", what, strings.Join(bad, ", ")), strings.Join(detail, "\n"))
	default:
		s.Hint(cmpOrStr(hint, "start what listens on the port, and allow the connection in the firewalls between")).
			Report(calyptos.Fail, fmt.Sprintf("%s: cannot reach %s", what, strings.Join(bad, ", ")), strings.Join(detail, "\n"))
	}
}

// hostCount writes "the host" or "all N hosts".
func hostCount(n int) string {
	if n == 1 {
		return "the host"
	}
	return fmt.Sprintf("all %d hosts", n)
}

func cmpOrStr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// address is where a probe of host dials: Addresses' answer, or "" for
// the host's own name.
func (d *reachDebugger) address(host string) string {
	if d.addr == nil {
		return ""
	}
	return d.addr(host)
}
