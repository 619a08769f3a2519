package debugger

import (
	"cmp"
	"context"
	_ "embed"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/executor"
)

// probeShell is the probe's shell function; probeScript appends the
// per-target lines.
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
	// listens on.
	Addr string
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
// rounded up). Each source host runs one command (probe.sh and one line
// per distinct address and port), probeBatch probes at a time, under the
// command deadline it needs (a target's own Timeout, when set, replaces
// timeout for it); every outcome is recorded in the run's
// reachability matrix with c.RecordProbe, and returned, sources sorted.
// It reports no finding: the caller decides what each outcome means.
func ProbeTCP(ctx context.Context, c *calyptos.Check, targets map[string][]ProbeTarget, timeout time.Duration) []SourceProbes {
	if timeout <= 0 {
		timeout = DefaultProbeTimeout
	}
	sources := make([]string, 0, len(targets))
	maxTargets, longest := 0, timeout
	for s, ts := range targets {
		sources = append(sources, s)
		maxTargets = max(maxTargets, len(ts))
		for _, t := range ts {
			longest = max(longest, t.Timeout)
		}
	}
	sources = calyptos.SortHosts(sources)
	if len(sources) == 0 {
		return nil
	}
	batches := (maxTargets + probeBatch - 1) / probeBatch
	probing := time.Duration(batches) * (wholeSeconds(longest) + 2*time.Second)
	if need := probing + 10*time.Second; need > c.CommandTimeout(ctx) {
		ctx = calyptos.WithCommandTimeout(ctx, need)
	}
	// Every probe runs under timeout (or nc -w): the script ends by
	// itself, and needs no remote reaper.
	ctx = executor.WithSelfBounded(ctx, probing+5*time.Second)
	rs := c.RunEach(ctx, sources, func(h string) string { return probeScript(targets[h], timeout) })
	out := make([]SourceProbes, len(rs))
	for i, r := range rs {
		out[i] = SourceProbes{HostResult: r, Probes: outcomes(r, targets[r.Host])}
		for _, p := range out[i].Probes {
			c.RecordProbe(calyptos.Probe{From: r.Host, To: p.Host, Port: p.Port, Proto: "tcp", Label: p.Label, Result: p.Result, Detail: p.Detail})
		}
	}
	return out
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
	got := map[string]probeLine{}
	for _, p := range parseProbes(r.Stdout) {
		got[net.JoinHostPort(p.Target, strconv.Itoa(p.Port))] = p
	}
	for i, t := range targets {
		o := ProbeOutcome{ProbeTarget: t, Result: calyptos.ProbeUnknown,
			Detail: fmt.Sprintf("no result from the probe command (exit %d)", r.ExitCode)}
		if p, ok := got[net.JoinHostPort(t.addr(), strconv.Itoa(t.Port))]; ok {
			o.Result, o.Detail = classifyProbe(p.Code, p.Detail), strings.TrimSpace(p.Detail)
		}
		out[i] = o
	}
	return out
}

// probeScript returns the command that probes targets: probe.sh, then one
// "probe_tcp ADDRESS PORT SECONDS" line per distinct address and port,
// probeBatch in the background at a time. The last probe of each batch
// runs in the script's own shell, one process fewer per batch, and then
// the batch is waited for.
func probeScript(targets []ProbeTarget, timeout time.Duration) string {
	type addrPort struct {
		addr string
		port int
	}
	seen := make(map[addrPort]bool, len(targets))
	lines := make([]string, 0, len(targets))
	for _, t := range targets {
		k := addrPort{t.addr(), t.Port}
		if !seen[k] {
			seen[k] = true
			secs := wholeSeconds(cmp.Or(t.Timeout, timeout)) / time.Second
			lines = append(lines, "probe_tcp "+calyptos.ShellQuote(k.addr)+" "+strconv.Itoa(k.port)+" "+strconv.Itoa(int(secs)))
		}
	}
	var b strings.Builder
	b.Grow(len(probeShell) + 40*len(lines))
	b.WriteString(probeShell)
	for i, l := range lines {
		b.WriteString(l)
		if i+1 == len(lines) || (i+1)%probeBatch == 0 {
			b.WriteString("\nwait\n")
		} else {
			b.WriteString(" &\n")
		}
	}
	return b.String()
}

// wholeSeconds rounds d up to whole seconds, at least one: what a probe's
// timeout tool is given.
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
	// 124: coreutils' timeout; 143 and 137: the probe killed by SIGTERM
	// (busybox's timeout) or SIGKILL.
	case code == 124 || code == 137 || code == 143 || strings.Contains(low, "timed out"):
		return calyptos.ProbeTimeout
	case strings.Contains(low, "refused"):
		return calyptos.ProbeRefused
	}
	return calyptos.ProbeError
}
