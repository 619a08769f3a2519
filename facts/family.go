package facts

import (
	"slices"
	"strings"

	"github.com/org/calyptos"
)

// The fact families of this package: every Services, Packages or
// FileOwners fact asked on a host in one run is gathered with one command
// for the union of their names (see calyptos.Family).

func servicesFamily() *calyptos.Family {
	return &calyptos.Family{Name: "services", Command: func(keys []string) string { return serviceScript(keys...) },
		Split: func(keys []string, o calyptos.Output) map[string]calyptos.Output { return splitByKey(keys, o, "unit") }}
}

func packagesFamily() *calyptos.Family {
	return &calyptos.Family{Name: "packages", Command: func(keys []string) string { return packageScript(keys...) },
		Split: func(keys []string, o calyptos.Output) map[string]calyptos.Output { return splitByKey(keys, o, "pkg") }}
}

func statFamily() *calyptos.Family {
	return &calyptos.Family{Name: "stat", Command: statCommand, Split: splitStat}
}

// splitByKey gives each key the lines of out whose field (key=VALUE) names
// it, in their order. Every key gets an Output, empty when no line names
// it: the member's parser decides what an absent key means.
func splitByKey(keys []string, out calyptos.Output, field string) map[string]calyptos.Output {
	m := make(map[string]calyptos.Output, len(keys))
	for _, k := range keys {
		m[k] = calyptos.Output{ExitCode: out.ExitCode, Truncated: out.Truncated}
	}
	prefix := field + "="
	for line := range strings.Lines(out.Stdout) {
		// The scripts print "field=NAME other=..." with NAME first: a
		// prefix and a cut, not a parse of every field of every line.
		rest, ok := strings.CutPrefix(line, prefix)
		if !ok {
			continue
		}
		k, _, _ := strings.Cut(strings.TrimRight(rest, "\r\n"), " ")
		if o, ok := m[k]; ok {
			o.Stdout += line
			m[k] = o
		}
	}
	return m
}

// splitStat gives each path its line of stat's output, or stat's error
// about it (exit 1), as `stat PATH` alone would have.
func splitStat(keys []string, out calyptos.Output) map[string]calyptos.Output {
	m := make(map[string]calyptos.Output, len(keys))
	for _, k := range keys {
		m[k] = calyptos.Output{ExitCode: 1, Truncated: out.Truncated}
	}
	for _, fo := range parseStatLines(out.Stdout) {
		if o, ok := m[fo.owner.Path]; ok {
			o.Stdout += fo.line
			o.ExitCode = 0
			m[fo.owner.Path] = o
		}
	}
	for line := range strings.Lines(out.Stderr) {
		for _, k := range keys {
			if o := m[k]; o.Stdout == "" && strings.Contains(line, "'"+k+"'") {
				o.Stderr += line
				m[k] = o
			}
		}
	}
	return m
}

// sortedKeys returns names sorted, without duplicates: a member's keys as
// its family's command sees them.
func sortedKeys(names []string) []string {
	return slices.Compact(slices.Sorted(slices.Values(names)))
}
