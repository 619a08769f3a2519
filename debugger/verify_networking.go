package debugger

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/org/calyptos/executor"

	"github.com/org/calyptos"
)

// Defaults of VerifyNetworking.
const (
	// DefaultProbeTimeout bounds one TCP connection attempt.
	DefaultProbeTimeout = 5 * time.Second
	// DefaultEndUserPort is the port users reach the user-facing services
	// on.
	DefaultEndUserPort = 8773
	// probeBatch is how many probes a host runs at once.
	probeBatch = 32
)

// VerifyNetworking tests that every component can open a TCP connection to
// the components it talks to, from the hosts themselves
// (verify_networking), and that users can reach the user-facing services
// from this machine.
//
// For each source host one command probes all its targets in parallel
// (bash's /dev/tcp under timeout, or nc -z -w where bash or timeout is
// missing), and each probe is parsed into ok, refused, timeout or error:
// where the original failed only on "Connection refused", a timeout or a
// routing error is a failure too. Every probe is recorded with
// Check.RecordProbe, so the report carries the reachability matrix; each
// source host gets one summary finding, plus one failure per failed probe.
//
// The pairs are those of the original:
//
//	target              port  sources
//	each SC             8773  CLCs and SCs
//	each SC             8773  the NCs of its cluster
//	each user-facing    8773  CLCs, SCs and NCs
//	each CLC (database) 8777  user-facing, SCs and walrus
//	each CC             8774  CLCs
//	each NC             8775  the CCs of its cluster
type VerifyNetworking struct {
	// Dialer dials the end-user access check from this machine (default a
	// net.Dialer with ProbeTimeout).
	Dialer calyptos.ContextDialer
	// ProbeTimeout bounds each connection attempt (default
	// DefaultProbeTimeout).
	ProbeTimeout time.Duration
	// EndUserPort is the user-facing port dialled from this machine
	// (default DefaultEndUserPort).
	EndUserPort int
}

// Name returns "verify_networking".
func (*VerifyNetworking) Name() string { return "verify_networking" }

// probeTarget is one port a source host must reach.
type probeTarget struct {
	host  string // as in the environment
	addr  string // what is dialled
	port  int
	label string
}

// networkPairs returns, for each source host, the targets it must reach,
// in the order of the table in VerifyNetworking's documentation, without
// duplicates.
func networkPairs(rb *calyptos.RoleBuilder) map[string][]probeTarget {
	pairs := map[string][]probeTarget{}
	add := func(sources []string, target string, port int, label string) {
		t := probeTarget{host: target, addr: addrOf(target), port: port, label: label}
		for _, s := range sources {
			if !slices.ContainsFunc(pairs[s], func(o probeTarget) bool { return o.addr == t.addr && o.port == t.port }) {
				pairs[s] = append(pairs[s], t)
			}
		}
	}
	clc := rb.Hosts(calyptos.RoleCLC)
	ufs := rb.Hosts(calyptos.RoleUserFacing)
	sc := rb.Hosts(calyptos.RoleStorageController)
	nc := rb.Hosts(calyptos.RoleNodeController)
	for _, t := range sc {
		add(calyptos.SortHosts(slices.Concat(clc, sc)), t, 8773, "Eucalyptus Java Component → SC")
	}
	for _, cl := range rb.Clusters() {
		for _, t := range cl.SC {
			add(cl.Nodes, t, 8773, "Node Controller → SC")
		}
	}
	for _, t := range ufs {
		add(calyptos.SortHosts(slices.Concat(clc, sc, nc)), t, 8773, "Eucalyptus Component → user-facing")
	}
	for _, t := range clc {
		add(union(rb, calyptos.RoleUserFacing, calyptos.RoleStorageController, calyptos.RoleWalrus), t, 8777, "Eucalyptus Java Component → CLC database")
	}
	for _, t := range rb.Hosts(calyptos.RoleClusterController) {
		add(clc, t, 8774, "Cloud Controller → CC")
	}
	for _, cl := range rb.Clusters() {
		for _, t := range cl.Nodes {
			add(cl.CC, t, 8775, "Cluster Controller → NC")
		}
	}
	return pairs
}

// probeScript returns one command that tries a TCP connection to every
// target, probeBatch at a time, printing one "probe ADDR PORT EXIT DETAIL"
// line each (the message's newlines made blanks by the shell, without a
// process). The probes run with LC_ALL=C so that their error messages
// ("Connection refused") are classified whatever the host's language. The
// last probe of each batch runs in the script's own shell: one process
// fewer per batch, on every host.
func probeScript(targets []probeTarget, timeout time.Duration) string {
	t := strconv.Itoa(max(1, int((timeout+time.Second-1)/time.Second)))
	var b strings.Builder
	b.WriteString(`p() { nl='` + "\n" + `'; if command -v timeout >/dev/null 2>&1 && command -v bash >/dev/null 2>&1; then ` +
		`e=$(LC_ALL=C timeout ` + t + ` bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>&1); r=$?; ` +
		`elif command -v nc >/dev/null 2>&1; then e=$(LC_ALL=C nc -z -w ` + t + ` "$1" "$2" 2>&1); r=$?; ` +
		`else e='no probe tool: need bash and timeout, or nc'; r=127; fi; ` +
		`while :; do case $e in *"$nl"*) e="${e%%"$nl"*} ${e#*"$nl"}";; *) break;; esac; done; ` +
		`printf 'probe %s %s %s %s\n' "$1" "$2" "$r" "$e"; }; `)
	for i, tg := range targets {
		b.WriteString("p " + calyptos.ShellQuote(tg.addr) + " " + strconv.Itoa(tg.port))
		switch {
		case i+1 == len(targets):
			b.WriteString("; wait")
		case (i+1)%probeBatch == 0:
			b.WriteString("; wait; ")
		default:
			b.WriteString(" & ")
		}
	}
	return b.String()
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

// Debug implements calyptos.Debugger.
func (d *VerifyNetworking) Debug(ctx context.Context, c *calyptos.Check) {
	rb := c.Roles()
	pairs := networkPairs(rb)
	timeout := withDefault(d.ProbeTimeout, DefaultProbeTimeout)
	sources := make([]string, 0, len(pairs))
	maxTargets := 0
	for s, ts := range pairs {
		sources = append(sources, s)
		maxTargets = max(maxTargets, len(ts))
	}
	sources = calyptos.SortHosts(sources)

	var wg sync.WaitGroup
	var local []localResult
	wg.Go(func() { local = d.endUser(ctx, rb.Hosts(calyptos.RoleUserFacing), timeout) })

	if len(sources) == 0 {
		c.Skipped("no component pairs to probe")
	} else {
		pctx := ctx
		batches := (maxTargets + probeBatch - 1) / probeBatch
		probing := time.Duration(batches) * (timeout + 2*time.Second)
		if need := probing + 10*time.Second; need > c.CommandTimeout(ctx) {
			pctx = calyptos.WithCommandTimeout(ctx, need)
		}
		// Every probe runs under timeout (or nc -w): the script ends by
		// itself, and needs no remote reaper.
		pctx = executor.WithSelfBounded(pctx, probing+5*time.Second)
		rs := c.RunEach(pctx, sources, func(h string) string { return probeScript(pairs[h], timeout) })
		for _, r := range rs {
			d.reportSource(c, r, pairs[r.Host])
		}
	}
	wg.Wait()
	for _, l := range local {
		c.RecordProbe(calyptos.Probe{From: "local", To: l.host, Port: l.port, Proto: "tcp", Label: "end-user access", Result: l.result, Detail: l.detail})
		if l.result == calyptos.ProbeOK {
			c.Key("end-user:"+l.host).Successf("End-user access available on %s port %d", addrOf(l.host), l.port)
		} else {
			c.Key("end-user:"+l.host).Hint("start the user-facing services on the host and open port 8773 in its firewall to the users' networks").Failuref("End-user access to %s port %d from this machine failed: %s (%s)", addrOf(l.host), l.port, l.result, l.detail)
		}
	}
}

func (d *VerifyNetworking) reportSource(c *calyptos.Check, r calyptos.HostResult, targets []probeTarget) {
	if !c.HostOK(r) {
		for _, t := range targets {
			c.RecordProbe(calyptos.Probe{From: r.Host, To: t.host, Port: t.port, Proto: "tcp", Label: t.label,
				Result: calyptos.ProbeUnknown, Detail: "source host unreachable"})
		}
		return
	}
	got := map[string]probeLine{}
	for _, p := range parseProbes(r.Stdout) {
		got[net.JoinHostPort(p.Target, strconv.Itoa(p.Port))] = p
	}
	s := c.OnHost(r.Host)
	var okList []string
	failed := 0
	for _, t := range targets {
		p, ok := got[net.JoinHostPort(t.addr, strconv.Itoa(t.port))]
		res, detail := calyptos.ProbeUnknown, fmt.Sprintf("no result from the probe command (exit %d)", r.ExitCode)
		if ok {
			res, detail = classifyProbe(p.Code, p.Detail), strings.TrimSpace(p.Detail)
		}
		c.RecordProbe(calyptos.Probe{From: r.Host, To: t.host, Port: t.port, Proto: "tcp", Label: t.label, Result: res, Detail: detail})
		if res == calyptos.ProbeOK {
			okList = append(okList, net.JoinHostPort(t.addr, strconv.Itoa(t.port)))
			continue
		}
		failed++
		msg := fmt.Sprintf("%s was not able to connect to %s on TCP port %d: %s", t.label, t.addr, t.port, res)
		s.Key("tcp:"+t.addr+":"+strconv.Itoa(t.port)).Hint("start the component listening on that port and allow the connection in the target's firewall").Report(calyptos.Fail, msg, cmp.Or(detail, evidence(r.Output)))
	}
	switch {
	case failed == 0:
		s.Key("component-ports").Successf("reached all %d component ports: %s", len(targets), strings.Join(okList, " "))
	case len(okList) > 0:
		s.Key("component-ports").Successf("reached %d of %d component ports: %s", len(okList), len(targets), strings.Join(okList, " "))
	}
}

// localResult is one end-user access dial from this machine.
type localResult struct {
	host   string
	port   int
	result calyptos.ProbeResult
	detail string
}

// endUser dials each user-facing host's end-user port from this process.
func (d *VerifyNetworking) endUser(ctx context.Context, ufs []string, timeout time.Duration) []localResult {
	port := withDefault(d.EndUserPort, DefaultEndUserPort)
	var dialer calyptos.ContextDialer = &net.Dialer{Timeout: timeout}
	if d.Dialer != nil {
		dialer = d.Dialer
	}
	out := make([]localResult, len(ufs))
	var wg sync.WaitGroup
	for i, h := range ufs {
		wg.Go(func() {
			out[i] = localResult{host: h, port: port}
			dctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			conn, err := dialer.DialContext(dctx, "tcp", net.JoinHostPort(addrOf(h), strconv.Itoa(port)))
			if err != nil {
				out[i].result, out[i].detail = dialResult(err), err.Error()
				return
			}
			out[i].result, out[i].detail = calyptos.ProbeOK, "connected to "+conn.RemoteAddr().String()
			_ = conn.Close()
		})
	}
	wg.Wait()
	return out
}

// dialResult classifies a local dial error.
func dialResult(err error) calyptos.ProbeResult {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return calyptos.ProbeTimeout
	}
	return classifyProbe(1, err.Error())
}
