package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/org/calyptos/internal/tailbuf"
)

// tool is one contender: how to build its command line for n hosts.
type tool struct {
	// Name identifies the tool in the results ("calyptos-execute").
	Name string
	// Cmd returns the argv for a run on the first n hosts of the fleet.
	Cmd func(n int) []string
	// Env is appended to the common environment.
	Env []string
	// OKExit reports whether an exit code means the tool did its job.
	OKExit func(code int) bool
	// OneConnPerHost is set for tools whose runs must log exactly one
	// SSH login and one TCP connection per host (checked per host).
	OneConnPerHost bool
}

// measurement is the measurement of one run of one tool.
type measurement struct {
	Tool  string `json:"tool"`
	Hosts int    `json:"hosts"`
	// Round is 0 for the warm-up round, 1..K for timed rounds.
	Round int     `json:"round"`
	Wall  float64 `json:"wall_s"`
	// CPU is user+system CPU of the tool's whole process tree: the
	// getrusage(RUSAGE_CHILDREN) delta around the run (every descendant
	// that was waited for is included).
	CPU     float64 `json:"cpu_s"`
	UserCPU float64 `json:"user_cpu_s"`
	SysCPU  float64 `json:"sys_cpu_s"`
	// WaitCPU is the same from the child's wait4 rusage, as a cross-check.
	WaitCPU float64 `json:"wait4_cpu_s"`
	// MaxRSSKiB is the peak resident set of the largest single process of
	// the tool's tree, as GNU time reports it for the tool (its wait4
	// ru_maxrss). See runner.timeBin.
	MaxRSSKiB int64 `json:"max_rss_kib"`
	// Wait4MaxRSSKiB is ru_maxrss of the harness's own wait4 for its
	// child. Linux records the pre-exec image's peak in it, and a child
	// exec'd by the harness starts as a copy of the harness, so it is at
	// least the harness's RSS: recorded only to show why GNU time is used.
	Wait4MaxRSSKiB int64 `json:"wait4_max_rss_kib"`
	// ServerCPU is the CPU the sshd fleet used during the run.
	ServerCPU float64 `json:"server_cpu_s"`
	// Handshakes is the number of SSH logins sshd logged during the run.
	Handshakes int `json:"handshakes"`
	// Connections is the number of TCP connections sshd logged; MinPerHost
	// and MaxPerHost their spread over the hosts.
	Connections int `json:"connections"`
	MinPerHost  int `json:"min_conns_per_host"`
	// Sessions is the number of SSH sessions (commands, SFTP) started.
	Sessions   int `json:"sessions"`
	MaxPerHost int `json:"max_conns_per_host"`
	ExitCode   int `json:"exit_code"`
	// OK is set when the exit code is one the tool gives on success and,
	// for OneConnPerHost tools, each host saw exactly one connection.
	OK bool `json:"ok"`
	// Problem says why OK is false.
	Problem string `json:"problem,omitempty"`
	// Load1 is the 1-minute load average just before the run.
	Load1 float64 `json:"load1"`
}

// runner runs tools against a fleet, one at a time.
type runner struct {
	fleet   *fleet
	env     []string // common environment of every tool
	timeout time.Duration
	logOffs []int64 // sshd log offsets after the last run
	// timeBin is GNU time, which starts each tool and reports its peak
	// RSS: a small C parent, so that the tool's ru_maxrss does not start
	// at the harness's own RSS (see measurement.Wait4MaxRSSKiB). "" uses
	// the harness's wait4 figure.
	timeBin string
	dir     string // for GNU time's output file
}

// readMaxRSS returns the number GNU time wrote last in file (-f %M: KiB;
// a first line "Command exited with non-zero status N" may precede it),
// or 0.
func readMaxRSS(file string) int64 {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	lines := strings.Fields(strings.TrimSpace(string(b)))
	if len(lines) == 0 {
		return 0
	}
	n, _ := strconv.ParseInt(lines[len(lines)-1], 10, 64)
	return n
}

// measure runs t once on n hosts and measures it. Nothing else runs in
// this process meanwhile, so the RUSAGE_CHILDREN delta is t's alone (the
// sshd listeners are children too, but they are reaped only at the end).
func (r *runner) measure(ctx context.Context, t tool, n, round int) measurement {
	res := measurement{Tool: t.Name, Hosts: n, Round: round, Load1: load1()}
	_, r.logOffs = r.fleet.readLogs(r.logOffs) // skip what came before
	before := r.fleet.stats()

	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	cmd, rssFile := r.command(ctx, t, n)
	stdout, stderr := &tailbuf.Buffer{Max: tailMax}, &tailbuf.Buffer{Max: tailMax}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := runTimed(cmd, &res)
	res.MaxRSSKiB = res.Wait4MaxRSSKiB
	if rssFile != "" {
		res.MaxRSSKiB = readMaxRSS(rssFile)
	}
	output := func() string { return lastLines(stderr.String()+stdout.String(), 6) }
	var ee *exec.ExitError
	switch {
	case err == nil || errors.As(err, &ee):
		res.OK = t.OKExit(res.ExitCode)
		if !res.OK {
			res.Problem = fmt.Sprintf("exit code %d: %s", res.ExitCode, output())
		}
	default:
		res.Problem = err.Error()
	}
	if ctx.Err() != nil {
		res.OK = false
		res.Problem = fmt.Sprintf("killed after %s: %s", r.timeout, output())
	}
	r.countServer(&res, before, t.OneConnPerHost)
	return res
}

// command returns the command that runs t on n hosts in its own process
// group, killed whole when ctx ends, and the file GNU time writes the peak
// RSS to ("" without GNU time).
func (r *runner) command(ctx context.Context, t tool, n int) (*exec.Cmd, string) {
	argv := t.Cmd(n)
	rssFile := ""
	if r.timeBin != "" {
		rssFile = filepath.Join(r.dir, "maxrss.txt")
		_ = os.Remove(rssFile) // left from the previous run, or absent
		argv = append([]string{r.timeBin, "-f", "%M", "-o", rssFile, "--"}, argv...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(slices.Clone(r.env), t.Env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second // in case an orphan keeps a pipe open
	return cmd, rssFile
}

// runTimed runs cmd and records its wall time, CPU (RUSAGE_CHILDREN delta
// and wait4 figure), wait4 peak RSS and exit code in res.
func runTimed(cmd *exec.Cmd, res *measurement) error {
	var ru0, ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru0) // cannot fail with a valid who
	start := time.Now()
	err := cmd.Run()
	res.Wall = time.Since(start).Seconds()
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru1)

	res.UserCPU = tv(ru1.Utime) - tv(ru0.Utime)
	res.SysCPU = tv(ru1.Stime) - tv(ru0.Stime)
	res.CPU = res.UserCPU + res.SysCPU
	if ps := cmd.ProcessState; ps != nil {
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			res.WaitCPU = tv(ru.Utime) + tv(ru.Stime)
			res.Wait4MaxRSSKiB = ru.Maxrss
		}
		res.ExitCode = ps.ExitCode()
	}
	return err
}

// countServer waits for the fleet to settle, records what sshd saw since
// before (CPU, logins, sessions, connections per host of the first
// res.Hosts), and fails res if connections stayed open or, with
// oneConnPerHost, a host did not see exactly one connection and login.
func (r *runner) countServer(res *measurement, before serverStats, oneConnPerHost bool) {
	n := res.Hosts
	settled := r.fleet.settle(5 * time.Second)
	after := r.fleet.stats()
	res.Handshakes = after.Handshakes - before.Handshakes
	res.ServerCPU = (after.CPU - before.CPU).Seconds()
	var lc logCounts
	lc, r.logOffs = r.fleet.readLogs(r.logOffs)
	conns := lc.PerAddr
	res.Sessions = lc.Sessions
	res.MinPerHost, res.MaxPerHost = -1, 0
	for _, h := range r.fleet.hosts[:n] {
		c := conns[h]
		res.Connections += c
		if res.MinPerHost < 0 || c < res.MinPerHost {
			res.MinPerHost = c
		}
		res.MaxPerHost = max(res.MaxPerHost, c)
	}
	if !settled && res.OK {
		res.Problem = "sshd connections still open 5s after the run (server CPU incomplete)"
	}
	if oneConnPerHost && res.OK && (res.Handshakes != n || res.MinPerHost != 1 || res.MaxPerHost != 1) {
		res.OK = false
		res.Problem = fmt.Sprintf("want exactly one connection and login per host: %d logins, %d..%d connections per host",
			res.Handshakes, res.MinPerHost, res.MaxPerHost)
	}
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

// tailMax is how much of a tool's output is kept for error messages.
const tailMax = 8 << 10

// lastLines returns the last n non-empty lines of s, joined by " | ".
func lastLines(s string, n int) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	if len(out) > n {
		out = out[len(out)-n:]
	}
	return strings.Join(out, " | ")
}
