package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/org/calyptos/baseline"

	"github.com/org/calyptos"
	"github.com/org/calyptos/report"
)

// gateOptions are the --baseline and --waivers flags of validate and
// debug, and what they loaded.
type gateOptions struct {
	baselineFile string
	waiversFile  string
	// baseline is set by loadGate when either flag was given.
	baseline *baseline.Baseline
}

func gateFlags(fs *flagSet, o *options) {
	fs.stringVar(&o.gate.baselineFile, "baseline", "REPORT.json", "compare with an earlier -o json report: findings are marked\nnew, still failing or fixed, and only new failures (and\nnew warnings with --strict) give exit code 1")
	fs.stringVar(&o.gate.waiversFile, "waivers", "FILE", "YAML file of accepted failures (id, hosts, reason, expires);\nan expired waiver fails the run")
}

// loadGate reads --baseline and --waivers for a cmd run over rb, and
// refuses a baseline of another kind of run or another deployment before
// anything runs.
func (p *Program) loadGate(cmd string, o *options, rb *calyptos.RoleBuilder) int {
	g := &o.gate
	if g.baselineFile == "" && g.waiversFile == "" {
		return ExitOK
	}
	b, err := readGate(cmd, o, rb)
	if err != nil {
		p.errorf("%v", err)
		return ExitUsage
	}
	g.baseline = b
	return ExitOK
}

// readGate reads --waivers and --baseline, refusing a baseline of another
// kind of run or another deployment.
func readGate(cmd string, o *options, rb *calyptos.RoleBuilder) (*baseline.Baseline, error) {
	g := &o.gate
	b := &baseline.Baseline{}
	if g.waiversFile != "" {
		ws, err := baseline.LoadWaivers(g.waiversFile)
		if err != nil {
			return nil, fmt.Errorf("--waivers: %w", unwrapPathError(err))
		}
		b.Waivers = ws
	}
	if g.baselineFile == "" {
		return b, nil
	}
	old, err := readReportFile(g.baselineFile)
	if err != nil {
		return nil, fmt.Errorf("--baseline: %w", err)
	}
	want := calyptos.Kind(cmd)
	if cmd == "serve" {
		want = old.Kind // serve runs debuggers, and validators too with --validate
	}
	if old.Kind != want {
		return nil, fmt.Errorf("--baseline: %s is a %s report, not a %s one", g.baselineFile, old.Kind, want)
	}
	if id := rb.Identity(); old.Environment != id {
		return nil, fmt.Errorf("--baseline: %s is a report of environment %q, not of %q (%s)", g.baselineFile, old.Environment, id, o.envFile)
	}
	b.Report = old
	return b, nil
}

// readReportFile reads a JSON report for comparison (report.ReadBaseline).
func readReportFile(name string) (*calyptos.Report, error) {
	f, err := os.Open(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s does not exist", name)
		}
		return nil, unwrapPathError(err)
	}
	defer f.Close()
	return report.ReadBaseline(f, name)
}

// failed reports whether rep fails the run: with a baseline or waivers,
// when it has a regression against them; otherwise when it has a failure
// (or a warning with --strict).
func (p *Program) failed(rep *calyptos.Report, o *options) bool {
	b := o.gate.baseline
	if b == nil {
		return !rep.Passed(o.strict) && !rep.Interrupted // an interrupted run exits ExitInterrupted
	}
	d, err := b.Compare(rep)
	if err != nil {
		p.errorf("--baseline: %v", err)
		return true
	}
	unused := p.warnUnusedWaivers(b, rep, o.strict)
	return d.Failed(o.strict) || (o.strict && unused > 0)
}

// warnUnusedWaivers names every waiver that matched no failure or warning
// of rep (a misspelt ID, a stale waiver: it hides nothing) and returns how
// many there were; with strict they fail the run.
func (p *Program) warnUnusedWaivers(b *baseline.Baseline, rep *calyptos.Report, strict bool) int {
	if rep == nil || rep.Interrupted {
		return 0 // the checks that did not run could have used them
	}
	unused := b.UnusedWaivers(rep)
	what := "warning"
	if strict {
		what = "error (--strict)"
	}
	for _, w := range unused {
		p.errorf("%s: waiver %s at %s matched no failure or warning of this run: remove it, or fix its id", what, w.String(), w.Pos)
	}
	return len(unused)
}
