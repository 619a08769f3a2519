// Command harness is calyptos's comparative benchmark: it starts a fleet of
// loopback sshd "hosts" and times, interleaved in one run, the same
// trivial command sent to every host by
//
//   - floor: bench/floor, the least a Go program needs to do it;
//   - calyptos-execute: `calyptos execute -r all`;
//   - pssh: Debian's `parallel-ssh`;
//   - ansible: `ansible all -m shell`;
//   - calyptos-debug: a full `calyptos debug` with the default debuggers,
//     whose SSH logins are counted (one per host is expected);
//   - calyptos-check: `calyptos check` of a 40-assertion checks file on
//     every host (see checksfile.go).
//
// It prints a table of medians and writes every run and the summary as
// JSON under -out. bench/run.sh installs what it needs, builds the
// binaries and runs it; see bench/README.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/org/calyptos"
)

// config is the command line.
type config struct {
	hosts       []int
	parallel    int
	rounds      int
	command     string
	tools       []string
	addrsPerSSH int
	timeout     time.Duration
	maxLoad     float64
	loadWait    time.Duration
	outDir      string
	workDir     string
	pidFile     string
	floorBin    string
	calyptosBin string
	login       string
	opensshKex  string
	serve       bool
	note        string
	rtt         time.Duration
}

// allTools returns every tool, in the order of a round.
func allTools() []string {
	return []string{"floor", "calyptos-execute", "pssh", "ansible", "ansible-raw", "calyptos-debug", "debug-floor", "ansible-setup", "calyptos-check"}
}

// defaultTools are the tools a run measures unless -tools says otherwise.
func defaultTools() []string {
	return []string{"floor", "calyptos-execute", "pssh", "ansible", "calyptos-debug", "debug-floor", "ansible-setup", "calyptos-check"}
}

func main() {
	os.Exit(realMain())
}

func realMain() int {
	var c config
	var hosts, tools string
	flag.StringVar(&hosts, "n", "100,200", "host counts to measure (comma-separated)")
	flag.IntVar(&c.parallel, "p", 50, "parallelism: hosts reached at once by every tool")
	flag.IntVar(&c.rounds, "k", 5, "timed rounds per host count (after one warm-up round)")
	flag.StringVar(&c.command, "cmd", "true", "the command every tool runs on every host")
	flag.StringVar(&tools, "tools", strings.Join(defaultTools(), ","), "tools to run, in round order; known: "+strings.Join(allTools(), ", "))
	flag.IntVar(&c.addrsPerSSH, "addrs-per-sshd", 16, "loopback addresses per sshd process (1: one sshd per host)")
	flag.DurationVar(&c.timeout, "timeout", 5*time.Minute, "kill a tool's run after this long")
	flag.Float64Var(&c.maxLoad, "max-load", 1.5, "wait until the 1-minute load average is below this before starting (0: don't)")
	flag.DurationVar(&c.loadWait, "load-wait", 5*time.Minute, "wait at most this long for -max-load, then start anyway (recorded)")
	flag.StringVar(&c.outDir, "out", "bench/results", "directory for the JSON results (\"\": don't write)")
	flag.StringVar(&c.workDir, "work", "", "directory for keys, host lists and tool homes (default: a temporary one)")
	flag.StringVar(&c.pidFile, "pidfile", "", "append the pid of every sshd started to this file")
	flag.StringVar(&c.floorBin, "floor", "", "the bench/floor binary")
	flag.StringVar(&c.calyptosBin, "calyptos", "", "the calyptos CLI binary (\"\": skip the calyptos tools)")
	flag.StringVar(&c.login, "login", "calyptos-bench-"+strconv.Itoa(os.Getpid()), "account the tools log in to, created with shell /bin/sh if missing\nand removed afterwards (\"\": the user running sshd, start-up files included); one\nper run by default, so that two runs at once do not replace each other's key")
	flag.StringVar(&c.opensshKex, "openssh-kex", "curve25519-sha256", "KexAlgorithms for the OpenSSH client of parallel-ssh and ansible: the\nkey exchange Go's x/crypto/ssh negotiates with this sshd (\"\": OpenSSH's\ndefault, sntrup761x25519-sha512 on OpenSSH 9.2, ~10x the client CPU)")
	flag.BoolVar(&c.serve, "serve", false, "start the fleet for the largest -n, print each tool's command line, and\nwait for Ctrl-C instead of measuring (for profiling and debugging)")
	flag.StringVar(&c.note, "note", "", "free text recorded in the results")
	flag.DurationVar(&c.rtt, "rtt", 0, "WAN mode: reach every host through a userspace delay proxy on loopback\nthat adds this round-trip time (e.g. 50ms), the same proxies for every tool\n(0: straight to sshd)")
	flag.Parse()
	var err error
	if c.hosts, err = parseInts(hosts); err != nil {
		fmt.Fprintln(os.Stderr, "harness: -n:", err)
		return 2
	}
	for _, t := range strings.Split(tools, ",") {
		if t = strings.TrimSpace(t); t == "" {
			continue
		}
		if !slices.Contains(allTools(), t) {
			fmt.Fprintf(os.Stderr, "harness: unknown tool %q (known: %s)\n", t, strings.Join(allTools(), ", "))
			return 2
		}
		c.tools = append(c.tools, t)
	}
	if c.parallel < 1 || c.rounds < 1 || len(c.tools) == 0 {
		fmt.Fprintln(os.Stderr, "harness: -p and -k must be at least 1, and -tools not empty")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, c); err != nil {
		fmt.Fprintln(os.Stderr, "harness:", err)
		return 1
	}
	return 0
}

// run starts the fleet, measures every tool c.rounds+1 times per host
// count (or, with c.serve, serves the fleet) and writes the results.
func run(ctx context.Context, c config) error {
	res := newResults(c)
	if c.serve {
		c.maxLoad = 0
	}
	if err := c.waitQuiet(ctx, res); err != nil {
		return err
	}
	work, removeWork, err := c.makeWorkDir()
	if err != nil {
		return err
	}
	defer removeWork()
	home := filepath.Join(work, "home")
	if err := os.MkdirAll(filepath.Join(home, ".ansible", "tmp"), 0o700); err != nil {
		return err
	}
	login, removeLogin, err := c.ensureLogin()
	if err != nil {
		return err
	}
	defer removeLogin()
	res.Config.Login = c.login
	res.Config.OpenSSHKex = c.opensshKex

	fl, closeHosts, err := c.startHosts(work, login, res)
	if err != nil {
		return err
	}
	defer closeHosts()
	files, err := writeHostFiles(fl, work, c.hosts)
	if err != nil {
		return err
	}
	tools, skipped := c.buildTools(fl, files, work)
	res.Skipped = skipped
	for name, why := range skipped {
		fmt.Fprintf(os.Stderr, "harness: skipping %s: %s\n", name, why)
	}
	maxN := slices.Max(c.hosts)
	if c.serve {
		return serve(ctx, tools, fl, files, maxN, c.parallel)
	}
	res.Versions = versions(c)
	res.Commands = map[string][]string{}
	for _, t := range tools {
		res.Commands[t.Name] = append(slices.Clone(t.Env), t.Cmd(maxN)...)
	}
	r := newRunner(fl, c.timeout, work, home, res)
	fl.settle(5 * time.Second)
	if err := c.measureAll(ctx, r, tools, res); err != nil {
		return err
	}
	return c.finish(res)
}

// newResults returns the results of a run of c, with the machine described.
func newResults(c config) *results {
	res := &results{
		Started: time.Now().UTC(),
		Config: resultConfig{
			Hosts: c.hosts, Parallel: c.parallel, Rounds: c.rounds, Command: c.command,
			Tools: c.tools, AddrsPerSSHD: c.addrsPerSSH, Note: c.note,
		},
	}
	res.Machine = machineInfo()
	return res
}

// waitQuiet waits for the load average to fall below c.maxLoad,
// records it in res, and returns ctx's error if ctx ended meanwhile.
func (c config) waitQuiet(ctx context.Context, res *results) error {
	res.Machine.LoadBefore = waitForLoad(ctx, c.maxLoad, c.loadWait)
	if c.maxLoad > 0 && res.Machine.LoadBefore[0] >= c.maxLoad {
		fmt.Fprintf(os.Stderr, "harness: load average %.2f still above %.2f after %s: measuring anyway (recorded)\n",
			res.Machine.LoadBefore[0], c.maxLoad, c.loadWait)
	}
	return ctx.Err()
}

// makeWorkDir returns c.workDir, or a new temporary directory that the
// returned function removes.
func (c config) makeWorkDir() (string, func(), error) {
	if c.workDir != "" {
		return c.workDir, func() {}, nil
	}
	d, err := os.MkdirTemp("", "calyptos-bench-")
	if err != nil {
		return "", nil, err
	}
	return d, func() { os.RemoveAll(d) }, nil
}

// ensureLogin creates the account c.login if needed and returns it with a
// function that removes it again; nil with c.login "".
func (c config) ensureLogin() (*benchUser, func(), error) {
	if c.login == "" {
		return nil, func() {}, nil
	}
	u, err := ensureUser(c.login)
	if err != nil {
		return nil, nil, err
	}
	return u, func() {
		if err := u.remove(); err != nil {
			fmt.Fprintln(os.Stderr, "harness:", err)
		}
	}, nil
}

// startHosts starts the sshd fleet for the largest host count and, with
// c.rtt, the WAN delay proxies in front of it; it records both in res and
// returns a function that stops them.
func (c config) startHosts(work string, login *benchUser, res *results) (*fleet, func(), error) {
	maxN := slices.Max(c.hosts)
	fmt.Fprintf(os.Stderr, "harness: starting %d loopback sshd hosts (%d addresses per sshd)\n", maxN, c.addrsPerSSH)
	t0 := time.Now()
	fl, err := startFleet(maxN, c.addrsPerSSH, work, c.pidFile, login)
	if err != nil {
		return nil, nil, err
	}
	res.Config.SSHDProcesses = len(fl.servers)
	res.Config.Port = fl.port
	fmt.Fprintf(os.Stderr, "harness: %d sshd processes on port %d, %s..%s, ready in %.1fs\n",
		len(fl.servers), fl.port, fl.hosts[0], fl.hosts[maxN-1], time.Since(t0).Seconds())
	if c.rtt <= 0 {
		return fl, fl.close, nil
	}
	wan, err := startWAN(fl, c.rtt)
	if err != nil {
		fl.close()
		return nil, nil, err
	}
	closeAll := func() {
		wan.close()
		fl.close()
	}
	if err := fl.trustPort(wan.port); err != nil {
		closeAll()
		return nil, nil, err
	}
	res.Config.RTT, res.Config.ToolPort = c.rtt.String(), wan.port
	fmt.Fprintf(os.Stderr, "harness: WAN mode: %d delay proxies (RTT %s) on port %d\n", len(wan.proxies), c.rtt, wan.port)
	return fl, closeAll, nil
}

// newRunner returns a runner for fl whose tools run in work with HOME
// home, started by GNU time if it is installed (recorded in res).
func newRunner(fl *fleet, timeout time.Duration, work, home string, res *results) *runner {
	timeBin, err := exec.LookPath("/usr/bin/time")
	if err != nil {
		fmt.Fprintln(os.Stderr, "harness: GNU time (/usr/bin/time, Debian package time) not found: peak RSS will include the harness's own")
		timeBin = ""
	}
	res.Config.RSSFrom = "GNU time"
	if timeBin == "" {
		res.Config.RSSFrom = "harness wait4 (includes the harness's RSS)"
	}
	return &runner{fleet: fl, timeout: timeout, timeBin: timeBin, dir: work, env: []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"LANG=C.UTF-8", "LC_ALL=C.UTF-8",
		"TERM=dumb",
		"NO_COLOR=1",
	}}
}

// measureAll runs the warm-up and timed rounds of every tool for every
// host count, appending each run to res.
func (c config) measureAll(ctx context.Context, r *runner, tools []tool, res *results) error {
	for _, n := range c.hosts {
		for round := 0; round <= c.rounds; round++ {
			for _, t := range tools {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				m := r.measure(ctx, t, n, round)
				res.Runs = append(res.Runs, m)
				fmt.Fprintln(os.Stderr, progressLine(m))
			}
		}
	}
	return nil
}

// finish summarizes res, prints the table and writes the JSON files.
func (c config) finish(res *results) error {
	res.Finished = time.Now().UTC()
	res.Machine.LoadAfter = loadavg()
	res.summarize()
	res.writeTable(os.Stdout)
	if c.outDir != "" {
		paths, err := res.write(c.outDir)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "harness: wrote %s\n", strings.Join(paths, ", "))
	}
	return nil
}

// hostFiles are the per-host-count input files of the tools.
type hostFiles struct {
	hostList  map[int]string // one address per line (floor, pssh)
	env       map[int]string // calyptos environment file
	inventory map[int]string // ansible inventory
	// debugFloor is the command of debug-floor (see debugfloor.go).
	debugFloor map[int]string
	// checks is calyptos-check's checks file (see checksfile.go).
	checks string
}

// buildTools returns the runnable tools in round order, and the reasons
// the others are left out.
func (c config) buildTools(fl *fleet, files hostFiles, work string) ([]tool, map[string]string) {
	b := c.newToolBuilder(fl, files, work)
	skipped := map[string]string{}
	var out []tool
	for _, name := range c.tools {
		t, why := b.build(name)
		if why != "" {
			skipped[name] = why
			continue
		}
		out = append(out, t)
	}
	return out, skipped
}

// toolBuilder holds what the command lines of the tools share.
type toolBuilder struct {
	c     config
	fl    *fleet
	files hostFiles
	work  string
	p     string // parallelism
	port  string // the port the tools connect to
	// sshOpts are the OpenSSH client options of parallel-ssh and ansible.
	sshOpts []string
	// sshTransport are the calyptos CLI's connection flags.
	sshTransport []string
}

func (c config) newToolBuilder(fl *fleet, files hostFiles, work string) *toolBuilder {
	b := &toolBuilder{c: c, fl: fl, files: files, work: work,
		p: strconv.Itoa(c.parallel), port: strconv.Itoa(fl.toolPort())}
	// The same key and known_hosts as calyptos and floor, strict host key
	// checking, no agent, no password prompt, no connection sharing.
	b.sshOpts = []string{
		"-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
		"-o", "UserKnownHostsFile=" + fl.knownHostsFile, "-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "StrictHostKeyChecking=yes",
		"-o", "ControlMaster=no", "-o", "ControlPath=none",
	}
	if c.opensshKex != "" {
		b.sshOpts = append(b.sshOpts, "-o", "KexAlgorithms="+c.opensshKex)
	}
	b.sshTransport = []string{
		"-u", fl.user, "-i", fl.keyFile, "--known-hosts", fl.knownHostsFile, "--port", b.port, "--parallel", b.p,
	}
	return b
}

// build returns the tool called name, or why it cannot run.
func (b *toolBuilder) build(name string) (tool, string) {
	switch name {
	case "floor":
		return b.floor()
	case "calyptos-execute":
		return b.calyptosExecute()
	case "calyptos-debug":
		return b.calyptosDebug()
	case "debug-floor":
		return b.debugFloor()
	case "calyptos-check":
		return b.calyptosCheck()
	case "pssh":
		return b.pssh()
	case "ansible", "ansible-raw", "ansible-setup":
		return b.ansible(name)
	}
	return tool{}, ""
}

func exit0(code int) bool { return code == 0 }

func (b *toolBuilder) floor() (tool, string) {
	c, fl := b.c, b.fl
	if !executable(c.floorBin) {
		return tool{}, "no -floor binary"
	}
	return tool{Name: "floor", OKExit: exit0, OneConnPerHost: true, Cmd: func(n int) []string {
		return []string{c.floorBin, "-hosts", b.files.hostList[n], "-port", b.port, "-user", fl.user,
			"-i", fl.keyFile, "-known-hosts", fl.knownHostsFile, "-p", b.p, c.command}
	}}, ""
}

func (b *toolBuilder) calyptosExecute() (tool, string) {
	c := b.c
	if !executable(c.calyptosBin) {
		return tool{}, "no -calyptos binary (did the CLI build?)"
	}
	return tool{Name: "calyptos-execute", OKExit: exit0, OneConnPerHost: true, Cmd: func(n int) []string {
		return append(append([]string{c.calyptosBin, "execute", "-e", b.files.env[n], "-r", "all"},
			b.sshTransport...), c.command)
	}}, ""
}

func (b *toolBuilder) calyptosDebug() (tool, string) {
	c := b.c
	if !executable(c.calyptosBin) {
		return tool{}, "no -calyptos binary (did the CLI build?)"
	}
	// The loopback hosts run no Eucalyptus, so checks fail (exit
	// 1); what matters is that every host was reached once.
	return tool{Name: "calyptos-debug", OneConnPerHost: true,
		OKExit: func(code int) bool { return code == 0 || code == 1 },
		Cmd: func(n int) []string {
			return append([]string{c.calyptosBin, "debug", "-e", b.files.env[n]}, b.sshTransport...)
		}}, ""
}

// calyptosCheck runs a 40-assertion checks file on every host; some
// assertions fail on the loopback hosts (exit 1).
func (b *toolBuilder) calyptosCheck() (tool, string) {
	c := b.c
	if !executable(c.calyptosBin) {
		return tool{}, "no -calyptos binary (did the CLI build?)"
	}
	return tool{Name: "calyptos-check", OneConnPerHost: true,
		OKExit: func(code int) bool { return code == 0 || code == 1 },
		Cmd: func(n int) []string {
			return append([]string{c.calyptosBin, "check", "-f", b.files.checks, "-e", b.files.env[n]}, b.sshTransport...)
		}}, ""
}

// debugFloor runs the commands debug must run on a node controller, bare,
// on every host in one session (see debugfloor.go). Some of them fail on
// hosts without Eucalyptus, and execute then exits 1.
func (b *toolBuilder) debugFloor() (tool, string) {
	c := b.c
	if !executable(c.calyptosBin) {
		return tool{}, "no -calyptos binary (did the CLI build?)"
	}
	return tool{Name: "debug-floor", OneConnPerHost: true,
		OKExit: func(code int) bool { return code == 0 || code == 1 },
		Cmd: func(n int) []string {
			return append(append([]string{c.calyptosBin, "execute", "-e", b.files.env[n], "-r", "all"},
				b.sshTransport...), b.files.debugFloor[n])
		}}, ""
}

func (b *toolBuilder) pssh() (tool, string) {
	c, fl := b.c, b.fl
	bin, err := exec.LookPath("parallel-ssh")
	if err != nil {
		return tool{}, "parallel-ssh not installed (apt-get install pssh)"
	}
	x := strings.Join(append([]string{"-p", b.port, "-i", fl.keyFile}, b.sshOpts...), " ")
	return tool{Name: "pssh", OKExit: exit0, OneConnPerHost: true, Cmd: func(n int) []string {
		return []string{bin, "-h", b.files.hostList[n], "-p", b.p, "-t", "0", "-l", fl.user, "-x", x, c.command}
	}}, ""
}

// ansible returns "ansible" (module shell), "ansible-raw" (module raw) or
// "ansible-setup" (module setup: Ansible's own fact gathering, debug's
// peer).
func (b *toolBuilder) ansible(name string) (tool, string) {
	c, fl := b.c, b.fl
	bin, err := exec.LookPath("ansible")
	if err != nil {
		return tool{}, "ansible not installed (apt-get install ansible-core)"
	}
	cfg := filepath.Join(b.work, "ansible.cfg")
	if err := os.WriteFile(cfg, []byte("# empty: every setting comes from ANSIBLE_* variables\n"), 0o600); err != nil {
		return tool{}, err.Error()
	}
	module := []string{"-m", "shell", "-a", c.command}
	switch name {
	case "ansible-raw":
		module[1] = "raw" // no Python on the host: the command goes straight to ssh
	case "ansible-setup":
		module = []string{"-m", "setup"} // every fact, as a play's gathering does
	}
	return tool{Name: name, OKExit: exit0, OneConnPerHost: true,
		Cmd: func(n int) []string {
			return append(append([]string{bin, "all", "-i", b.files.inventory[n]}, module...),
				"-f", b.p, "-u", fl.user, "--private-key", fl.keyFile)
		},
		Env: []string{
			"ANSIBLE_CONFIG=" + cfg,
			"ANSIBLE_HOST_KEY_CHECKING=True",
			"ANSIBLE_SSH_ARGS=" + strings.Join(b.sshOpts, " "),
			// One SSH connection per host: the module is piped to
			// python on the same connection instead of being
			// copied first (see README).
			"ANSIBLE_PIPELINING=True",
			"ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3",
			"ANSIBLE_RETRY_FILES_ENABLED=False",
			"ANSIBLE_GATHERING=explicit",
			"ANSIBLE_NOCOLOR=1",
			"ANSIBLE_DEPRECATION_WARNINGS=False",
			"ANSIBLE_LOCAL_TEMP=" + filepath.Join(b.work, "home", ".ansible", "tmp"),
		}}, ""
}

func executable(path string) bool {
	if path == "" {
		return false
	}
	st, err := os.Stat(path)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 3 || n > maxHosts {
			return nil, fmt.Errorf("%q: want a whole number from 3 to %d", f, maxHosts)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no host count")
	}
	return out, nil
}

func progressLine(m measurement) string {
	status := "ok"
	if !m.OK {
		status = "FAIL: " + m.Problem
	}
	round := "warm-up"
	if m.Round > 0 {
		round = "round " + strconv.Itoa(m.Round)
	}
	return fmt.Sprintf("  N=%-4d %-8s %-17s wall %6.2fs  cpu %6.2fs  rss %4.0f MiB  sshd cpu %5.2fs  logins %4d  conns/host %d..%d  sessions %5d  load %.2f  %s",
		m.Hosts, round, m.Tool, m.Wall, m.CPU, float64(m.MaxRSSKiB)/1024, m.ServerCPU, m.Handshakes,
		m.MinPerHost, m.MaxPerHost, m.Sessions, m.Load1, status)
}

// serve prints how to reach the fleet and waits for ctx to end.
func serve(ctx context.Context, tools []tool, fl *fleet, files hostFiles, n, parallel int) error {
	fmt.Printf("fleet: %d hosts %s..%s port %d, user %s\n", n, fl.hosts[0], fl.hosts[n-1], fl.toolPort(), fl.user)
	fmt.Printf("calyptos flags: -e %s -u %s -i %s --known-hosts %s --port %d --parallel %d\n",
		files.env[n], fl.user, fl.keyFile, fl.knownHostsFile, fl.toolPort(), parallel)
	for _, t := range tools {
		fmt.Printf("\n%s:\n  ", t.Name)
		for _, e := range t.Env {
			fmt.Print(calyptos.ShellQuote(e), " ")
		}
		for _, a := range t.Cmd(n) {
			fmt.Print(calyptos.ShellQuote(a), " ")
		}
		fmt.Println()
	}
	fmt.Println("\nserving until interrupted (Ctrl-C)")
	<-ctx.Done()
	return nil
}
