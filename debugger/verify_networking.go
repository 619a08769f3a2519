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

	"github.com/org/calyptos"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/hostname"
)

// Defaults of VerifyNetworking.
const (
	// DefaultProbeTimeout bounds one TCP connection attempt.
	DefaultProbeTimeout = 5 * time.Second
	// DefaultEndUserPort is the port users reach the user-facing services
	// on.
	DefaultEndUserPort = 8773
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
	// DialContext dials the end-user access check from this machine
	// (default a net.Dialer's, with ProbeTimeout), as in http.Transport.
	DialContext func(ctx context.Context, network, address string) (net.Conn, error)
	// ProbeTimeout bounds each connection attempt (default
	// DefaultProbeTimeout).
	ProbeTimeout time.Duration
	// EndUserPort is the user-facing port dialled from this machine
	// (default DefaultEndUserPort).
	EndUserPort int
}

// Name returns "verify_networking".
func (*VerifyNetworking) Name() string { return "verify_networking" }

// networkPairs returns, for each source host, the targets it must reach,
// in the order of the table in VerifyNetworking's documentation, without
// duplicates.
func networkPairs(rb *calyptos.RoleBuilder) map[string][]ProbeTarget {
	pairs := map[string][]ProbeTarget{}
	add := func(sources []string, target string, port int, label string) {
		t := ProbeTarget{Host: target, Addr: addrOf(target), Port: port, Label: label}
		for _, s := range sources {
			if !slices.ContainsFunc(pairs[s], func(o ProbeTarget) bool { return o.Addr == t.Addr && o.Port == t.Port }) {
				pairs[s] = append(pairs[s], t)
			}
		}
	}
	clc := rb.Hosts(eucalyptus.RoleCLC)
	ufs := rb.Hosts(eucalyptus.RoleUserFacing)
	sc := rb.Hosts(eucalyptus.RoleStorageController)
	nc := rb.Hosts(eucalyptus.RoleNodeController)
	for _, t := range sc {
		add(hostname.Sort(slices.Concat(clc, sc)), t, 8773, "Eucalyptus Java Component → SC")
	}
	for _, cl := range eucalyptus.Clusters(rb) {
		for _, t := range cl.SC {
			add(cl.Nodes, t, 8773, "Node Controller → SC")
		}
	}
	for _, t := range ufs {
		add(hostname.Sort(slices.Concat(clc, sc, nc)), t, 8773, "Eucalyptus Component → user-facing")
	}
	for _, t := range clc {
		add(union(rb, eucalyptus.RoleUserFacing, eucalyptus.RoleStorageController, eucalyptus.RoleWalrus), t, 8777, "Eucalyptus Java Component → CLC database")
	}
	for _, t := range rb.Hosts(eucalyptus.RoleClusterController) {
		add(clc, t, 8774, "Cloud Controller → CC")
	}
	for _, cl := range eucalyptus.Clusters(rb) {
		for _, t := range cl.Nodes {
			add(cl.CC, t, 8775, "Cluster Controller → NC")
		}
	}
	return pairs
}

// Needs implements calyptos.FactNeeder: each source host's probes, so
// that they run in its gathering session.
func (d *VerifyNetworking) Needs(rb *calyptos.RoleBuilder) []calyptos.Need {
	return ProbeNeeds(networkPairs(rb), withDefault(d.ProbeTimeout, DefaultProbeTimeout))
}

// Debug implements calyptos.Debugger.
func (d *VerifyNetworking) Debug(ctx context.Context, c *calyptos.Check) {
	rb := c.Roles()
	pairs := networkPairs(rb)
	timeout := withDefault(d.ProbeTimeout, DefaultProbeTimeout)

	var wg sync.WaitGroup
	var local []localResult
	wg.Go(func() { local = d.endUser(ctx, rb.Hosts(eucalyptus.RoleUserFacing), timeout) })

	if len(pairs) == 0 {
		c.Skipped("no component pairs to probe")
	} else {
		for _, sp := range ProbeTCP(ctx, c, pairs, timeout) {
			d.reportSource(c, sp)
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

// reportSource reports one source host's probes: a failure per probe
// that did not connect, and a summary of those that did.
func (d *VerifyNetworking) reportSource(c *calyptos.Check, sp SourceProbes) {
	if !c.HostOK(sp.HostResult) {
		return
	}
	s := c.OnHost(sp.Host)
	var okList []string
	failed := 0
	for _, p := range sp.Probes {
		if p.Result == calyptos.ProbeOK {
			okList = append(okList, net.JoinHostPort(p.Addr, strconv.Itoa(p.Port)))
			continue
		}
		failed++
		msg := fmt.Sprintf("%s was not able to connect to %s on TCP port %d: %s", p.Label, p.Addr, p.Port, p.Result)
		s.Key("tcp:"+p.Addr+":"+strconv.Itoa(p.Port)).Hint("start the component listening on that port and allow the connection in the target's firewall").Report(calyptos.Fail, msg, cmp.Or(p.Detail, evidence(sp.Output)))
	}
	switch {
	case failed == 0:
		s.Key("component-ports").Successf("reached all %d component ports: %s", len(sp.Probes), strings.Join(okList, " "))
	case len(okList) > 0:
		s.Key("component-ports").Successf("reached %d of %d component ports: %s", len(okList), len(sp.Probes), strings.Join(okList, " "))
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
	dial := (&net.Dialer{Timeout: timeout}).DialContext
	if d.DialContext != nil {
		dial = d.DialContext
	}
	out := make([]localResult, len(ufs))
	var wg sync.WaitGroup
	for i, h := range ufs {
		wg.Go(func() {
			out[i] = localResult{host: h, port: port}
			dctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			conn, err := dial(dctx, "tcp", net.JoinHostPort(addrOf(h), strconv.Itoa(port)))
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
