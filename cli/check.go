package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/checks"
	"github.com/org/calyptos/internal/words"
	"github.com/org/calyptos/report"
)

// localHost is the host every role of a checks file holds under --local
// without an environment file.
const localHost = "localhost"

func checkCmd() *command {
	var file string
	return &command{
		name:    "check",
		summary: "run a declarative checks file (goss-style resources per role, reachability between roles)",
		usage:   "check -f CHECKS.yml (--inventory FILE | -e FILE | --local) [--limit PATTERN] [SSH flags] [--only NAMES | --skip NAMES] [-o text|json|junit|html] [--out FILE]",
		about: `Checks every host of each role of the checks file against its resources
(port, service, package, file, command, kernel-param, mount, process, user,
group, http, disk, memory, clock: goss's names and meanings), with one SSH
session per host for all of them, and tests its reach edges (TCP from the
hosts of one role to those of another) from the hosts, in that same
session. The roles are the Ansible inventory's groups (--inventory) or the
environment file's; with --local and neither, every role of the checks file
is this machine. The file
is checked before anything connects: every problem is reported with its
file:line:col. The reference is docs/checks.md. Checks, for --only and
--skip: checks:<role> for each role of the file, and checks for the edges.`,
		examples: `  calyptos check -f examples/fleet/checks.yml --inventory examples/fleet/hosts.ini
  calyptos check -f checks.yml --local                  # this machine plays every role
  calyptos check -f checks.yml -e environment.yml -u root -i ~/.ssh/fleet_ed25519
  calyptos check -f checks.yml -e environment.yml --only checks:web -o json
  calyptos check -f checks.yml -e environment.yml -o junit --out checks.xml
  calyptos check -f checks.yml -e environment.yml --baseline last.json --waivers waivers.yml
`,
		exits: checkExits(true),
		setup: func(fs *flagSet, o *options) {
			fs.stringVar(&file, "f,file", "CHECKS.yml", "the checks file (required; see docs/checks.md)")
			envFlag(fs, o)
			limitFlag(fs, o)
			selectFlags(fs, o)
			outputFlags(fs, o, report.Text, report.JSON, report.JUnit, report.HTML)
			gateFlags(fs, o)
			transportFlags(fs, o, calyptos.DefaultCommandTimeout)
		},
		run: func(ctx context.Context, p *Program, o *options, args []string) int {
			return p.runCheck(ctx, o, file, args)
		},
	}
}

// runCheck runs a checks file.
func (p *Program) runCheck(ctx context.Context, o *options, file string, args []string) int {
	if len(args) > 0 {
		return p.unexpectedArg("check", o, args[0])
	}
	if code := p.checkTransportFlags("check", o); code != ExitOK {
		return code
	}
	if file == "" {
		return p.usageErr("check", "-f/--file CHECKS.yml is required")
	}
	if sameFile(o.outFile, file) {
		return p.usageErr("check", "--out: %s is the checks file: writing the report there would destroy it", o.outFile)
	}
	f, code := p.loadChecks(file)
	if code != ExitOK {
		return code
	}
	rb, code := p.checkRoles(o, f)
	if code != ExitOK {
		return code
	}
	if code := p.validateChecks(f, rb); code != ExitOK {
		return code
	}
	ds := f.Debuggers(checks.Addresses(inventoryAddress(o.inv)))
	if _, code := p.selectChecks("check", pluginNames(ds), o); code != ExitOK {
		return code
	}
	o.redactor.Add(f.Secrets()...)
	con := p.newConsole()
	tr, err := p.openTransport(ctx, o, rb, con)
	if err != nil {
		if ctx.Err() != nil {
			return ExitInterrupted
		}
		p.errorf("%v", err)
		return ExitUsage
	}
	defer tr.Close()
	return p.runChecks(ctx, "check", o, con, calyptos.KindDebug, pluginNames(ds),
		func(ctx context.Context, opts calyptos.RunOptions) (*calyptos.Report, error) {
			return calyptos.RunDebuggers(ctx, rb, tr, ds, opts)
		})
}

// checkRoles returns the roles a checks file is run against: the
// inventory's or the environment file's, or with --local and neither,
// each role of the file held by this machine. A --baseline must be a
// report of the same kind (a check run is a debug run) and deployment.
func (p *Program) checkRoles(o *options, f *checks.File) (*calyptos.RoleBuilder, int) {
	var rb *calyptos.RoleBuilder
	switch {
	case o.envFile != "" || o.inventoryFile != "":
		// loadEnv checks --baseline against the command's name; a check
		// report is a debug report, checked below.
		gate := o.gate
		o.gate = gateOptions{}
		var code int
		rb, code = p.loadEnv("check", o)
		o.gate = gate
		if code != ExitOK {
			return nil, code
		}
	case o.local:
		roles := map[string][]string{}
		for _, r := range f.Roles() {
			if r != calyptos.RoleAll {
				roles[r] = []string{localHost}
			}
		}
		if len(roles) == 0 {
			roles[localHost] = []string{localHost}
		}
		rb = calyptos.NewRoleBuilder(roles)
	default:
		return nil, p.usageErr("check", "--inventory FILE or -e/--environment FILE is required (or --local, to check this machine)")
	}
	return rb, p.loadGate(string(calyptos.KindDebug), o, rb)
}

// loadChecks reads a checks file. On failure it prints why (every problem
// as file:line:col: message) and returns ExitUsage.
func (p *Program) loadChecks(file string) (*checks.File, int) {
	f, err := checks.Load(file)
	switch {
	case err == nil:
		return f, ExitOK
	case errors.Is(err, fs.ErrNotExist):
		p.errorf("checks file %s does not exist", file)
	case errors.Is(err, checks.ErrInvalid):
		p.printProblems(file, err)
	default:
		p.errorf("cannot read checks file: %v", unwrapPathError(err))
	}
	return nil, ExitUsage
}

// validateChecks checks that every role the file names is one of rb's.
func (p *Program) validateChecks(f *checks.File, rb *calyptos.RoleBuilder) int {
	if err := f.Validate(rb); err != nil {
		p.printProblems(f.Name(), err)
		return ExitUsage
	}
	return ExitOK
}

// printProblems prints a file's problems, one per line, and how many.
func (p *Program) printProblems(file string, err error) {
	n := 1
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		n = len(j.Unwrap())
	}
	fmt.Fprintln(p.Stderr, strings.TrimSpace(err.Error()))
	p.errorf("%s: %s; nothing was run", file, words.Count(n, "problem", "problems"))
}
