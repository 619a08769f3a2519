package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// results is what the harness writes as JSON.
type results struct {
	Started  time.Time         `json:"started"`
	Finished time.Time         `json:"finished"`
	Machine  machine           `json:"machine"`
	Versions map[string]string `json:"versions"`
	Config   resultConfig      `json:"config"`
	Skipped  map[string]string `json:"skipped,omitempty"`
	// Commands are the environment settings and argv of each tool for the
	// largest host count (temporary paths included).
	Commands map[string][]string `json:"commands"`
	Summary  []summary           `json:"summary"`
	Targets  []target            `json:"targets"`
	Runs     []measurement       `json:"runs"`
}

type resultConfig struct {
	Hosts         []int    `json:"hosts"`
	Parallel      int      `json:"parallel"`
	Rounds        int      `json:"rounds"`
	Command       string   `json:"command"`
	Tools         []string `json:"tools"`
	AddrsPerSSHD  int      `json:"addrs_per_sshd"`
	SSHDProcesses int      `json:"sshd_processes"`
	Port          int      `json:"port"`
	Login         string   `json:"login_user"`
	OpenSSHKex    string   `json:"openssh_kex"`
	RSSFrom       string   `json:"peak_rss_from"`
	// RTT is the round-trip time the delay proxies add (WAN mode), and
	// ToolPort the port the tools are given then (the proxies').
	RTT      string `json:"rtt,omitempty"`
	ToolPort int    `json:"tool_port,omitempty"`
	Note     string `json:"note,omitempty"`
}

// summary is the medians of the timed rounds of one tool at one host count.
type summary struct {
	Tool  string `json:"tool"`
	Hosts int    `json:"hosts"`
	Runs  int    `json:"runs"`
	OK    int    `json:"ok_runs"`
	// Wall is the median wall time; WallMin and WallMax its range.
	Wall    float64 `json:"wall_s"`
	WallMin float64 `json:"wall_min_s"`
	WallMax float64 `json:"wall_max_s"`
	// CPUPerHost is the median client CPU (whole process tree) per host.
	CPUPerHostMs float64 `json:"cpu_per_host_ms"`
	// ServerCPUPerHostMs is the median sshd CPU per host.
	ServerCPUPerHostMs float64 `json:"server_cpu_per_host_ms"`
	// MaxRSSMiB is the largest ru_maxrss over the runs.
	MaxRSSMiB float64 `json:"max_rss_mib"`
	// LoginsPerHost is the median number of SSH logins per host.
	LoginsPerHost float64 `json:"logins_per_host"`
	// SessionsPerHost is the median number of SSH sessions per host.
	SessionsPerHost float64 `json:"sessions_per_host"`
	// VsCalyptos is this tool's median wall time divided by that of
	// calyptos-execute (0 when calyptos was not measured).
	VsCalyptos float64 `json:"wall_vs_calyptos_execute"`
}

// target is one goal of issue #7 and whether it was met.
type target struct {
	Goal     string  `json:"goal"`
	Measured float64 `json:"measured"`
	Limit    float64 `json:"limit"`
	Met      bool    `json:"met"`
	Detail   string  `json:"detail"`
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// summarize fills Summary and Targets from Runs (timed rounds only).
func (r *results) summarize() {
	r.Summary = nil
	for _, n := range r.Config.Hosts {
		for _, t := range r.Config.Tools {
			var walls, cpus, srv, logins, sessions []float64
			s := summary{Tool: t, Hosts: n}
			for _, m := range r.Runs {
				if m.Tool != t || m.Hosts != n || m.Round == 0 {
					continue
				}
				s.Runs++
				if m.OK {
					s.OK++
				}
				walls = append(walls, m.Wall)
				cpus = append(cpus, m.CPU)
				srv = append(srv, m.ServerCPU)
				logins = append(logins, float64(m.Handshakes)/float64(n))
				sessions = append(sessions, float64(m.Sessions)/float64(n))
				s.MaxRSSMiB = max(s.MaxRSSMiB, float64(m.MaxRSSKiB)/1024)
			}
			if s.Runs == 0 {
				continue
			}
			s.Wall, s.WallMin, s.WallMax = median(walls), slices.Min(walls), slices.Max(walls)
			s.CPUPerHostMs = median(cpus) / float64(n) * 1000
			s.ServerCPUPerHostMs = median(srv) / float64(n) * 1000
			s.LoginsPerHost = median(logins)
			s.SessionsPerHost = median(sessions)
			r.Summary = append(r.Summary, s)
		}
	}
	for i := range r.Summary {
		if c := r.find("calyptos-execute", r.Summary[i].Hosts); c != nil && c.Wall > 0 {
			r.Summary[i].VsCalyptos = r.Summary[i].Wall / c.Wall
		}
	}
	r.Targets = append(append(r.targets(), r.debugTargets()...), r.wanTargets()...)
}

func (r *results) find(tool string, n int) *summary {
	for i := range r.Summary {
		if r.Summary[i].Tool == tool && r.Summary[i].Hosts == n {
			return &r.Summary[i]
		}
	}
	return nil
}

// targets evaluates the goals of issue #7 on what was measured.
func (r *results) targets() []target {
	var out []target
	ratio := func(n int, other string, limit float64, goal string) {
		c, o := r.find("calyptos-execute", n), r.find(other, n)
		if c == nil || o == nil || o.Wall == 0 {
			return
		}
		v := c.Wall / o.Wall
		out = append(out, target{Goal: fmt.Sprintf(goal, n), Measured: v, Limit: limit, Met: v <= limit,
			Detail: fmt.Sprintf("calyptos %.3fs vs %s %.3fs (medians)", c.Wall, other, o.Wall)})
	}
	for _, n := range r.Config.Hosts {
		ratio(n, "floor", 1.1, "execute wall / floor wall at N=%d")
		ratio(n, "pssh", 0.6, "execute wall / parallel-ssh wall at N=%d (about 0.6)")
		ratio(n, "ansible", 0.2, "execute wall / ansible -m shell wall at N=%d (well under 0.2)")
	}
	for _, n := range r.Config.Hosts {
		if c := r.find("calyptos-execute", n); c != nil {
			out = append(out, target{Goal: fmt.Sprintf("execute client CPU per host at N=%d (ms)", n),
				Measured: c.CPUPerHostMs, Limit: 3, Met: c.CPUPerHostMs <= 3,
				Detail: "user+sys of the process tree / hosts, median"})
		}
	}
	for _, n := range r.Config.Hosts {
		if c := r.find("calyptos-execute", n); c != nil && n >= 200 {
			out = append(out, target{Goal: fmt.Sprintf("execute peak RSS at N=%d (MiB)", n),
				Measured: c.MaxRSSMiB, Limit: 100, Met: c.MaxRSSMiB < 100, Detail: "largest ru_maxrss over the runs"})
		}
	}
	for _, n := range r.Config.Hosts {
		var bad, total int
		var logins []float64
		for _, m := range r.Runs {
			if m.Tool == "calyptos-debug" && m.Hosts == n {
				total++
				logins = append(logins, float64(m.Handshakes)/float64(n))
				if m.Handshakes != n || m.MinPerHost != 1 || m.MaxPerHost != 1 {
					bad++
				}
			}
		}
		if total > 0 {
			out = append(out, target{Goal: fmt.Sprintf("debug: SSH logins per host at N=%d", n),
				Measured: median(logins), Limit: 1, Met: bad == 0,
				Detail: fmt.Sprintf("%d of %d runs (warm-up included) had exactly one login and one connection on every host", total-bad, total)})
		}
	}
	return out
}

// debugTargets evaluates issue 24's goals for debug: its wall time and
// sshd CPU per host against execute's and against debug-floor's (the
// commands it must run, bare), its sessions per host, and its wall time
// against Ansible's own fact gathering.
func (r *results) debugTargets() []target {
	var out []target
	type metric struct {
		name string
		of   func(*summary) float64
	}
	wall := metric{"wall", func(s *summary) float64 { return s.Wall }}
	cpu := metric{"sshd CPU per host", func(s *summary) float64 { return s.ServerCPUPerHostMs }}
	ratio := func(n int, m metric, other string, limit float64) {
		d, o := r.find("calyptos-debug", n), r.find(other, n)
		if d == nil || o == nil || m.of(o) == 0 {
			return
		}
		v := m.of(d) / m.of(o)
		out = append(out, target{Goal: fmt.Sprintf("debug %s / %s %s at N=%d", m.name, other, m.name, n),
			Measured: v, Limit: limit, Met: v <= limit,
			Detail: fmt.Sprintf("debug %.3f vs %s %.3f (medians)", m.of(d), other, m.of(o))})
	}
	for _, n := range r.Config.Hosts {
		if k, e := r.find("calyptos-check", n), r.find("calyptos-execute", n); k != nil && e != nil && e.Wall > 0 {
			v := k.Wall / e.Wall
			out = append(out, target{Goal: fmt.Sprintf("check (40 assertions) wall / calyptos-execute wall at N=%d", n),
				Measured: v, Limit: 2.5, Met: v <= 2.5, Detail: fmt.Sprintf("check %.3f vs execute %.3f (medians)", k.Wall, e.Wall)})
			out = append(out, target{Goal: fmt.Sprintf("check: SSH sessions per host at N=%d", n),
				Measured: k.SessionsPerHost, Limit: 2, Met: k.SessionsPerHost <= 2, Detail: "median over the timed rounds"})
		}
		ratio(n, wall, "calyptos-execute", 2.5)
		ratio(n, cpu, "calyptos-execute", 2.5)
		ratio(n, wall, "debug-floor", 1.15)
		ratio(n, cpu, "debug-floor", 1.15)
		ratio(n, wall, "ansible-setup", 0.3)
		if d := r.find("calyptos-debug", n); d != nil {
			out = append(out, target{Goal: fmt.Sprintf("debug: SSH sessions per host at N=%d", n),
				Measured: d.SessionsPerHost, Limit: 2, Met: d.SessionsPerHost <= 2, Detail: "median over the timed rounds"})
		}
	}
	return out
}

// writeTable prints the summary and targets as Markdown tables.
func (r *results) writeTable(w io.Writer) {
	wan := ""
	if r.Config.RTT != "" {
		wan = "WAN mode: every host behind a delay proxy adding " + r.Config.RTT + " RTT; "
	}
	fmt.Fprintf(w, "\n%sP=%d, K=%d timed rounds (medians), command %q; load average before %.2f, after %.2f\n\n",
		wan, r.Config.Parallel, r.Config.Rounds, r.Config.Command, r.Machine.LoadBefore[0], r.Machine.LoadAfter[0])
	fmt.Fprintln(w, "| N | tool | wall s (median) | min..max | × calyptos | client CPU ms/host | peak RSS MiB | sshd CPU ms/host | logins/host | sessions/host | ok |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|")
	for _, s := range r.Summary {
		vs := "–"
		if s.VsCalyptos > 0 {
			vs = fmt.Sprintf("%.2f", s.VsCalyptos)
		}
		fmt.Fprintf(w, "| %d | %s | %.3f | %.3f..%.3f | %s | %.2f | %.1f | %.1f | %.2f | %.1f | %d/%d |\n",
			s.Hosts, s.Tool, s.Wall, s.WallMin, s.WallMax, vs, s.CPUPerHostMs, s.MaxRSSMiB,
			s.ServerCPUPerHostMs, s.LoginsPerHost, s.SessionsPerHost, s.OK, s.Runs)
	}
	if len(r.Targets) > 0 {
		fmt.Fprintln(w, "\n| target | measured | limit | met | detail |")
		fmt.Fprintln(w, "|---|---|---|---|---|")
		for _, t := range r.Targets {
			met := "yes"
			if !t.Met {
				met = "**no**"
			}
			fmt.Fprintf(w, "| %s | %.3f | %.3g | %s | %s |\n", t.Goal, t.Measured, t.Limit, met, t.Detail)
		}
	}
	for name, why := range r.Skipped {
		fmt.Fprintf(w, "\nnot measured: %s (%s)\n", name, why)
	}
	var failed []string
	for _, m := range r.Runs {
		if !m.OK {
			failed = append(failed, fmt.Sprintf("  N=%d round %d %s: %s", m.Hosts, m.Round, m.Tool, m.Problem))
		}
	}
	if len(failed) > 0 {
		fmt.Fprintf(w, "\nfailed runs:\n%s\n", strings.Join(failed, "\n"))
	}
}

// write saves the results as dir/<UTC time>.json and dir/latest.json, and
// the table as dir/latest.md, and returns the paths written.
func (r *results) write(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	data = append(data, '\n')
	stamped := filepath.Join(dir, r.Started.Format("20060102T150405Z")+".json")
	latest := filepath.Join(dir, "latest"+r.suffix()+".json")
	md := filepath.Join(dir, "latest"+r.suffix()+".md")
	for _, p := range []string{stamped, latest} {
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return nil, err
		}
	}
	var b strings.Builder
	r.writeTable(&b)
	if err := os.WriteFile(md, []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	return []string{stamped, latest, md}, nil
}
