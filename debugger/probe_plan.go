package debugger

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/hostname"
)

// probeMargin is what a probe command's deadline adds to the time its
// batches take: the login, and the answer coming back.
const probeMargin = 10 * time.Second

// probePlan is one probe command and the source hosts that run it: the
// sources with the same targets share it.
type probePlan struct {
	script  string
	bound   time.Duration // how long its batches take at most
	sources []string
	fact    *calyptos.Fact[calyptos.Output]
}

// planProbes groups the sources of targets by probe command, in the order
// of their first source.
func planProbes(targets map[string][]ProbeTarget, timeout time.Duration) []*probePlan {
	if timeout <= 0 {
		timeout = DefaultProbeTimeout
	}
	sources := make([]string, 0, len(targets))
	for s, ts := range targets {
		if len(ts) > 0 {
			sources = append(sources, s)
		}
	}
	byBatches := map[string]*probePlan{}
	var plans []*probePlan
	for _, s := range hostname.Sort(sources) {
		batches, bound := probeBatches(targets[s], timeout)
		p, ok := byBatches[batches]
		if !ok {
			script := withProbeCode(batches)
			p = &probePlan{script: script, bound: bound, fact: probeFact(script, bound)}
			byBatches[batches] = p
			plans = append(plans, p)
		}
		p.sources = append(p.sources, s)
	}
	return plans
}

// probeFact is a probe command as a fact, so that it runs in the source
// host's gathering session. It is named by its command's digest: one name,
// one command.
func probeFact(script string, bound time.Duration) *calyptos.Fact[calyptos.Output] {
	sum := sha256.Sum256([]byte(script))
	return &calyptos.Fact[calyptos.Output]{
		Name:    "tcp-probe " + hex.EncodeToString(sum[:8]),
		Command: script,
		Parse:   func(o calyptos.Output) (calyptos.Output, error) { return o, nil },
		// The probes bound themselves; the watchdog's bound is a backstop.
		Timeout: bound + 5*time.Second,
	}
}

// fitsFact reports whether the plan's probes may run as a fact: within
// what a fact may take under the default command deadline. Needs and
// ProbeTCP decide alike, so a declared probe is the one ProbeTCP reads.
func (p *probePlan) fitsFact() bool {
	return p.bound+probeMargin <= calyptos.DefaultCommandTimeout
}

// ProbeNeeds returns what ProbeTCP(ctx, c, targets, timeout) reads, for a
// debugger's Needs: its probes then run in each source host's gathering
// session. Probes that take longer than a fact may under the default
// command deadline are left out; ProbeTCP runs them on their own.
func ProbeNeeds(targets map[string][]ProbeTarget, timeout time.Duration) []calyptos.Need {
	var needs []calyptos.Need
	for _, p := range planProbes(targets, timeout) {
		if p.fitsFact() {
			needs = append(needs, calyptos.Need{Fact: p.fact, Hosts: p.sources})
		}
	}
	return needs
}
