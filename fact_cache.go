package calyptos

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/org/calyptos/executor"
	"github.com/org/calyptos/hostname"

	"github.com/org/calyptos/internal/factbatch"
)

// factKey identifies one fact on one host in a run's cache.
type factKey struct{ name, host string }

// factEntry is one fact on one host: gathered once, parsed once.
type factEntry struct {
	done chan struct{} // closed when the fields below are set

	out      Output
	err      error // gathering error: transport, timeout, lost
	sent     time.Time
	elapsed  time.Duration
	provided bool // value came from a FactProvider
	value    any

	once sync.Once
	val  any
	perr error
}

// factCache holds a run's facts. The zero value is ready to use.
type factCache struct {
	mu       sync.Mutex
	m        map[factKey]*factEntry
	boundary string
	scripts  map[string]string // gathering scripts by their facts
	commands map[string]string // family commands by family and keys
}

// hostJob is the facts one host is asked for in one session. Its
// entries share its done channel, closed when all of them are set.
type hostJob struct {
	host    string
	specs   []factSpec
	entries []*factEntry
	done    chan struct{}
}

// claim returns the entries of spec on hosts, creating those missing;
// the jobs list the created ones, which the caller must gather.
func (fc *factCache) claim(spec factSpec, hosts []string, jobs map[string]*hostJob, want bool) []*factEntry {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if fc.m == nil {
		fc.m = map[factKey]*factEntry{}
	}
	if fc.boundary == "" {
		var b [16]byte
		_, _ = rand.Read(b[:])
		fc.boundary = "CALYPTOS" + hex.EncodeToString(b[:])
	}
	var out []*factEntry
	if want {
		out = make([]*factEntry, len(hosts))
	}
	var slab []factEntry // new entries, allocated together
	for i, h := range hosts {
		k := factKey{spec.name, h}
		e := fc.m[k]
		if e == nil {
			if len(slab) == 0 {
				slab = make([]factEntry, len(hosts)-i)
			}
			e, slab = &slab[0], slab[1:]
			j := jobs[h]
			if j == nil {
				j = &hostJob{host: h, done: make(chan struct{})}
				jobs[h] = j
			}
			e.done = j.done
			fc.m[k] = e
			j.specs = append(j.specs, spec)
			j.entries = append(j.entries, e)
		}
		if want {
			out[i] = e
		}
	}
	return out
}

// forget drops entries whose gathering was cut short by the end of the
// caller's context, so that a later reader gathers them again.
func (fc *factCache) forget(j *hostJob) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	for i, s := range j.specs {
		k := factKey{s.name, j.host}
		if fc.m[k] == j.entries[i] {
			delete(fc.m, k)
		}
	}
}

// get returns spec's entries on hosts, gathering the missing ones and
// waiting for those another caller is gathering.
func (fc *factCache) get(ctx context.Context, st *runState, timeout time.Duration, spec factSpec, hosts []string) []*factEntry {
	jobs := map[string]*hostJob{}
	entries := fc.claim(spec, hosts, jobs, true)
	st.gatherJobs(ctx, timeout, jobs)
	for i, e := range entries {
		select {
		case <-e.done:
		case <-ctx.Done():
			entries[i] = &factEntry{err: ctx.Err()}
		}
	}
	return entries
}

// gatherJobs runs each host's job, one session per host, at most
// Parallel at a time.
func (st *runState) gatherJobs(ctx context.Context, timeout time.Duration, jobs map[string]*hostJob) {
	if len(jobs) == 0 {
		return
	}
	list := make([]*hostJob, 0, len(jobs))
	hosts := make([]string, 0, len(jobs))
	for h := range jobs {
		hosts = append(hosts, h)
	}
	for _, h := range hostname.Sort(hosts) {
		list = append(list, jobs[h])
	}
	st.fanOut(ctx, len(list), func(i int) { st.gatherHost(ctx, timeout, list[i]) })
}

// gatherHost gathers one host's job with one command and fills its
// entries; they are complete when it returns, even if it panics.
func (st *runState) gatherHost(ctx context.Context, timeout time.Duration, j *hostJob) {
	answered := false
	defer func() {
		if !answered { // the gathering panicked before it answered
			for _, e := range j.entries {
				if e.err == nil && !e.provided {
					e.err = fmt.Errorf("%w: gathering stopped", ErrFactLost)
				}
			}
		}
		close(j.done)
		if ctx.Err() != nil {
			st.facts.forget(j)
		}
	}()
	var idx []int
	prov, _ := st.executor.(executor.FactProvider)
	for i, s := range j.specs {
		if prov != nil {
			if v, ok := prov.ProvideFact(j.host, s.name); ok {
				j.entries[i].provided, j.entries[i].value = true, v
				continue
			}
		}
		idx = append(idx, i)
	}
	if len(idx) == 0 {
		answered = true
		return
	}
	us := units(j.specs, idx)
	cmds := make([]factbatch.Cmd, len(us))
	for k, u := range us {
		command, own, maxOut := st.facts.command(u, j.specs)
		secs := int(remoteBound(timeout, own) / time.Second)
		cmds[k] = factbatch.Cmd{Command: command, Seconds: max(1, secs), Cap: cmp0(maxOut, defaultFactMaxOutput)}
	}
	script := st.facts.script(cmds, us, j.specs)
	bounded := executor.WithSelfBounded(ctx, factbatch.Bound(cmds))
	start := time.Now()
	out, err := st.exec(bounded, timeout, j.host, func(ctx context.Context, e Executor) (Output, error) {
		return e.Run(ctx, j.host, script)
	})
	elapsed := time.Since(start)
	var res []factbatch.Result
	if err == nil {
		res = factbatch.Parse(st.facts.boundary, cmds, out.Stdout)
	}
	for k, u := range us {
		for _, i := range u.members {
			e := j.entries[i]
			e.sent, e.elapsed = start, elapsed
			if err != nil {
				e.err = err
				continue
			}
			st.fillEntry(e, j.specs[i], u, cmds[k], res[k], out, elapsed)
		}
	}
	answered = true
}

// fillEntry sets a fact's entry from its command's result r: the fact's
// own, or its family's, split to the fact's keys.
func (st *runState) fillEntry(e *factEntry, spec factSpec, u familyUnit, cmd factbatch.Cmd, r factbatch.Result, session Output, elapsed time.Duration) {
	if errors.Is(r.Err, factbatch.ErrNoFrame) {
		e.err = fmt.Errorf("fact %s: %w (gathering exit %d%s%s)", spec.name, ErrFactLost, session.ExitCode, truncNote(session), hostSaid(r.Err))
		e.out = Output{Stderr: capText(session.Stderr, maxEvidence), ExitCode: -1}
		return
	}
	if narrowed := elapsed - r.Head - r.Tail; narrowed >= 0 {
		e.sent, e.elapsed = e.sent.Add(r.Head), narrowed
	}
	e.out = Output{Stdout: r.Stdout, Stderr: r.Stderr, ExitCode: r.ExitCode, Truncated: r.Truncated}
	if r.TimedOut {
		e.err = fmt.Errorf("fact %s: %w (stopped after %ds)", spec.name, ErrFactTimeout, cmd.Seconds)
		return
	}
	if u.family == nil {
		return
	}
	outs, serr := u.split(e.out)
	if serr != nil {
		e.err = fmt.Errorf("fact %s: %w: %w", spec.name, ErrFactLost, serr)
		return
	}
	mo, missing, ok := memberOutput(outs, spec.keys)
	if !ok {
		e.err = fmt.Errorf("fact %s: %w: no result for %q in the output of family %s", spec.name, ErrFactLost, missing, u.family.Name)
		return
	}
	e.out = mo
}

// command returns a unit's command, built once per run for each family
// and set of keys: most hosts of a deployment are asked the same.
func (fc *factCache) command(u familyUnit, specs []factSpec) (string, time.Duration, int) {
	if u.family == nil {
		return u.command(specs)
	}
	key := u.cacheKey(specs)
	fc.mu.Lock()
	cmd, ok := fc.commands[key]
	fc.mu.Unlock()
	if !ok {
		cmd, _, _ = u.command(specs)
		fc.mu.Lock()
		if fc.commands == nil {
			fc.commands = map[string]string{}
		}
		fc.commands[key] = cmd
		fc.mu.Unlock()
	}
	return cmd, u.family.Timeout, u.family.MaxOutput
}

// script returns the gathering script of cmds, built once per run for
// each set of facts: most hosts of a deployment are asked the same.
func (fc *factCache) script(cmds []factbatch.Cmd, us []familyUnit, specs []factSpec) string {
	var kb strings.Builder
	for k, u := range us {
		fmt.Fprintf(&kb, "%s\x00%d\x00%d\x00", u.cacheKey(specs), cmds[k].Seconds, cmds[k].Cap)
	}
	key := kb.String()
	fc.mu.Lock()
	s, ok := fc.scripts[key]
	fc.mu.Unlock()
	if ok {
		return s
	}
	s = factbatch.Script(fc.boundary, cmds)
	fc.mu.Lock()
	if fc.scripts == nil {
		fc.scripts = map[string]string{}
	}
	fc.scripts[key] = s
	fc.mu.Unlock()
	return s
}

// hostSaid is the reason the gathering script gave for ending early
// ("cannot create a private directory ..."), if it gave one.
func hostSaid(err error) string {
	var ended *factbatch.EndedError
	if !errors.As(err, &ended) {
		return ""
	}
	return "; " + ended.Reason
}

func truncNote(o Output) string {
	if o.Truncated {
		return ", output cut at the executor's cap"
	}
	return ""
}

func cmp0(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// remoteBound is how long a fact may run on the host under a command
// deadline d: its own timeout if shorter, and in any case less than d, so
// that the host stops it and answers before this side gives up on the
// whole session. The margin is a tenth of d, but at least 3 s (a third of
// a shorter d): the host's watchdog ticks once a second (every two seconds
// when the largest bound is a minute or more, where the margin is 6 s or
// more: a fact may run 3 s past its bound then), stopping a hung
// fact's process tree and printing the others' results take a moment on
// a loaded host, and the login comes first (issue 22 item 4: with 1 s of
// margin under a 10 s deadline, one hung fact lost every fact of its host).
func remoteBound(d, own time.Duration) time.Duration {
	b := d - min(max(d/10, min(3*time.Second, d/3)), time.Minute)
	if own > 0 && own < b {
		b = own
	}
	return b
}

// prefetchFacts gathers the declared needs of the plugins that will run,
// one session per host, before the first of them runs.
func (st *runState) prefetchFacts(ctx context.Context, plugins []plugin, keep []string) {
	if st.executor == nil || ctx.Err() != nil {
		return
	}
	var needs []Need
	total := 0
	for _, p := range plugins {
		n, ok := p.impl.(FactNeeder)
		if !ok || !containsName(keep, p.name) {
			continue
		}
		for _, need := range safeNeeds(n, st.roles) {
			if need.Fact != nil && len(need.Hosts) > 0 {
				needs = append(needs, need)
				total += len(need.Hosts)
			}
		}
	}
	st.facts.mu.Lock()
	if st.facts.m == nil {
		st.facts.m = make(map[factKey]*factEntry, total)
	}
	st.facts.mu.Unlock()
	jobs := map[string]*hostJob{}
	for _, need := range needs {
		st.facts.claim(need.Fact.spec(), need.Hosts, jobs, false)
	}
	// A panic of a provider or executor during prefetch must not end the
	// run: the entries it left are errors the debuggers report.
	defer func() { _ = recover() }()
	st.gatherJobs(ctx, st.opts.CommandTimeout, jobs)
}

// safeNeeds calls a plugin's Needs, treating a panic as no needs: the
// plugin's own run reports what is wrong with it.
func safeNeeds(n FactNeeder, rb *RoleBuilder) (needs []Need) {
	defer func() {
		if recover() != nil {
			needs = nil
		}
	}()
	return n.Needs(rb)
}

func containsName(names []string, n string) bool {
	for _, x := range names {
		if x == n {
			return true
		}
	}
	return false
}
