package cli

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/report"
)

func validateCmd() *command {
	return &command{
		name:    "validate",
		summary: "check an environment file before deploying it",
		usage:   "validate -e FILE [--only NAMES | --skip NAMES] [-o text|json|junit|html] [--out FILE]",
		about: `Runs the validators over the environment file: its structure, topology,
hosts, network, storage and VPC settings, then the network checks (repos:
every repository URL answers; pinghosts: every host accepts a TCP
connection on its SSH port). Nothing is changed anywhere.`,
		examples: `  calyptos validate -e environment.yml
  calyptos validate -e environment.yml --skip pinghosts,repos     # offline
  calyptos validate -e environment.yml --only structure,topology -o json
  calyptos validate -e environment.yml -o junit --out validate.xml
  calyptos validate -e environment.yml --baseline last.json --waivers waivers.yml
`,
		checks: func(p *Program) []string { return pluginNames(p.Validators(ValidateConfig{})) },
		exits:  checkExits(false),
		setup: func(fs *flagSet, o *options) {
			envFlag(fs, o)
			limitFlag(fs, o)
			selectFlags(fs, o)
			outputFlags(fs, o, report.Text, report.JSON, report.JUnit, report.HTML)
			gateFlags(fs, o)
			o.parallel = calyptos.DefaultParallel
			fs.intVar(&o.parallel, "parallel", "N", fmt.Sprintf("probe at most N hosts at once (default %d)", calyptos.DefaultParallel))
			fs.durationVar(&o.timeout, "timeout", "DURATION", "time limit of each network request of repos and pinghosts\n(default: theirs)")
		},
		run: func(ctx context.Context, p *Program, o *options, args []string) int {
			if len(args) > 0 {
				return p.unexpectedArg("validate", o, args[0])
			}
			if o.parallel < 1 {
				return p.usageErr("validate", "--parallel must be at least 1")
			}
			if o.timeout < 0 {
				return p.usageErr("validate", "--timeout must be positive")
			}
			rb, code := p.loadEnv("validate", o)
			if code != ExitOK {
				return code
			}
			vs := p.Validators(ValidateConfig{Timeout: o.timeout, Parallel: o.parallel})
			return p.runChecks(ctx, "validate", o, p.newConsole(), calyptos.KindValidate, pluginNames(vs),
				func(ctx context.Context, opts calyptos.RunOptions) (*calyptos.Report, error) {
					return calyptos.RunValidators(ctx, rb, vs, opts)
				})
		},
	}
}

func debugCmd() *command {
	return &command{
		name:    "debug",
		summary: "inspect the running deployment over SSH (or --local)",
		usage:   "debug -e FILE [--local | SSH flags] [--artifacts DIR] [--only NAMES | --skip NAMES] [-o text|json|junit|html]",
		about: `Logs into every host of the deployment and runs the debuggers: services,
ports, disks, memory, clocks, reachability between hosts, logs. Each host
is reached over SSH with your keys (-i, the ssh-agent, ~/.ssh/id_*), or a
password (-p); host keys are verified against known_hosts. With --local
every command runs on this machine instead, whatever host it is for.`,
		examples: `  calyptos debug --local -e examples/localhost.yml        # no SSH needed
  calyptos debug -e environment.yml -u root -i ~/.ssh/cloud_ed25519
  calyptos debug -e environment.yml -J admin@bastion.example.com --parallel 8
  calyptos debug -e environment.yml --only check_ports,verify_networking -o json
  calyptos debug -e environment.yml --artifacts ./logs   # collect sosreports
  calyptos debug -e environment.yml -o junit --out debug.xml   # text still on stdout
  calyptos debug -e environment.yml -o html --out report.html  # one page, no assets
  calyptos debug -e environment.yml --baseline last.json   # exit 1 only on new failures
`,
		checks: func(p *Program) []string { return pluginNames(p.Debuggers(DebugConfig{})) },
		exits:  checkExits(true),
		setup: func(fs *flagSet, o *options) {
			envFlag(fs, o)
			limitFlag(fs, o)
			selectFlags(fs, o)
			outputFlags(fs, o, report.Text, report.JSON, report.JUnit, report.HTML)
			gateFlags(fs, o)
			fs.stringVar(&o.artifacts, "artifacts", "DIR", "collect logs and sosreports into DIR/<host>/ (mode 0700): sosreports\nwith the environment's secrets replaced")
			fs.boolVar(&o.unredacted, "artifacts-unredacted", "also keep each sosreport as the host wrote it, secrets included,\nas DIR/<host>/unredacted-<archive>")
			fs.boolVar(&o.install, "install-packages", "let debuggers install missing tools on the hosts (sos, iperf)")
			fs.boolVar(&o.sideEffects, "allow-side-effects", "let debuggers start test programs on the hosts (iperf\nmulticast test; stopped afterwards)")
			transportFlags(fs, o, calyptos.DefaultCommandTimeout)
		},
		run: func(ctx context.Context, p *Program, o *options, args []string) int {
			if len(args) > 0 {
				return p.unexpectedArg("debug", o, args[0])
			}
			if code := p.checkTransportFlags("debug", o); code != ExitOK {
				return code
			}
			rb, code := p.loadEnv("debug", o)
			if code != ExitOK {
				return code
			}
			ds := p.Debuggers(DebugConfig{ArtifactsDir: o.artifacts, InstallPackages: o.install, AllowSideEffects: o.sideEffects, KeepUnredacted: o.unredacted})
			// Check --only and --skip before connecting anywhere.
			if _, code := p.selectChecks("debug", pluginNames(ds), o); code != ExitOK {
				return code
			}
			if o.artifacts != "" {
				if err := os.MkdirAll(o.artifacts, 0o700); err != nil {
					p.errorf("--artifacts: %v", unwrapPathError(err))
					return ExitUsage
				}
			}
			con := p.newConsole()
			tr, err := p.openTransport(ctx, o, rb, con)
			if err != nil {
				if ctx.Err() != nil {
					return ExitInterrupted // Ctrl-C at a passphrase prompt
				}
				p.errorf("%v", err)
				return ExitUsage
			}
			defer tr.Close()
			return p.runChecks(ctx, "debug", o, con, calyptos.KindDebug, pluginNames(ds),
				func(ctx context.Context, opts calyptos.RunOptions) (*calyptos.Report, error) {
					return calyptos.RunDebuggers(ctx, rb, tr, ds, opts)
				})
		},
	}
}

// sink is where a run's report goes: streamed text on stdout, and the
// final document on stdout or in --out.
type sink struct {
	con    *console
	format report.Format
	// stream receives the text stream (nil when stdout gets a document).
	stream *report.TextReporter
	file   *os.File
	// toStdout is set when the document goes to stdout.
	toStdout bool
	// doc is where the final document is written (nil: the stream's
	// summary is the end of the output).
	doc io.Writer
}

// openSink prepares the outputs of a run over total checks or hosts.
func (p *Program) openSink(o *options, con *console, kind calyptos.Kind, total int, unit string) (*sink, error) {
	s := &sink{con: con, format: o.format}
	if o.outFile != "" {
		if sameFile(o.outFile, o.envFile) {
			return nil, fmt.Errorf("--out: %s is the environment file: writing the report there would destroy it", o.outFile)
		}
		f, err := os.Create(o.outFile)
		if err != nil {
			return nil, fmt.Errorf("--out: %w", unwrapPathError(err))
		}
		s.file, s.doc = f, f
	} else if o.format != report.Text {
		s.doc, s.toStdout = p.Stdout, true
	}
	if unit != "" {
		con.startProgress(total, unit, p.Getenv)
	}
	if !s.toStdout && kind != "" {
		s.stream = report.NewTextReporter(p.Stdout, kind, report.Options{
			Color:    report.ColorEnabled(p.Stdout, p.Getenv),
			Verbose:  o.verbose,
			Width:    p.term.width(p.Stdout),
			Strict:   o.strict,
			Baseline: o.gate.baseline,
		})
	}
	return s, nil
}

// sameFile reports whether a and b name the same existing file.
func sameFile(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	sa, err := os.Stat(a)
	if err != nil {
		return false
	}
	sb, err := os.Stat(b)
	return err == nil && os.SameFile(sa, sb)
}

// reporter returns the calyptos.Reporter of the run.
func (s *sink) reporter() calyptos.Reporter {
	if s.stream == nil {
		return s.con.reporter(nil)
	}
	return s.con.reporter(s.stream)
}

// finish erases the progress line, writes the summary and the document,
// and closes --out. It returns false when the report could not be
// written.
func (s *sink) finish(rep *calyptos.Report, o *options) bool {
	s.con.stopProgress()
	ok := true
	if s.stream != nil {
		if err := s.stream.Summary(rep); err != nil {
			s.con.errorf("writing the report: %v", err)
			ok = false
		}
	}
	if s.doc != nil {
		opts := report.Options{Verbose: o.verbose, Strict: o.strict}
		if err := report.Write(s.doc, rep, s.format, opts); err != nil {
			s.con.errorf("writing the report: %v", err)
			ok = false
		}
	}
	return s.close() && ok
}

func (s *sink) close() bool {
	if s.file == nil {
		return true
	}
	err := s.file.Close()
	s.file = nil
	if err != nil {
		s.con.errorf("writing the report: %v", err)
		return false
	}
	return true
}

// selectChecks returns the checks --only and --skip keep, or prints a
// usage error when they name an unknown check or keep none: a run of no
// check would pass without having looked at anything.
func (p *Program) selectChecks(cmd string, names []string, o *options) ([]string, int) {
	keep, err := calyptos.Select(names, o.only, o.skip)
	if err != nil {
		return nil, p.usageErr(cmd, "%v", err)
	}
	if len(keep) == 0 && len(names) > 0 {
		return nil, p.usageErr(cmd, "--only and --skip leave no check to run (checks: %s)", strings.Join(names, ", "))
	}
	return keep, ExitOK
}

// runChecks runs validators or debuggers and turns the report into an
// exit code.
func (p *Program) runChecks(ctx context.Context, cmd string, o *options, con *console, kind calyptos.Kind, names []string,
	run func(context.Context, calyptos.RunOptions) (*calyptos.Report, error)) int {
	keep, code := p.selectChecks(cmd, names, o)
	if code != ExitOK {
		return code
	}
	s, err := p.openSink(o, con, kind, len(keep), "checks")
	if err != nil {
		con.errorf("%v", err)
		return ExitUsage
	}
	opts := calyptos.RunOptions{
		Only:           o.only,
		Skip:           o.skip,
		Reporter:       s.reporter(),
		Parallel:       o.parallel,
		CommandTimeout: o.timeout,
		CheckTimeout:   checkTimeout(o.timeout),
		ArtifactsDir:   o.artifacts,
	}
	o.redactor.Add(o.password, p.Getenv(passwordEnv))
	opts.Redactor = o.redactor
	rep, err := run(ctx, opts)
	if rep == nil {
		// Invalid options: nothing ran.
		s.finishEmpty()
		con.errorf("%v", err)
		return ExitUsage
	}
	if !s.finish(rep, o) {
		return ExitUsage
	}
	if first, ok := noHostReached(rep); ok && !rep.Interrupted {
		con.errorf("no host could be reached (first error: %s)", first)
		return ExitTransport
	}
	if p.failed(rep, o) {
		return ExitFailed
	}
	return ExitOK
}

// checkTimeout is the bound of each check when commands may take up to
// cmd: the default bound for the default command time limit, and as many
// times cmd for a longer one, so that --timeout 30m is not cut short by a
// 10-minute check bound. 0 selects the default.
func checkTimeout(cmd time.Duration) time.Duration {
	if cmd <= calyptos.DefaultCommandTimeout {
		return 0
	}
	ratio := int64(calyptos.DefaultCheckTimeout / calyptos.DefaultCommandTimeout)
	if int64(cmd) > math.MaxInt64/ratio {
		return math.MaxInt64
	}
	return cmd * time.Duration(ratio)
}

func (s *sink) finishEmpty() {
	s.con.stopProgress()
	s.close()
}

// noHostReached reports whether the run's calls went to some host and
// none answered, with the first host's error (redacted by the runner).
func noHostReached(rep *calyptos.Report) (string, bool) {
	if len(rep.Hosts) == 0 {
		return "", false
	}
	first := ""
	for _, h := range rep.Hosts {
		if h.Reached {
			return "", false
		}
		if first == "" {
			first = h.Error
		}
	}
	return first, first != ""
}
