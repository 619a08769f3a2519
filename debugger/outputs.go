package debugger

import (
	"slices"
	"strconv"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/facts"
)

// This file holds the parsers of the output of the debuggers' commands
// that are not facts (sosreport, the reachability probes, iperf), and
// small text helpers; the facts' parsers are in package facts.

// isDigits reports whether s is a non-empty run of ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// atoi parses a non-negative decimal of at most 18 digits (no sign, no
// space), so that it cannot overflow int64.
func atoi(s string) (int64, bool) {
	if !isDigits(s) || len(s) > 18 {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// parseKV splits a line of key=value words. The key "text" takes the rest
// of the line, spaces included, so that a free-form value can come last.
func parseKV(line string) map[string]string {
	kv := map[string]string{}
	rest := strings.TrimSpace(line)
	for rest != "" {
		if t, ok := strings.CutPrefix(rest, "text="); ok {
			kv["text"] = strings.TrimSpace(t)
			break
		}
		word, tail := rest, ""
		if i := strings.IndexAny(rest, " \t"); i >= 0 {
			word, tail = rest[:i], rest[i+1:]
		}
		rest = strings.TrimLeft(tail, " \t")
		if k, v, ok := strings.Cut(word, "="); ok && k != "" {
			kv[k] = v
		}
	}
	return kv
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	if len(l) > 120 {
		l = l[:120] + "..."
	}
	return l
}

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
		port, ok1 := atoi(f[2])
		code, ok2 := atoi(f[3])
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
