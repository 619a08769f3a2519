// Package cli is the calyptos command line: validate an environment file,
// debug the deployment it describes, run a command on the hosts of a role,
// and show the roles the file defines. examples/calyptos is a thin main
// around Main; a program with checks of its own can fill a Program and
// call Run to get the same command line with its plugins.
//
// # Commands
//
//	calyptos validate -e env.yml [--only a,b] [--skip c] [-o text|json|junit] [--out FILE]
//	calyptos debug    -e env.yml [--local | SSH flags] [--artifacts DIR] [-o ...]
//	calyptos serve    -e env.yml [--local | SSH flags] [--listen ADDR] [--interval 5m]
//	calyptos diff     OLD.json NEW.json [--waivers FILE] [-o text|json]
//	calyptos execute  -e env.yml [-r ROLE] [--local | SSH flags] [-o text|json|junit] 'command'
//	calyptos roles    -e env.yml [-o text|json]
//	calyptos version
//
// Every command prints its flags and examples with -h. Flags may come
// before or after the positional arguments; "--" ends the flags.
//
// # Exit codes
//
// See ExitOK and the constants after it; each command's -h lists the codes
// it can return.
//
// # Output
//
// Text output streams findings as they arrive; on a terminal a one-line
// progress indicator (checks done / total) is drawn on stderr and erased
// when the run ends. Colour is used only on a terminal and never when
// NO_COLOR is set. -o json writes the report schema documented in package
// report (execute writes an ExecResult, roles a RolesResult); -o junit
// writes JUnit XML (for execute, one test case per host). With --out FILE the report goes to FILE in the -o format and the
// text stream still goes to stdout.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/redact"
)

// Exit codes of Main and Program.Run.
const (
	ExitOK          = 0   // every check passed
	ExitFailed      = 1   // some check failed, or a command failed on some host
	ExitUsage       = 2   // bad command line, or a missing or invalid environment file
	ExitTransport   = 3   // no host could be reached
	ExitInterrupted = 130 // the run was interrupted by a signal
)

// exitCode is one line of an exit-code table in -h.
type exitCode struct {
	code    int
	meaning string
}

// The meanings of the exit codes, as -h shows them.
const (
	exitUsageMeaning       = "usage error, or the environment file is missing or invalid"
	exitTransportMeaning   = "transport failure on every host: nothing could be reached"
	exitInterruptedMeaning = "interrupted (Ctrl-C / SIGTERM): the partial report is printed"
	exitOKChecks           = "every check passed (warnings allowed, unless --strict)"
	exitFailedChecks       = "at least one check failed (with --baseline or --waivers: a new failure no waiver accepts)"
)

// programExits is the table of the program's own -h: every code.
func programExits() []exitCode {
	return []exitCode{
		{ExitOK, exitOKChecks},
		{ExitFailed, exitFailedChecks + " (execute: the command failed on some host)"},
		{ExitUsage, exitUsageMeaning},
		{ExitTransport, exitTransportMeaning},
		{ExitInterrupted, exitInterruptedMeaning},
	}
}

// checkExits are the exit codes of validate (no transport) and debug.
func checkExits(transport bool) []exitCode {
	codes := []exitCode{{ExitOK, exitOKChecks}, {ExitFailed, exitFailedChecks}, {ExitUsage, exitUsageMeaning}}
	if transport {
		codes = append(codes, exitCode{ExitTransport, exitTransportMeaning})
	}
	return append(codes, exitCode{ExitInterrupted, exitInterruptedMeaning})
}

// exitHelp renders an exit-code table.
func exitHelp(codes []exitCode) string {
	var b strings.Builder
	b.WriteString("Exit codes:\n")
	for _, c := range codes {
		fmt.Fprintf(&b, "  %-3d  %s\n", c.code, c.meaning)
	}
	return b.String()
}

// Transport is an Executor holding connections that Close releases.
type Transport interface {
	calyptos.Executor
	io.Closer
}

// Program is the command line with its plugins and transports. The zero
// value of a field selects the built-in default.
type Program struct {
	// Name is the command's name in help and messages (default "calyptos").
	Name string
	// Validators returns the validators validate runs, configured with cfg
	// (default: the built-in ones).
	Validators func(cfg ValidateConfig) []calyptos.Validator
	// Debuggers returns the debuggers debug runs (default: the built-in
	// ones).
	Debuggers func(cfg DebugConfig) []calyptos.Debugger
	// SSH returns the SSH transport of debug and execute (default:
	// package sshexec). When no password was given, cfg.PasswordPrompt
	// asks for one on the terminal: the transport calls it when a host
	// refuses every key.
	SSH func(cfg SSHConfig) (Transport, error)

	// Stdin, Stdout and Stderr default to the process's; Getenv to
	// os.Getenv.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string

	// firstRun is the arguments of a first run shown by -h (Main's
	// example file exists in this repository only; "" shows none).
	firstRun string
	// term answers terminal questions; tests replace it.
	term terminal
}

// ValidateConfig is what the command line tells validators.
type ValidateConfig struct {
	// Timeout bounds each network request of the validators that make
	// some (0: their default).
	Timeout time.Duration
	// Parallel bounds how many hosts are probed at once.
	Parallel int
}

// DebugConfig is what the command line tells debuggers.
type DebugConfig struct {
	// ArtifactsDir is where logs and reports are collected ("" for none).
	ArtifactsDir string
	// InstallPackages allows installing missing tools (sos, iperf).
	InstallPackages bool
	// AllowSideEffects allows tests that start programs on the hosts
	// (the iperf multicast test); they are stopped afterwards.
	AllowSideEffects bool
	// KeepUnredacted keeps collected archives as the hosts wrote them,
	// secrets included, next to their redacted copies.
	KeepUnredacted bool
}

// Main runs the calyptos command line with the built-in plugins and
// returns the process exit code. args excludes the program name. ctx
// should be cancelled on SIGINT and SIGTERM (signal.NotifyContext): the
// run then stops, connections are closed, the partial report is printed
// and Main returns ExitInterrupted (serve, whose normal end is a signal,
// shuts down and returns ExitOK).
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) string) int {
	p := &Program{Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: env,
		firstRun: "debug --local -e examples/localhost.yml"}
	return p.Run(ctx, args)
}

// command is one subcommand.
type command struct {
	name     string
	summary  string
	usage    string // after the program name
	about    string // paragraph under the usage line
	examples string
	// setup registers the command's flags into o.
	setup func(fs *flagSet, o *options)
	// checks lists the checks the command can run, for its help.
	checks func(p *Program) []string
	// exits are the exit codes the command can return, for its help.
	exits []exitCode
	// stopsOnSignal: SIGINT/SIGTERM is how the command is asked to stop
	// (serve), so a clean stop exits with the command's own code, not 130.
	stopsOnSignal bool
	run           func(ctx context.Context, p *Program, o *options, args []string) int
}

func (p *Program) commands() []*command {
	return []*command{validateCmd(), debugCmd(), checkCmd(), diffCmd(), serveCmd(), executeCmd(), rolesCmd(), versionCmd()}
}

func (p *Program) defaults() {
	if p.Name == "" {
		p.Name = "calyptos"
	}
	if p.Stdin == nil {
		p.Stdin = os.Stdin
	}
	if p.Stdout == nil {
		p.Stdout = os.Stdout
	}
	if p.Stderr == nil {
		p.Stderr = os.Stderr
	}
	if p.Getenv == nil {
		p.Getenv = os.Getenv
	}
	if p.Validators == nil {
		p.Validators = defaultValidators
	}
	if p.Debuggers == nil {
		p.Debuggers = defaultDebuggers
	}
	if p.SSH == nil {
		p.SSH = defaultSSH
	}
	if p.term == nil {
		p.term = realTerminal{}
	}
}

// Run runs the command line args (without the program name) and returns
// the exit code. See Main.
func (p *Program) Run(ctx context.Context, args []string) int {
	q := *p
	q.defaults()
	return q.run(ctx, args)
}

func (p *Program) run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		p.writeHelp(p.Stderr)
		return ExitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "-h", "-help", "--help", "help":
		if len(rest) > 0 {
			if c := p.lookup(rest[0]); c != nil {
				p.writeCommandHelp(p.Stdout, c)
				return ExitOK
			}
			return p.usageErr("", "unknown command %q", rest[0])
		}
		p.writeHelp(p.Stdout)
		return ExitOK
	case "-version", "--version", "-V":
		name = "version"
	}
	c := p.lookup(name)
	if c == nil {
		if strings.HasPrefix(name, "-") {
			return p.usageErr("", "flag %s must come after the command", name)
		}
		return p.usageErr("", "unknown command %q", name)
	}
	o := &options{redactor: redact.NewRedactor()}
	fs := newFlagSet(c.name)
	c.setup(fs, o)
	var help bool
	fs.boolVar(&help, "h,help", "show this help")
	pos, err := fs.parse(rest)
	switch {
	case errors.Is(err, flag.ErrHelp) || help:
		p.writeCommandHelp(p.Stdout, c)
		return ExitOK
	case err != nil:
		return p.usageErr(c.name, "%v", err)
	}
	o.fs = fs
	code := c.run(ctx, p, o, pos)
	if ctx.Err() != nil && code != ExitUsage && !(c.stopsOnSignal && code == ExitOK) {
		fmt.Fprintf(p.Stderr, "%s: interrupted\n", p.Name)
		return ExitInterrupted
	}
	return code
}

func (p *Program) lookup(name string) *command {
	for _, c := range p.commands() {
		if c.name == name {
			return c
		}
	}
	return nil
}

// usageErr prints a usage error and returns ExitUsage.
func (p *Program) usageErr(cmd, format string, args ...any) int {
	prefix := p.Name
	help := p.Name + " -h"
	if cmd != "" {
		prefix += " " + cmd
		help = p.Name + " " + cmd + " -h"
	}
	fmt.Fprintf(p.Stderr, "%s: %s\nRun '%s' for usage.\n", prefix, fmt.Sprintf(format, args...), help)
	return ExitUsage
}

// errorf prints an error that is not a usage error.
func (p *Program) errorf(format string, args ...any) {
	fmt.Fprintf(p.Stderr, "%s: %s\n", p.Name, fmt.Sprintf(format, args...))
}

func (p *Program) writeHelp(w io.Writer) {
	fmt.Fprintf(w, "%s checks a multi-host cloud deployment described by an environment file.\n\n", p.Name)
	fmt.Fprintf(w, "Usage:\n  %s COMMAND [flags] [arguments]\n\nCommands:\n", p.Name)
	for _, c := range p.commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun '%s COMMAND -h' for a command's flags and examples.\n\n", p.Name)
	if p.firstRun != "" {
		fmt.Fprintf(w, "A first run that needs no SSH setup (every role on this machine):\n  %s %s\n\n", p.Name, p.firstRun)
	}
	fmt.Fprint(w, exitHelp(programExits()))
}

func (p *Program) writeCommandHelp(w io.Writer, c *command) {
	fmt.Fprintf(w, "Usage:\n  %s %s\n\n", p.Name, c.usage)
	if c.about != "" {
		fmt.Fprintf(w, "%s\n\n", strings.TrimSpace(c.about))
	}
	o := &options{}
	fs := newFlagSet(c.name)
	c.setup(fs, o)
	var help bool
	fs.boolVar(&help, "h,help", "show this help")
	if c.checks != nil {
		fmt.Fprintf(w, "Checks, in run order (for --only and --skip):\n%s\n\n", wrapList(c.checks(p), "  ", 76))
	}
	fmt.Fprintln(w, "Flags:")
	fs.writeHelp(w)
	if c.examples != "" {
		fmt.Fprintf(w, "\nExamples:\n%s\n", strings.ReplaceAll(strings.TrimRight(c.examples, "\n"), "calyptos ", p.Name+" "))
	}
	fmt.Fprintf(w, "\n%s", exitHelp(c.exits))
}

func versionCmd() *command {
	return &command{
		name:     "version",
		summary:  "print the version of this program",
		usage:    "version",
		examples: "  calyptos version\n",
		setup:    func(*flagSet, *options) {},
		exits:    []exitCode{{ExitOK, "the version was printed"}, {ExitUsage, "usage error"}},
		run: func(_ context.Context, p *Program, _ *options, args []string) int {
			if len(args) > 0 {
				return p.usageErr("version", "unexpected argument %q", args[0])
			}
			fmt.Fprintf(p.Stdout, "%s %s (%s, %s/%s)\n", p.Name, version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return ExitOK
		},
	}
}

// version returns the module version and VCS revision the binary was
// built from, as far as the build recorded them.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev != "" && !strings.Contains(v, rev[:min(12, len(rev))]) {
		v += " " + rev[:min(12, len(rev))] + dirty
	}
	return v
}

// wrapList joins names with ", " into lines of at most width columns,
// each starting with indent.
func wrapList(names []string, indent string, width int) string {
	var b strings.Builder
	line := indent
	for i, n := range names {
		item := n
		if i < len(names)-1 {
			item += ","
		}
		if line != indent && len(line)+1+len(item) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if line != indent {
			line += " "
		}
		line += item
	}
	b.WriteString(line)
	return b.String()
}

// pluginNames returns the names of plugins, in order.
func pluginNames[T interface{ Name() string }](plugins []T) []string {
	out := make([]string, len(plugins))
	for i, pl := range plugins {
		out[i] = pl.Name()
	}
	return out
}

// unexpectedArg is the usage error of a positional argument where none is
// taken; a file given without -e gets a hint.
func (p *Program) unexpectedArg(cmd string, o *options, arg string) int {
	if o.envFile == "" && looksLikeEnvFile(arg) {
		return p.usageErr(cmd, "unexpected argument %q (did you mean -e %s?)", arg, arg)
	}
	return p.usageErr(cmd, "unexpected argument %q", arg)
}

// looksLikeEnvFile reports whether a positional argument is probably the
// environment file given without -e.
func looksLikeEnvFile(arg string) bool {
	if strings.HasSuffix(arg, ".yml") || strings.HasSuffix(arg, ".yaml") {
		return true
	}
	st, err := os.Stat(arg)
	return err == nil && st.Mode().IsRegular()
}
