package debugger

import (
	"cmp"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/org/calyptos"
	"github.com/org/calyptos/executor"
	"github.com/org/calyptos/hostname"
	"github.com/org/calyptos/internal/shellfile"
)

// probeShell is probe.sh, the probe's shell functions; probeScript sends
// its code (probeCode) and appends the per-batch lines.
//
//go:embed probe.sh
var probeShell string

// probeBatch is how many probes a source host runs at once.
const probeBatch = 32

// ProbeTarget is one TCP port a source host must try to reach.
type ProbeTarget struct {
	// Host names the target as the roles do; it is the Probe's To.
	Host string
	// Addr is what is dialled; empty means Host without its SSH port
	// ("192.0.2.10:2222" dials 192.0.2.10), which is what a service
	// listens on. An address longer than 255 bytes is not dialled: its
	// outcome is ProbeError.
	Addr string
	// Port is the TCP port, from 1 to 65535; another is not dialled: its
	// outcome is ProbeError.
	Port int
	// Label names the pair in the reachability matrix (Probe.Label).
	Label string
	// Timeout bounds this probe instead of ProbeTCP's timeout, when set.
	Timeout time.Duration
}

// addr returns what the target dials.
func (t ProbeTarget) addr() string {
	if t.Addr != "" {
		return t.Addr
	}
	return addrOf(t.Host)
}

// ProbeOutcome is the answer of one probe.
type ProbeOutcome struct {
	ProbeTarget
	Result calyptos.ProbeResult
	// Detail is the probe tool's message, or why there is no result.
	Detail string
}

// SourceProbes is what one source host's probe command gave.
type SourceProbes struct {
	// HostResult is the probe command's result. When its Err is set the
	// command did not run (the host was unreachable, or the run ended)
	// and every outcome is ProbeUnknown: report it with c.HostOK.
	calyptos.HostResult
	// Probes holds one outcome per target, in the order given.
	Probes []ProbeOutcome
}

// ProbeTCP tests, from each source host of targets, a TCP connection to
// each of its targets, each attempt bounded by timeout (whole seconds,
// rounded up; a target's own Timeout, when set, replaces it). Each source
// host runs one command: probe.sh and a line per batch of up to probeBatch
// distinct addresses and ports that share a bound. The command is a fact
// (ProbeNeeds declares it), so that it runs inside the host's gathering
// session and costs no session of its own; a probe too long to fit a fact's
// bound under the default command deadline, or whose fact was lost or cut
// at a shorter deadline, runs as a command of its own instead, under the
// deadline it needs. Every outcome is recorded in the run's
// reachability matrix with c.RecordProbe, and returned, sources sorted. It
// reports no finding: the caller decides what each outcome means.
func ProbeTCP(ctx context.Context, c *calyptos.Check, targets map[string][]ProbeTarget, timeout time.Duration) []SourceProbes {
	plans := planProbes(targets, timeout)
	if len(plans) == 0 {
		return nil
	}
	results := gatherProbes(ctx, c, plans)
	sources := make([]string, 0, len(results))
	for s := range results {
		sources = append(sources, s)
	}
	out := make([]SourceProbes, 0, len(sources))
	for _, s := range hostname.Sort(sources) {
		r := results[s]
		sp := SourceProbes{HostResult: r, Probes: outcomes(r, targets[s])}
		for _, p := range sp.Probes {
			c.RecordProbe(calyptos.Probe{From: s, To: p.Host, Port: p.Port, Proto: "tcp", Label: p.Label, Result: p.Result, Detail: p.Detail})
		}
		out = append(out, sp)
	}
	return out
}

// gatherProbes runs every plan, as a fact when it fits a fact's bound,
// on its own otherwise or when the fact was lost or cut (the run's
// command deadline is shorter than the probes need), and returns each
// source's result. Plans run side by side (a few at a time): a debugger
// that did not declare them (ProbeNeeds) gathers them now.
func gatherProbes(ctx context.Context, c *calyptos.Check, plans []*probePlan) map[string]calyptos.HostResult {
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		results = map[string]calyptos.HostResult{}
		slots   = make(chan struct{}, 4)
	)
	keep := func(rs ...calyptos.HostResult) {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range rs {
			results[r.Host] = r
		}
	}
	for _, p := range plans {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			if !p.fitsFact() {
				keep(runProbes(ctx, c, p)...)
				return
			}
			var again []string
			for _, r := range calyptos.Gather(ctx, c, p.fact, p.sources) {
				if errors.Is(r.Err, calyptos.ErrFactTimeout) || errors.Is(r.Err, calyptos.ErrFactLost) {
					again = append(again, r.Host)
					continue
				}
				keep(calyptos.HostResult{Host: r.Host, Output: r.Output, Err: r.Err, Elapsed: r.Elapsed})
			}
			if len(again) > 0 {
				keep(runProbes(ctx, c, &probePlan{script: p.script, bound: p.bound, sources: again})...)
			}
		})
	}
	wg.Wait()
	return results
}

// runProbes runs a plan's script as a command of its own on each of its
// sources, under the deadline the probes need.
func runProbes(ctx context.Context, c *calyptos.Check, p *probePlan) calyptos.Results {
	if need := p.bound + probeMargin; need > c.CommandTimeout(ctx) {
		ctx = calyptos.WithCommandTimeout(ctx, need)
	}
	// Every probe is bounded on the host (the probe program's deadline, or
	// nc -w): the script ends by itself, and needs no remote reaper.
	ctx = executor.WithSelfBounded(ctx, p.bound+5*time.Second)
	return c.RunOnHosts(ctx, p.script, p.sources)
}

// outcomes reads each target's result in r's output.
func outcomes(r calyptos.HostResult, targets []ProbeTarget) []ProbeOutcome {
	out := make([]ProbeOutcome, len(targets))
	if r.Err != nil {
		for i, t := range targets {
			out[i] = ProbeOutcome{ProbeTarget: t, Result: calyptos.ProbeUnknown, Detail: "source host unreachable"}
		}
		return out
	}
	got := probeLines(r.Stdout)
	for i, t := range targets {
		o := ProbeOutcome{ProbeTarget: t, Result: calyptos.ProbeUnknown,
			Detail: fmt.Sprintf("no result from the probe command (exit %d)", r.ExitCode)}
		p, ok := got[net.JoinHostPort(t.addr(), strconv.Itoa(t.Port))]
		switch {
		case !validPort(t.Port):
			o.Result, o.Detail = calyptos.ProbeError, fmt.Sprintf("port %d is not from 1 to 65535", t.Port)
		case len(t.addr()) > maxProbeAddr:
			o.Result, o.Detail = calyptos.ProbeError, fmt.Sprintf("address is longer than %d bytes", maxProbeAddr)
		case !validAddr(t.addr()):
			o.Result, o.Detail = calyptos.ProbeError, "address has a blank, a control character or a slash"
		case ok && p.Code == contradictory:
			o.Result, o.Detail = calyptos.ProbeError, "the source host printed contradictory results for this target"
		case ok:
			o.Result, o.Detail = classifyProbe(p.Code, p.Detail), strings.TrimSpace(p.Detail)
		}
		out[i] = o
	}
	return out
}

// contradictory marks a target the host printed two different lines for:
// the script prints one, so a second is tampering, and neither is believed.
const contradictory = -1

// probeLines keys the host's probe lines by address and port.
func probeLines(stdout string) map[string]probeLine {
	got := map[string]probeLine{}
	for _, p := range parseProbes(stdout) {
		k := net.JoinHostPort(p.Target, strconv.Itoa(p.Port))
		if prev, ok := got[k]; ok && prev != p {
			p.Code = contradictory
		}
		got[k] = p
	}
	return got
}

// validPort reports whether p is a TCP port a probe can dial.
func validPort(p int) bool { return p >= 1 && p <= 65535 }

// maxProbeAddr is the longest address probed: a DNS name's limit, with
// room. It keeps each message bash writes about a target under PIPE_BUF,
// one atomic write that no other job's line splits, and the probe
// program's matching of messages short.
const maxProbeAddr = 255

// validAddr reports whether a is short enough to probe, and has no blank,
// control character or slash: bash's message about it would reach the
// probe program's pipe, and its output, as is, where a newline could forge
// another target's line (and a probe line's fields hold no blank); a slash
// would make its /dev/tcp path name another host, and its message another
// target's ("x/dev/tcp/h" and port 1 reads as h's port 1).
func validAddr(a string) bool {
	return len(a) <= maxProbeAddr && !strings.ContainsFunc(a, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == '/' })
}

// probeScript returns the command that probes targets: probe.sh, then
// probeBatches' lines, then probe_end; and how long it takes at most.
func probeScript(targets []ProbeTarget, timeout time.Duration) (string, time.Duration) {
	batches, bound := probeBatches(targets, timeout)
	return withProbeCode(batches), bound
}

// withProbeCode returns the probe script that runs batches.
func withProbeCode(batches string) string {
	return probeCode() + batches + "probe_end\n"
}

// probeBatches returns one "probe_batch SECONDS ADDRESS PORT ..." line per
// batch of at most probeBatch distinct addresses and ports sharing a
// bound, and how long the batches take at most, one after another.
func probeBatches(targets []ProbeTarget, timeout time.Duration) (string, time.Duration) {
	type addrPort struct {
		addr string
		port int
	}
	seen := make(map[addrPort]bool, len(targets))
	bySecs := map[int][]string{}
	var order []int
	for _, t := range targets {
		k := addrPort{t.addr(), t.Port}
		if seen[k] || !validPort(t.Port) || !validAddr(k.addr) {
			continue
		}
		seen[k] = true
		secs := int(wholeSeconds(cmp.Or(t.Timeout, timeout)) / time.Second)
		if _, ok := bySecs[secs]; !ok {
			order = append(order, secs)
		}
		bySecs[secs] = append(bySecs[secs], calyptos.ShellQuote(k.addr)+" "+strconv.Itoa(k.port))
	}
	var b strings.Builder
	b.Grow(30 * len(targets))
	var bound time.Duration
	for _, secs := range order {
		pairs := bySecs[secs]
		for len(pairs) > 0 {
			n := min(len(pairs), probeBatch)
			b.WriteString("probe_batch " + strconv.Itoa(secs) + " " + strings.Join(pairs[:n], " ") + "\n")
			pairs = pairs[n:]
			bound += time.Duration(secs)*time.Second + 2*time.Second
		}
	}
	return b.String(), bound
}

// probeCode is probe.sh as hosts get it: without its comment and blank
// lines (see shellfile.Code), stripped once.
var probeCode = sync.OnceValue(func() string { return shellfile.Code(probeShell) })

// wholeSeconds rounds d up to whole seconds, at least one: a probe's
// bound on the host.
func wholeSeconds(d time.Duration) time.Duration {
	return max(time.Second, (d+time.Second-1)/time.Second*time.Second)
}

// classifyProbe turns a probe's exit status and message into a result.
func classifyProbe(code int, detail string) calyptos.ProbeResult {
	low := strings.ToLower(detail)
	switch {
	case code == 0:
		return calyptos.ProbeOK
	case code == 127:
		return calyptos.ProbeError
	// 124: the probe program's deadline; 143 and 137: a probe killed by
	// SIGTERM or SIGKILL.
	case code == 124 || code == 137 || code == 143 || strings.Contains(low, "timed out"):
		return calyptos.ProbeTimeout
	case strings.Contains(low, "refused"):
		return calyptos.ProbeRefused
	}
	return calyptos.ProbeError
}
