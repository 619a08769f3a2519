package checks

import (
	"context"
	"errors"
	"runtime"
	"sync"

	"github.com/org/calyptos"
)

// ReachName is the name of the debugger that tests a file's reach
// edges; its findings' keys are reach:<from>-><to>:<port> (the runner
// writes the ">" as "-").
const ReachName = "checks"

// RoleName returns the name of the debugger that checks the resources
// of role: "checks:<role>". Its findings' keys are
// <resource>:<key>:<attribute> ("service:nginx:running").
func RoleName(role string) string { return "checks:" + role }

// Debuggers returns the debuggers that run the file: one per role
// section, in file order, named RoleName(role), then, when the file has
// reach edges, one named ReachName. Pass them to calyptos.RunDebuggers,
// alone or with others: every fact they read is declared (Needs), so the
// whole file, reach edges included, costs one gathering session per host,
// shared with the other debuggers' facts.
// They change nothing on the hosts (ReadOnly), though the file's
// commands run as written.
func (f *File) Debuggers(opts ...Option) []calyptos.Debugger {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	var ds []calyptos.Debugger
	for _, rc := range f.roles {
		ds = append(ds, &roleDebugger{rc: rc, plan: newPlan(rc), secrets: f.Secrets()})
	}
	if len(f.edges) > 0 {
		ds = append(ds, &reachDebugger{edges: f.edges, addr: o.addr})
	}
	return ds
}

// roleDebugger checks one role's resources on each of its hosts.
type roleDebugger struct {
	rc      *roleChecks
	plan    *rolePlan
	secrets []string
}

// Name returns "checks:<role>".
func (d *roleDebugger) Name() string { return RoleName(d.rc.role) }

// ReadOnly reports true: the debugger reads facts.
func (d *roleDebugger) ReadOnly() bool { return true }

// Needs declares every fact the role's resources read.
func (d *roleDebugger) Needs(rb *calyptos.RoleBuilder) []calyptos.Need {
	return d.plan.needs(rb.Hosts(d.rc.role))
}

// Debug checks each resource on each host of the role. The hosts'
// verdicts are worked out in parallel, then reported in host order.
func (d *roleDebugger) Debug(ctx context.Context, c *calyptos.Check) {
	hosts, err := c.Roles().Lookup(d.rc.role)
	if err != nil {
		c.At(d.rc.pos).Key("role").Hint("name a role of the inventory or environment file").Failuref("%v", err)
		return
	}
	if len(hosts) == 0 {
		c.At(d.rc.pos).Key("role").Skipped("role " + d.rc.role + " has no hosts")
		return
	}
	// The run redacts the file's passwords even when its options do not
	// list them (RunOptions.Secrets).
	c.Redactor().Add(d.secrets...)
	g := d.plan.gatherAll(ctx, c, hosts)
	verdicts := make([][]verdict, len(hosts))
	parallel(len(hosts), func(i int) {
		if downErr(g.errs[i]) == nil {
			verdicts[i] = d.judge(g, i)
		}
	})
	for i, h := range hosts {
		if err := downErr(g.errs[i]); err != nil {
			c.Reached(h, err) // one unreachable finding per host and check
			continue
		}
		for _, v := range verdicts[i] {
			scope(c, h, v.r, v.a).Report(v.status, v.msg, v.evidence)
		}
	}
	for _, r := range d.rc.resources {
		if r.typ.name == "clock" && !r.skip {
			checkClocks(c, hosts, r, g)
		}
	}
}

// judge returns the verdicts of every resource but the clock (judged
// over the role) on the i-th host.
func (d *roleDebugger) judge(g *gathered, i int) []verdict {
	out := make([]verdict, 0, d.rc.asserts)
	for _, r := range d.rc.resources {
		switch {
		case r.skip:
			out = skipped(out, r)
		case r.typ.name != "clock":
			out = judge(out, r, g.observe(i, r))
		}
	}
	return out
}

// parallel calls f(i) for i in [0,n) on as many goroutines as there are
// processors. A panic in f is raised again in the caller, where the
// runner turns it into a failure of the check.
func parallel(n int, f func(i int)) {
	workers := min(n, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	var once sync.Once
	var panicked any
	for w := range workers {
		wg.Go(func() {
			defer func() {
				if v := recover(); v != nil {
					once.Do(func() { panicked = v })
				}
			}()
			for i := w; i < n; i += workers {
				f(i)
			}
		})
	}
	wg.Wait()
	if panicked != nil {
		panic(panicked)
	}
}

// downErr returns the first error of a host's facts that is not about
// one fact (a transport error: the host is down, or the run ended).
func downErr(errs []error) error {
	for _, err := range errs {
		var pe *calyptos.ParseError
		if !errors.As(err, &pe) && !errors.Is(err, calyptos.ErrFactTimeout) && !errors.Is(err, calyptos.ErrFactLost) {
			return err
		}
	}
	return nil
}

// edgeLabel names an edge in the reachability matrix.
func edgeLabel(e *edge) string {
	l := e.from + " → " + e.to
	if e.title != "" {
		l = e.title
	}
	if e.closed {
		l += " (expect closed)"
	}
	return l
}

// Option tunes the debuggers of a checks file.
type Option func(*options)

type options struct {
	addr func(host string) string
}

// Addresses makes the reach edges dial addr(host) instead of the host's
// name, where addr gives one ("" keeps the name): an Ansible inventory's
// ansible_host, when the inventory names its hosts otherwise.
func Addresses(addr func(host string) string) Option {
	return func(o *options) { o.addr = addr }
}
