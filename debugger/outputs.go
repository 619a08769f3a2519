package debugger

import (
	"slices"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/facts"
	"github.com/org/calyptos/internal/textparse"
)

// This file holds the parsers of the output of the debuggers' commands
// that are not facts (sosreport, the reachability probes, iperf), and
// small text helpers; the facts' parsers are in package facts.

// packageScript returns the command of facts.Packages: the sosreport
// debugger runs it with its own check of the sos tool.
func packageScript(names ...string) string { return facts.Packages(names...).Command }

// parsePackages reads packageScript's output.
func parsePackages(out string) map[string]bool {
	m, _ := facts.Packages().Parse(calyptos.Output{Stdout: out})
	return m
}

// ---------------------------------------------------------------------------
// Reachability probes

// probeLine is one line of probeScript's output.
type probeLine struct {
	Target string
	Port   int
	Code   int
	Detail string
}

// parseProbes reads probeScript's output: "probe TARGET PORT EXIT DETAIL".
func parseProbes(out string) []probeLine {
	var ps []probeLine
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) < 4 || f[0] != "probe" {
			continue
		}
		port, ok1 := textparse.Atoi(f[2])
		code, ok2 := textparse.Atoi(f[3])
		if !ok1 || !ok2 || port < 1 || port > 65535 || code > 255 {
			continue
		}
		ps = append(ps, probeLine{Target: f[1], Port: int(port), Code: int(code), Detail: strings.Join(f[4:], " ")})
	}
	return ps
}

// ---------------------------------------------------------------------------
// iperf

// parseIperfPeers returns the peer addresses an iperf server log shows
// ("[  3] local 228.7.7.3 port 8773 connected with 192.0.2.11 port 4242").
func parseIperfPeers(out string) []string {
	var peers []string
	for line := range strings.Lines(out) {
		_, after, ok := strings.Cut(line, "connected with ")
		if !ok {
			continue
		}
		f := strings.Fields(after)
		if len(f) == 0 {
			continue
		}
		if !slices.Contains(peers, f[0]) {
			peers = append(peers, f[0])
		}
	}
	return peers
}
