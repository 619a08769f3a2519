package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/baseline"
	"github.com/org/calyptos/checks"
	"github.com/org/calyptos/serve"
)

// defaultListen is where serve listens unless told: loopback only.
const defaultListen = "127.0.0.1:9273"

// serveOptions are the flags of serve only.
type serveOptions struct {
	listen     string
	interval   time.Duration
	runTimeout time.Duration
	validate   bool
	checks     string // --checks: a checks file run with the debuggers
}

func serveCmd() *command {
	return &command{
		name:    "serve",
		summary: "watch the deployment: run the read-only debuggers on an interval, serve health, report and metrics over HTTP",
		usage:   "serve -e FILE [--local | SSH flags] [--listen ADDR] [--interval DURATION] [--validate] [--only NAMES | --skip NAMES]",
		about: `Runs the debuggers that change nothing on the hosts (no sosreport, no
multicast test, nothing installed, nothing collected) every --interval,
moved by up to 10% at random, one run at a time, each bounded by
--run-timeout; with --validate the validators run first. Serves the last
report until the next one is complete:
  /healthz      200 when the last run had no failure (with --baseline or
                --waivers: none they do not accept); 503 with the reason
                before the first run, on failure, or when stale (3 intervals)
  /             the report as an HTML page;  /report.json  as -o json
  /report       JSON, HTML or text by the Accept header (?run=previous too)
  /metrics      Prometheus metrics
--baseline and --waivers are read again before a run's verdict when their
file changed, so a waiver added for a known failure turns /healthz green
from the next run (a file that no longer reads keeps the last good one and
fails the verdict with the reason). Stops cleanly on SIGINT or SIGTERM,
with exit code 0. Listens on loopback unless --listen says otherwise.`,
		examples: `  calyptos serve --local -e examples/localhost.yml --waivers waivers.yml
  calyptos serve -e environment.yml -i ~/.ssh/cloud_ed25519 --interval 5m
  calyptos serve -e environment.yml --listen 0.0.0.0:9273 --validate --skip repos
  curl -s localhost:9273/healthz
`,
		checks: func(p *Program) []string {
			ds, _ := serve.ReadOnly(p.Debuggers(DebugConfig{}))
			return pluginNames(ds)
		},
		setup: func(fs *flagSet, o *options) {
			envFlag(fs, o)
			limitFlag(fs, o)
			fs.listVar(&o.only, "only", "NAMES", true, "run only these checks (comma-separated, repeatable)")
			fs.listVar(&o.skip, "skip", "NAMES", true, "do not run these checks (comma-separated, repeatable)")
			o.serve.listen, o.serve.interval = defaultListen, serve.DefaultInterval
			fs.stringVar(&o.serve.listen, "listen", "ADDR", "serve HTTP on ADDR (default "+defaultListen+")")
			fs.durationVar(&o.serve.interval, "interval", "DURATION", fmt.Sprintf("time between runs (default %v)", serve.DefaultInterval))
			fs.durationVar(&o.serve.runTimeout, "run-timeout", "DURATION", "time limit of each run (default: the interval)")
			fs.boolVar(&o.serve.validate, "validate", "run the validators too, before the debuggers")
			gateFlags(fs, o)
			fs.boolVar(&o.strict, "strict", "count warnings as failures (new warnings as regressions with\n--baseline or --waivers)")
			fs.stringVar(&o.serve.checks, "checks", "CHECKS.yml", "run this checks file too, after the debuggers (see check -h)")
			transportFlags(fs, o, calyptos.DefaultCommandTimeout)
		},
		exits: []exitCode{
			{ExitOK, "stopped by SIGINT or SIGTERM"},
			{ExitFailed, "the HTTP server failed after it started"},
			{ExitUsage, exitUsageMeaning},
			{ExitInterrupted, "interrupted while asking for a passphrase or password"},
		},
		stopsOnSignal: true,
		run:           runServe,
	}
}

func runServe(ctx context.Context, p *Program, o *options, args []string) int {
	if len(args) > 0 {
		return p.usageErr("serve", "unexpected argument %q", args[0])
	}
	if code := p.checkTransportFlags("serve", o); code != ExitOK {
		return code
	}
	switch {
	case o.serve.interval <= 0:
		return p.usageErr("serve", "--interval must be positive")
	case o.serve.runTimeout < 0:
		return p.usageErr("serve", "--run-timeout must be positive")
	}
	if _, _, err := net.SplitHostPort(o.serve.listen); err != nil {
		return p.usageErr("serve", "--listen %q: %v", o.serve.listen, err)
	}
	rb, code := p.loadEnv("serve", o)
	if code != ExitOK {
		return code
	}
	ds, dropped := serve.ReadOnly(p.Debuggers(DebugConfig{}))
	if o.serve.checks != "" {
		f, code := p.loadChecks(o.serve.checks)
		if code != ExitOK || p.validateChecks(f, rb) != ExitOK {
			return ExitUsage
		}
		ds = append(ds, f.Debuggers(checks.Addresses(inventoryAddress(o.inv)))...)
		o.redactor.Add(f.Secrets()...)
	}
	var vs []calyptos.Validator
	if o.serve.validate {
		vs = p.Validators(ValidateConfig{Parallel: o.parallel})
	}
	names := slices.Concat(pluginNames(vs), pluginNames(ds))
	if _, code := p.selectChecks("serve", names, o); code != ExitOK {
		return code
	}
	if len(dropped) > 0 {
		p.errorf("note: not run, as they are not read-only: %s", strings.Join(dropped, ", "))
	}
	con := p.newConsole()
	tr, err := p.openTransport(ctx, o, rb, con)
	if err != nil {
		if ctx.Err() != nil {
			return ExitInterrupted
		}
		con.errorf("%v", err)
		return ExitUsage
	}
	defer tr.Close()
	o.redactor.Add(o.password, p.Getenv(passwordEnv))
	plan := serve.Plan{Roles: rb, Executor: tr, Debuggers: ds, Validators: vs, RunOptions: calyptos.RunOptions{
		Only: o.only, Skip: o.skip, Parallel: o.parallel, CommandTimeout: o.timeout,
		CheckTimeout: checkTimeout(o.timeout), Redactor: o.redactor,
	}, Strict: o.strict}
	if o.gate.baseline != nil {
		plan.Gate = (&gateFiles{o: o, rb: rb, current: o.gate.baseline}).load
	}
	logger := slog.New(slog.NewTextHandler(consoleStderr{con}, nil))
	s, err := serve.NewServer(plan, serve.Options{Interval: o.serve.interval, RunTimeout: o.serve.runTimeout, Logger: logger})
	if err != nil {
		p.errorf("%v", err)
		return ExitUsage
	}
	return p.listenAndServe(ctx, s, o.serve.listen, logger)
}

// listenAndServe serves until ctx ends (SIGINT, SIGTERM).
func (p *Program) listenAndServe(ctx context.Context, s *serve.Server, addr string, logger *slog.Logger) int {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		p.errorf("--listen: %v", err)
		return ExitUsage
	}
	if host, _, _ := net.SplitHostPort(addr); !isLoopback(host) {
		p.errorf("warning: serving on %s: anyone who can reach it can read the deployment's report", addr)
	}
	logger.Info("listening", "url", "http://"+ln.Addr().String()+"/")
	start := time.Now()
	if err := s.Serve(ctx, ln); err != nil {
		p.errorf("%v", err)
		return ExitFailed
	}
	logger.Info("stopped", "uptime", time.Since(start).Round(time.Second))
	return ExitOK
}

// consoleStderr writes the log to stderr under the console's lock, so a
// line never lands inside a passphrase prompt.
type consoleStderr struct{ con *console }

func (w consoleStderr) Write(b []byte) (n int, err error) {
	w.con.locked(func() { n, err = w.con.stderr.Write(b) })
	return n, err
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// gateFiles is serve's --baseline and --waivers: read again when a file
// changed since it was last read.
type gateFiles struct {
	o       *options
	rb      *calyptos.RoleBuilder
	mu      sync.Mutex
	stamp   string // the files' sizes and modification times when read
	current *baseline.Baseline
}

func (g *gateFiles) load() (*baseline.Baseline, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	stamp := fileStamp(g.o.gate.baselineFile) + "|" + fileStamp(g.o.gate.waiversFile)
	if g.stamp == "" {
		g.stamp = stamp // what loadGate read at start
	}
	if stamp == g.stamp {
		return g.current, nil
	}
	b, err := readGate("serve", g.o, g.rb)
	if err != nil {
		return nil, err // the stamp is kept: the file is read again next run
	}
	g.stamp, g.current = stamp, b
	return b, nil
}

// fileStamp identifies a file's version by size and modification time.
func fileStamp(name string) string {
	if name == "" {
		return ""
	}
	st, err := os.Stat(name)
	if err != nil {
		return "missing"
	}
	return fmt.Sprintf("%d %d", st.Size(), st.ModTime().UnixNano())
}
