package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
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
	// MaxRSSKiB is ru_maxrss of the child's wait4 rusage: the peak
	// resident set of the largest single process of the tree.
	MaxRSSKiB int64 `json:"max_rss_kib"`
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
}

// measure runs t once on n hosts and measures it. Nothing else runs in
// this process meanwhile, so the RUSAGE_CHILDREN delta is t's alone (the
// sshd listeners are children too, but they are reaped only at the end).
func (r *runner) measure(ctx context.Context, t tool, n, round int) measurement {
	res := measurement{Tool: t.Name, Hosts: n, Round: round, Load1: load1()}
	_, r.logOffs = r.fleet.readLogs(r.logOffs) // skip what came before
	before := r.fleet.stats()

	argv := t.Cmd(n)
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(slices.Clone(r.env), t.Env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var stdout, stderr tailBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second // in case an orphan keeps a pipe open

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
			res.MaxRSSKiB = ru.Maxrss
		}
		res.ExitCode = ps.ExitCode()
	}
	var ee *exec.ExitError
	switch {
	case err == nil || errors.As(err, &ee):
		res.OK = t.OKExit(res.ExitCode)
		if !res.OK {
			res.Problem = fmt.Sprintf("exit code %d: %s", res.ExitCode, lastLines(stderr.String()+stdout.String(), 6))
		}
	default:
		res.Problem = err.Error()
	}
	if ctx.Err() != nil {
		res.OK = false
		res.Problem = fmt.Sprintf("killed after %s: %s", r.timeout, lastLines(stderr.String()+stdout.String(), 6))
	}

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
	if t.OneConnPerHost && res.OK && (res.Handshakes != n || res.MinPerHost != 1 || res.MaxPerHost != 1) {
		res.OK = false
		res.Problem = fmt.Sprintf("want exactly one connection and login per host: %d logins, %d..%d connections per host",
			res.Handshakes, res.MinPerHost, res.MaxPerHost)
	}
	return res
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

// tailBuffer keeps the last 8 KiB written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

const tailMax = 8 << 10

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) > tailMax {
		b.buf = append(b.buf[:0], b.buf[len(b.buf)-tailMax:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

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
