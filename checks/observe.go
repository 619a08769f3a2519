package checks

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/facts"
	"github.com/org/calyptos/internal/textparse"
)

// This file turns a host's facts into what each resource type observes:
// a value per attribute, or why there is none.

// observed is one resource's state on one host.
type observed struct {
	// vals holds the value of each attribute the host has.
	vals values
	// missing says why an attribute absent from vals has no value ("does
	// not exist"); reasons overrides it per attribute.
	missing string
	reasons values
	// evidence is what the host printed, shown with a failure; lazy, when
	// set, makes it only for a failure.
	evidence string
	lazy     func() string
	// err is set when the facts could not be read: every assertion
	// fails with it.
	err error
}

// values are attributes' values: a few, in a slice cheaper than a map.
type values []attrValue

type attrValue struct {
	attr string
	v    any
}

// get returns attr's value.
func (vs values) get(attr string) (any, bool) {
	for _, x := range vs {
		if x.attr == attr {
			return x.v, true
		}
	}
	return nil, false
}

// set sets attr's value.
func (vs *values) set(attr string, v any) { *vs = append(*vs, attrValue{attr, v}) }

// reason returns why attr has no value.
func (o *observed) reason(attr string) string {
	if r, ok := o.reasons.get(attr); ok {
		return r.(string)
	}
	return o.missing
}

// ev returns the evidence.
func (o *observed) ev() string {
	if o.lazy != nil {
		return o.lazy()
	}
	return o.evidence
}

// factErr is a fact's error as observed, nil for none.
func factErr[T any](rs []calyptos.FactResult[T], i int) error {
	if rs == nil {
		return errors.New("not gathered")
	}
	if rs[i].Err == nil {
		return nil
	}
	var pe *calyptos.ParseError
	if err := rs[i].Err; err != nil && !errors.As(err, &pe) {
		return err
	}
	return nil
}

// observe returns resource r's state on the i-th host.
func (g *gathered) observe(i int, r *resource) *observed {
	switch r.typ.name {
	case "port":
		return observePort(g.listeners, i, r.target)
	case "service":
		return observeService(g.services, i, r.target)
	case "package":
		return g.observePackage(i, r.target)
	case "file":
		return g.observeFile(i, r)
	case "command":
		return observeCommand(g.commands[r], i, r)
	case "kernel-param":
		return g.observeKernel(i, r.target)
	case "mount":
		return g.observeMount(i, r.target)
	case "process":
		return g.observeProcess(i, r.target)
	case "user":
		return g.observeUser(i, r.target)
	case "group":
		return g.observeGroup(i, r.target)
	case "http":
		return observeHTTP(g.https[r], i)
	case "disk":
		return observeDisk(g.df[r.target], i)
	case "memory":
		return g.observeMemory(i)
	}
	return &observed{err: fmt.Errorf("%s is observed for the whole role", r.typ.name)}
}

func observePort(rs []calyptos.FactResult[[]facts.Listener], i int, target string) *observed {
	if err := factErr(rs, i); err != nil {
		return &observed{err: err}
	}
	if rs[i].Err != nil {
		return &observed{err: rs[i].Err, evidence: evidenceOf(rs[i].Output)}
	}
	proto, port, _ := strings.Cut(target, ":")
	n, _ := strconv.Atoi(port)
	ips := []string{}
	for _, l := range rs[i].Value {
		v6 := strings.Contains(l.Addr, ":") || l.Addr == "*"
		if l.Port == n && l.Proto == proto[:3] && (len(proto) == 3 || v6) {
			ips = append(ips, l.Addr)
		}
	}
	return &observed{vals: values{{"listening", len(ips) > 0}, {"ip", ips}}, lazy: func() string {
		if len(ips) == 0 {
			return "nothing listens on " + target
		}
		return target + " listens on " + strings.Join(ips, ", ")
	}}
}

func observeService(rs []calyptos.FactResult[[]facts.ServiceState], i int, name string) *observed {
	if err := factErr(rs, i); err != nil {
		return &observed{err: err}
	}
	for _, s := range rs[i].Value {
		if s.Name == name {
			return &observed{vals: values{{"running", s.Running}, {"enabled", s.Enabled == "yes"}}, lazy: func() string {
				return fmt.Sprintf("%s (%s): %s, enabled: %s", s.Name, s.Init, s.Detail, cmpOr(s.Enabled, "unknown"))
			}}
		}
	}
	return &observed{err: errors.New("the host's answer has no line for this service"), evidence: evidenceOf(rs[i].Output)}
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// records returns the key's records in a family's result.
func records(rs []calyptos.FactResult[map[string]*keyRecords], i int, key string) (*keyRecords, error) {
	if err := factErr(rs, i); err != nil {
		return nil, err
	}
	kr := rs[i].Value[key]
	if kr == nil {
		return nil, errors.New("no answer from the host for it (its output was cut)")
	}
	return kr, nil
}

func (g *gathered) observePackage(i int, name string) *observed {
	kr, err := records(g.packages, i, name)
	if err != nil {
		return &observed{err: err}
	}
	switch kr.recs["state"] {
	case "installed":
		return &observed{vals: values{{"installed", true}, {"versions", kr.content}},
			lazy: func() string { return name + " " + strings.Join(kr.content, ", ") }}
	case "missing":
		return &observed{vals: values{{"installed", false}}, missing: "not installed", evidence: name + " is not installed"}
	}
	return &observed{err: errors.New("the host has neither rpm nor dpkg-query")}
}

func (g *gathered) observeKernel(i int, name string) *observed {
	kr, err := records(g.kernel, i, name)
	if err != nil {
		return &observed{err: err}
	}
	if v, ok := kr.recs["value"]; ok {
		return &observed{vals: values{{"value", v}}, lazy: func() string { return name + " = " + v }}
	}
	if _, ok := kr.recs["missing"]; ok {
		return &observed{missing: "no such kernel parameter (" + sysctlPath(name) + ")"}
	}
	return &observed{err: fmt.Errorf("cannot read %s: %s", sysctlPath(name), kr.recs["error"])}
}

func (g *gathered) observeProcess(i int, comm string) *observed {
	if err := factErr(g.processes, i); err != nil {
		return &observed{err: err}
	}
	// The kernel keeps 15 bytes of a program's name.
	running := g.processes[i].Value[comm] || len(comm) > 15 && g.processes[i].Value[comm[:15]]
	return &observed{vals: values{{"running", running}}}
}

func (g *gathered) observeUser(i int, name string) *observed {
	kr, err := records(g.users, i, name)
	if err != nil {
		return &observed{err: err}
	}
	f := strings.Split(kr.recs["passwd"], ":")
	if len(f) < 7 || f[0] != name {
		return &observed{vals: values{{"exists", false}}, missing: "no such user"}
	}
	vals := values{{"exists", true}, {"home", f[5]}, {"shell", f[6]}, {"groups", strings.Fields(kr.recs["groups"])}}
	setNum(&vals, "uid", f[2])
	setNum(&vals, "gid", f[3])
	return &observed{vals: vals, lazy: func() string { return kr.recs["passwd"] + "\ngroups: " + kr.recs["groups"] }}
}

func (g *gathered) observeGroup(i int, name string) *observed {
	kr, err := records(g.groups, i, name)
	if err != nil {
		return &observed{err: err}
	}
	f := strings.Split(kr.recs["group"], ":")
	if len(f) < 3 || f[0] != name {
		return &observed{vals: values{{"exists", false}}, missing: "no such group"}
	}
	vals := values{{"exists", true}}
	setNum(&vals, "gid", f[2])
	return &observed{vals: vals, evidence: kr.recs["group"]}
}

// setNum sets k to s as a number, when it is one.
func setNum(vals *values, k, s string) {
	if n, ok := textparse.Atoi(s); ok {
		vals.set(k, n)
	}
}

func (g *gathered) observeMount(i int, point string) *observed {
	if err := factErr(g.mounts, i); err != nil {
		return &observed{err: err}
	}
	m, ok := g.mounts[i].Value[point]
	if !ok {
		return &observed{vals: values{{"exists", false}}, missing: "not mounted"}
	}
	vals := values{{"exists", true}, {"opts", m.opts}, {"vfs-opts", slices.Clip(m.vfsOpts)}, {"source", m.source}, {"filesystem", m.fstype}}
	ob := &observed{vals: vals, lazy: func() string {
		return fmt.Sprintf("%s on %s type %s (%s)", m.source, m.point, m.fstype, strings.Join(m.opts, ","))
	}}
	if rs := g.df[point]; rs != nil {
		if err := factErr(rs, i); err != nil {
			ob.reasons.set("usage", "cannot read its usage: "+err.Error())
		} else if pct, ok := usePercent(rs[i].Value.DF); ok && rs[i].Err == nil {
			ob.vals.set("usage", int64(pct+0.5))
		} else {
			ob.reasons.set("usage", "df gave no usage")
		}
	}
	return ob
}

// usePercent is a filesystem's use as df counts it, in percent.
func usePercent(d facts.DF) (float64, bool) {
	if d.UsePercent >= 0 {
		return float64(d.UsePercent), true
	}
	if d.UsedKiB+d.AvailKiB <= 0 {
		return 0, false
	}
	return float64(d.UsedKiB) * 100 / float64(d.UsedKiB+d.AvailKiB), true
}

func observeCommand(rs []calyptos.FactResult[calyptos.Output], i int, r *resource) *observed {
	if err := factErr(rs, i); err != nil {
		if errors.Is(err, calyptos.ErrFactTimeout) {
			// The run's command deadline bounds it too.
			err = fmt.Errorf("did not finish within its timeout (%v, or the run's --timeout if shorter)", commandFact(r).Timeout)
		}
		return &observed{err: err}
	}
	o := rs[i].Value
	return &observed{vals: values{{"exit-status", int64(o.ExitCode)}, {"stdout", text{o.Stdout, o.Truncated}}, {"stderr", text{o.Stderr, o.Truncated}}},
		lazy: func() string { return evidenceOf(o) }}
}

func observeHTTP(rs []calyptos.FactResult[httpAnswer], i int) *observed {
	if err := factErr(rs, i); err != nil {
		return &observed{err: err}
	}
	a := rs[i].Value
	if a.status == 0 {
		return &observed{missing: "no HTTP response: " + a.problem, evidence: a.problem}
	}
	hs := strings.Join(a.headers, "\n")
	return &observed{vals: values{{"status", int64(a.status)}, {"headers", text{s: hs}}, {"body", a.body}},
		lazy: func() string { return fmt.Sprintf("status %d (%s)\n%s\n\n%s", a.status, a.client, hs, a.body.s) }}
}

func observeDisk(rs []calyptos.FactResult[facts.DirFS], i int) *observed {
	if err := factErr(rs, i); err != nil {
		return &observed{err: err}
	}
	d := rs[i].Value
	if rs[i].Err != nil {
		return &observed{err: rs[i].Err, evidence: evidenceOf(rs[i].Output)}
	}
	if d.Absent {
		return &observed{missing: "no such directory", evidence: evidenceOf(rs[i].Output)}
	}
	o := rs[i].Output
	return &observed{vals: values{{"min-free", d.DF}, {"max-use", d.DF}}, lazy: func() string { return evidenceOf(o) }}
}

func (g *gathered) observeMemory(i int) *observed {
	if err := factErr(g.memory, i); err != nil {
		return &observed{err: err}
	}
	if g.memory[i].Err != nil {
		return &observed{err: g.memory[i].Err}
	}
	m := g.memory[i].Value
	return &observed{vals: values{{"min-total", m.TotalKiB << 10}, {"min-available", m.AvailableKiB << 10}},
		lazy: func() string {
			return fmt.Sprintf("total %s, available %s", sizeString(m.TotalKiB<<10), sizeString(m.AvailableKiB<<10))
		}}
}

// evidenceOf joins a command's stdout and stderr.
func evidenceOf(o calyptos.Output) string {
	s := strings.TrimSpace(o.Stdout)
	if e := strings.TrimSpace(o.Stderr); e != "" {
		s += "\n--- stderr\n" + e
	}
	return s
}

// sizeString writes bytes with a binary unit.
func sizeString(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}
