package checks

import (
	"context"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/facts"
)

// rolePlan is the facts one role's resources compile to: one member of a
// family per resource type (the family merges it with the other roles'
// on a host that is in several), a fact per command, HTTP request and
// filesystem.
type rolePlan struct {
	listeners *calyptos.Fact[[]facts.Listener]
	services  *calyptos.Fact[[]facts.ServiceState]
	packages  *calyptos.Fact[map[string]*keyRecords]
	files     *calyptos.Fact[map[string]*keyRecords]
	contents  *calyptos.Fact[map[string]*keyRecords]
	kernel    *calyptos.Fact[map[string]*keyRecords]
	users     *calyptos.Fact[map[string]*keyRecords]
	groups    *calyptos.Fact[map[string]*keyRecords]
	processes *calyptos.Fact[map[string]bool]
	mounts    *calyptos.Fact[map[string]mount]
	memory    *calyptos.Fact[facts.Meminfo]
	clock     *calyptos.Fact[time.Time]
	df        map[string]*calyptos.Fact[facts.DirFS]
	commands  map[*resource]*calyptos.Fact[calyptos.Output]
	https     map[*resource]*calyptos.Fact[httpAnswer]
}

// newPlan compiles a role's resources into facts. Skipped resources
// read nothing.
func newPlan(rc *roleChecks) *rolePlan {
	p := &rolePlan{df: map[string]*calyptos.Fact[facts.DirFS]{}, commands: map[*resource]*calyptos.Fact[calyptos.Output]{},
		https: map[*resource]*calyptos.Fact[httpAnswer]{}}
	keys := map[string][]string{}
	for _, r := range rc.resources {
		if r.skip {
			continue
		}
		p.add(r, keys)
	}
	if ks := keys["service"]; len(ks) > 0 {
		p.services = facts.Services(ks...)
	}
	member := func(typ string, fam func() *calyptos.Family) *calyptos.Fact[map[string]*keyRecords] {
		if ks := keys[typ]; len(ks) > 0 {
			return keyed(fam(), ks)
		}
		return nil
	}
	p.packages = member("package", packagesFamily)
	p.files = member("file", filesFamily)
	p.contents = member("contents", contentsFamily)
	p.kernel = member("kernel-param", kernelFamily)
	p.users = member("user", usersFamily)
	p.groups = member("group", groupsFamily)
	return p
}

// add declares what resource r reads; family keys go into keys by
// family.
func (p *rolePlan) add(r *resource, keys map[string][]string) {
	switch r.typ.name {
	case "port":
		p.listeners = facts.Listeners()
	case "service", "package", "kernel-param", "user", "group":
		keys[r.typ.name] = append(keys[r.typ.name], r.target)
	case "file":
		keys["file"] = append(keys["file"], "stat "+r.target)
		for _, a := range r.asserts {
			switch a.attr {
			case "md5", "sha256", "sha512":
				keys["file"] = append(keys["file"], a.attr+" "+r.target)
			case "contents":
				keys["contents"] = append(keys["contents"], r.target)
			}
		}
	case "command":
		p.commands[r] = commandFact(r)
	case "http":
		p.https[r] = httpFact(r)
	case "process":
		p.processes = processesFact()
	case "mount":
		p.mounts = mountsFact()
		if hasAttr(r, "usage") {
			p.df[r.target] = facts.DirFilesystem(r.target)
		}
	case "disk":
		p.df[r.target] = facts.DirFilesystem(r.target)
	case "memory":
		p.memory = facts.Memory()
	case "clock":
		p.clock = facts.Clock()
	}
}

func hasAttr(r *resource, name string) bool {
	for _, a := range r.asserts {
		if a.attr == name {
			return true
		}
	}
	return false
}

// needs lists the plan's facts on hosts.
func (p *rolePlan) needs(hosts []string) []calyptos.Need {
	var out []calyptos.Need
	add := func(f calyptos.AnyFact, set bool) {
		if set {
			out = append(out, calyptos.Need{Fact: f, Hosts: hosts})
		}
	}
	add(p.listeners, p.listeners != nil)
	add(p.services, p.services != nil)
	for _, f := range []*calyptos.Fact[map[string]*keyRecords]{p.packages, p.files, p.contents, p.kernel, p.users, p.groups} {
		add(f, f != nil)
	}
	add(p.processes, p.processes != nil)
	add(p.mounts, p.mounts != nil)
	add(p.memory, p.memory != nil)
	add(p.clock, p.clock != nil)
	for _, f := range p.df {
		add(f, true)
	}
	for _, f := range p.commands {
		add(f, true)
	}
	for _, f := range p.https {
		add(f, true)
	}
	return out
}

// gathered holds a role's facts on its hosts, each slice in the order of
// the hosts.
type gathered struct {
	listeners []calyptos.FactResult[[]facts.Listener]
	services  []calyptos.FactResult[[]facts.ServiceState]
	packages  []calyptos.FactResult[map[string]*keyRecords]
	files     []calyptos.FactResult[map[string]*keyRecords]
	contents  []calyptos.FactResult[map[string]*keyRecords]
	kernel    []calyptos.FactResult[map[string]*keyRecords]
	users     []calyptos.FactResult[map[string]*keyRecords]
	groups    []calyptos.FactResult[map[string]*keyRecords]
	processes []calyptos.FactResult[map[string]bool]
	mounts    []calyptos.FactResult[map[string]mount]
	memory    []calyptos.FactResult[facts.Meminfo]
	clock     []calyptos.FactResult[time.Time]
	df        map[string][]calyptos.FactResult[facts.DirFS]
	commands  map[*resource][]calyptos.FactResult[calyptos.Output]
	https     map[*resource][]calyptos.FactResult[httpAnswer]
	// errs lists, per host, every fact's error (to find a host down).
	errs [][]error
}

// gatherAll reads every fact of the plan on hosts: from the run's cache,
// where the runner gathered the needs in one session per host.
func (p *rolePlan) gatherAll(ctx context.Context, c *calyptos.Check, hosts []string) *gathered {
	g := &gathered{errs: make([][]error, len(hosts)), df: map[string][]calyptos.FactResult[facts.DirFS]{},
		commands: map[*resource][]calyptos.FactResult[calyptos.Output]{}, https: map[*resource][]calyptos.FactResult[httpAnswer]{}}
	g.listeners = gather(ctx, c, p.listeners, hosts, g.errs)
	g.services = gather(ctx, c, p.services, hosts, g.errs)
	g.packages = gather(ctx, c, p.packages, hosts, g.errs)
	g.files = gather(ctx, c, p.files, hosts, g.errs)
	g.contents = gather(ctx, c, p.contents, hosts, g.errs)
	g.kernel = gather(ctx, c, p.kernel, hosts, g.errs)
	g.users = gather(ctx, c, p.users, hosts, g.errs)
	g.groups = gather(ctx, c, p.groups, hosts, g.errs)
	g.processes = gather(ctx, c, p.processes, hosts, g.errs)
	g.mounts = gather(ctx, c, p.mounts, hosts, g.errs)
	g.memory = gather(ctx, c, p.memory, hosts, g.errs)
	g.clock = gather(ctx, c, p.clock, hosts, g.errs)
	for path, f := range p.df {
		g.df[path] = gather(ctx, c, f, hosts, g.errs)
	}
	for r, f := range p.commands {
		g.commands[r] = gather(ctx, c, f, hosts, g.errs)
	}
	for r, f := range p.https {
		g.https[r] = gather(ctx, c, f, hosts, g.errs)
	}
	return g
}

// gather reads f on hosts (nothing when f is nil), noting each host's
// error in errs.
func gather[T any](ctx context.Context, c *calyptos.Check, f *calyptos.Fact[T], hosts []string, errs [][]error) []calyptos.FactResult[T] {
	if f == nil {
		return nil
	}
	rs := calyptos.Gather(ctx, c, f, hosts)
	for i, r := range rs {
		if r.Err != nil {
			errs[i] = append(errs[i], r.Err)
		}
	}
	return rs
}
