package calyptos

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Family is a kind of fact asked with different keys (services, files,
// packages). A Fact joins it by setting Family and Keys; a run gathers the
// members a host is asked for with one command for the union of their
// keys, and each member gets its own value and error. Families of one Name
// must be the same family.
type Family struct {
	// Name identifies the family in a run ("services").
	Name string
	// Command returns one sh command printing the facts of keys (sorted,
	// unique; quote each with ShellQuote).
	Command func(keys []string) string
	// Split cuts the output into each key's (a key left out: ErrFactLost).
	// It must not panic on any input (fuzz it).
	Split func(keys []string, out Output) map[string]Output
	// Timeout and MaxOutput bound the command as a Fact's do.
	Timeout   time.Duration
	MaxOutput int
}

// familyUnit is one command of a gathering session: a fact's own, or a
// family's for the keys of its members on the host.
type familyUnit struct {
	family  *Family
	keys    []string
	members []int // indexes into the host job's specs
}

// units groups the specs to gather (idx) into commands: one per plain
// fact, one per family.
func units(specs []factSpec, idx []int) []familyUnit {
	out := make([]familyUnit, 0, len(idx))
	var byFamily map[string]int // made at the first family member
	for k, i := range idx {
		f := specs[i].family
		if f == nil {
			// A plain fact's unit shares idx (its cap cut at the element).
			out = append(out, familyUnit{members: idx[k : k+1 : k+1]})
			continue
		}
		if byFamily == nil {
			byFamily = map[string]int{}
		}
		u, ok := byFamily[f.Name]
		if !ok {
			u = len(out)
			byFamily[f.Name] = u
			out = append(out, familyUnit{family: f})
		}
		out[u].members = append(out[u].members, i)
		out[u].keys = append(out[u].keys, specs[i].keys...)
	}
	for i := range out {
		slices.Sort(out[i].keys)
		out[i].keys = slices.Compact(out[i].keys)
	}
	return out
}

// command returns the unit's command and its own bound and cap.
func (u familyUnit) command(specs []factSpec) (cmd string, timeout time.Duration, maxOutput int) {
	if u.family == nil {
		s := specs[u.members[0]]
		return s.command, s.timeout, s.maxOutput
	}
	return u.family.Command(u.keys), u.family.Timeout, u.family.MaxOutput
}

// cacheKey names the unit's command among a run's gathering scripts.
func (u familyUnit) cacheKey(specs []factSpec) string {
	if u.family == nil {
		return specs[u.members[0]].name
	}
	return "family " + u.family.Name + "\x01" + strings.Join(u.keys, "\x01")
}

// split cuts a family's output into its keys' outputs; a panic of the
// family's Split leaves every key without a result.
func (u familyUnit) split(out Output) (m map[string]Output, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("fact family %s: Split panicked: %v", u.family.Name, r)
		}
	}()
	return u.family.Split(u.keys, out), nil
}

// memberOutput joins the outputs of keys in their order: the input of a
// member's parser. ok is false when a key has no output.
func memberOutput(outs map[string]Output, keys []string) (Output, string, bool) {
	if len(keys) == 1 { // most members: the key's own output, not a copy
		o, ok := outs[keys[0]]
		return o, keys[0], ok
	}
	var o Output
	var stdout, stderr strings.Builder
	for _, k := range keys {
		ko, ok := outs[k]
		if !ok {
			return Output{}, k, false
		}
		stdout.WriteString(ko.Stdout)
		stderr.WriteString(ko.Stderr)
		if o.ExitCode == 0 {
			o.ExitCode = ko.ExitCode
		}
		o.Truncated = o.Truncated || ko.Truncated
	}
	o.Stdout, o.Stderr = stdout.String(), stderr.String()
	return o, "", true
}
