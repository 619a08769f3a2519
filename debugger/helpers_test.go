package debugger

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/eucalyptus"
	"github.com/stretchr/testify/require"
)

// sample returns a recorded output from testdata/<distro>/<name>.txt, or
// for the output of a fact, from package facts' testdata.
func sample(t testing.TB, distro, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", distro, name+".txt"))
	if errors.Is(err, fs.ErrNotExist) {
		b, err = os.ReadFile(filepath.Join("..", "facts", "testdata", distro, name+".txt"))
	}
	require.NoError(t, err)
	return string(b)
}

// words returns the words of the first "for V in WORDS; do" of a script,
// unquoted.
func words(cmd, v string) []string {
	_, rest, ok := strings.Cut(cmd, "for "+v+" in ")
	if !ok {
		return nil
	}
	list, _, _ := strings.Cut(rest, "; do")
	var ws []string
	for _, w := range strings.Fields(list) {
		ws = append(ws, strings.Trim(w, "'"))
	}
	return ws
}

// serviceResponder answers serviceScript with the lines of a recorded
// services sample for the units asked, and "not installed" lines for the
// others, as the script does on that init system.
func serviceResponder(recorded string) func(host, cmd string) (calyptos.Output, error) {
	sysv := strings.Contains(recorded, "init=sysv")
	lines := map[string]string{} // unit: its last recorded line
	for l := range strings.Lines(recorded) {
		if unit, _, ok := strings.Cut(strings.TrimPrefix(l, "unit="), " "); ok && strings.HasPrefix(l, "unit=") {
			lines[unit] = l
		}
	}
	return func(_, cmd string) (calyptos.Output, error) {
		var b strings.Builder
		for _, u := range words(cmd, "s") {
			line := lines[u]
			switch {
			case line != "":
				b.WriteString(line)
			case sysv:
				fmt.Fprintf(&b, "unit=%s init=sysv status=1 boot= text=%s: unrecognized service\n", u, u)
			default:
				fmt.Fprintf(&b, "unit=%s init=systemd active=inactive enabled=\n", u)
			}
		}
		return calyptos.Output{Stdout: b.String()}, nil
	}
}

// packageResponder answers packageScript from recorded pkg= lines.
func packageResponder(recorded, prefix string) func(host, cmd string) (calyptos.Output, error) {
	got := parsePackages(recorded)
	return func(_, cmd string) (calyptos.Output, error) {
		var b strings.Builder
		b.WriteString(prefix)
		for _, p := range words(cmd, "p") {
			st := "missing"
			if got[p] {
				st = "installed"
			}
			fmt.Fprintf(&b, "pkg=%s status=%s\n", p, st)
		}
		return calyptos.Output{Stdout: b.String()}, nil
	}
}

// probeResponder answers probeScript: result(addr, port) gives the exit
// code and message of each probe.
func probeResponder(result func(from, addr, port string) (int, string)) func(host, cmd string) (calyptos.Output, error) {
	return func(host, cmd string) (calyptos.Output, error) {
		var b strings.Builder
		for line := range strings.Lines(cmd) {
			if !strings.HasPrefix(line, "probe_batch ") {
				continue
			}
			f := strings.Fields(line)
			if len(f) < 2 || f[0] != "probe_batch" {
				continue
			}
			for i := 2; i+1 < len(f); i += 2 {
				addr := strings.Trim(f[i], "'")
				code, msg := result(host, addr, f[i+1])
				fmt.Fprintf(&b, "probe %s %s %d %s\n", addr, f[i+1], code, msg)
			}
		}
		return calyptos.Output{Stdout: b.String()}, nil
	}
}

func allOK(_, _, _ string) (int, string) { return 0, "" }

// clockResponder answers the clock command with the local time plus the
// host's offset.
func clockResponder(offset map[string]time.Duration) func(host, cmd string) (calyptos.Output, error) {
	return func(host, _ string) (calyptos.Output, error) {
		t := time.Now().Add(offset[host])
		return calyptos.Output{Stdout: fmt.Sprintf("%d.%09d\n", t.Unix(), t.Nanosecond())}, nil
	}
}

// scriptDistro makes host ("" for every host) answer every command the
// built-in debuggers run with the recorded outputs of distro: a healthy
// host of that distribution.
func scriptDistro(t testing.TB, e *calyptostest.Executor, host, distro string) {
	t.Helper()
	s := func(name string) string { return sample(t, distro, name) }
	e.On(host, listenersCommand).Stdout(s("listeners"))
	e.OnMatch(host, `services_systemd=/run/systemd/system `).Respond(serviceResponder(s("services")))
	e.On(host, memCommand).Stdout(s("meminfo"))
	e.OnMatch(host, `df -P -k`).Stdout(s("df"))
	e.OnMatch(host, `^du -sk `).Stdout(s("du"))
	e.On(host, osCommand).Stdout(s("os-release"))
	e.On(host, archCommand).Stdout(s("uname"))
	e.On(host, cpuinfoCommand).Stdout(s("cpuinfo"))
	e.OnMatch(host, `for p in `).Respond(packageResponder(s("packages"), ""))
	e.On(host, statCommand([]string{"/var/lib/eucalyptus", "/var/log/eucalyptus"})).Stdout(s("stat"))
	ds := e.On(host, describeServicesCommand).Stdout(s("describe-services"))
	if strings.Contains(s("describe-services"), "not found") {
		ds.Exit(127)
	}
	e.OnMatch(host, `^psql `).Stdout(s("psql"))
	e.On(host, nicCommand).Stdout(s("nics"))
	e.On(host, clockCommand).Respond(clockResponder(nil))
	e.On(host, timeSyncCommand).Stdout(s("timesync"))
	e.On(host, sosCheckCommand()).Respond(packageResponder(s("packages"), "tool=yes\n"))
	scriptSos(t, e, host, s("sosreport"))
	e.OnMatch(host, `^rm -`)
	e.OnMatch(host, `probe_batch\(\) \{`).Respond(probeResponder(allOK))
}

// edge returns the two-cluster EDGE environment of the repository's
// testdata.
func edge(t testing.TB) *calyptos.RoleBuilder {
	t.Helper()
	rb, err := eucalyptus.Load(filepath.Join("..", "testdata", "edge.yml"))
	require.NoError(t, err)
	return rb
}

// roles builds a RoleBuilder from a plain role map.
func roles(m map[string][]string, clusters ...eucalyptus.Cluster) *calyptos.RoleBuilder {
	return eucalyptus.NewRoleBuilder(m, clusters...)
}

// run runs one debugger with options suitable for unit tests.
func run(t testing.TB, rb *calyptos.RoleBuilder, e calyptos.Executor, d calyptos.Debugger) *calyptos.Report {
	t.Helper()
	rep := calyptostest.RunDebugger(t, rb, e, d, calyptos.RunOptions{})
	calyptostest.RequireHints(t, rep)
	return rep
}

// statuses returns "status host message" for every finding, for exact
// comparisons.
func statuses(rep *calyptos.Report) []string {
	var out []string
	for _, f := range rep.Findings() {
		out = append(out, fmt.Sprintf("%s %s %s", f.Status, cmp.Or(f.Host, "-"), f.Message))
	}
	return out
}
