package cli

import (
	"context"

	"github.com/org/calyptos"
	"github.com/org/calyptos/baseline"
	"github.com/org/calyptos/internal/words"

	"github.com/org/calyptos/report"
)

func diffCmd() *command {
	return &command{
		name:    "diff",
		summary: "compare two saved JSON reports: what is new, still failing, fixed",
		usage:   "diff OLD.json NEW.json [--waivers FILE] [--strict] [-o text|json]",
		about: `Compares two reports written with -o json by validate or debug of the same
environment: each finding of NEW is new, still failing, fixed or
unchanged, by its ID and host. Exits 1 when NEW has a regression: a new
failure (with --strict, a new warning too) that no waiver accepts, or a
failure whose waiver has expired. Reports of different environments,
kinds of run or incompatible schema versions are refused.`,
		examples: `  calyptos debug -e environment.yml -o json --out before.json
  # ... change the cloud ...
  calyptos debug -e environment.yml -o json --out after.json
  calyptos diff before.json after.json
  calyptos diff before.json after.json -o json | jq '.changes[] | select(.class == "new")'
`,
		setup: func(fs *flagSet, o *options) {
			outputFlags(fs, o, report.Text, report.JSON)
			fs.stringVar(&o.gate.waiversFile, "waivers", "FILE", "YAML file of accepted failures (id, hosts, reason, expires)")
			fs.boolVar(&o.strict, "strict", "count new warnings as regressions")
			fs.boolVar(&o.verbose, "v,verbose", "list unchanged findings too")
			fs.boolVar(&o.allowPartial, "allow-partial", "accept a NEW report with no checks, or of an interrupted run\n(refused otherwise: it says nothing of what did not run)")
		},
		exits: []exitCode{
			{ExitOK, "NEW has no regression against OLD"},
			{ExitFailed, "NEW has a regression: a new failure no waiver accepts, or an expired waiver"},
			{ExitUsage, "usage error, or a report that cannot be read or compared, or a NEW\nreport with no checks or of an interrupted run (see --allow-partial)"},
		},
		run: runDiff,
	}
}

func runDiff(_ context.Context, p *Program, o *options, args []string) int {
	if len(args) != 2 {
		return p.usageErr("diff", "want two reports, OLD.json and NEW.json; got %s", words.Count(len(args), "argument", "arguments"))
	}
	old, err := readReportFile(args[0])
	if err != nil {
		p.errorf("%v", err)
		return ExitUsage
	}
	cur, err := readReportFile(args[1])
	if err != nil {
		p.errorf("%v", err)
		return ExitUsage
	}
	if why := partial(cur); why != "" && !o.allowPartial {
		p.errorf("%s %s: it says nothing of what did not run, so it cannot pass (--allow-partial accepts it)", args[1], why)
		return ExitUsage
	}
	b := &baseline.Baseline{Report: old}
	if o.gate.waiversFile != "" {
		if b.Waivers, err = baseline.LoadWaivers(o.gate.waiversFile); err != nil {
			p.errorf("--waivers: %v", unwrapPathError(err))
			return ExitUsage
		}
	}
	d, err := b.Compare(cur)
	if err != nil {
		p.errorf("%s and %s: %v", args[0], args[1], err)
		return ExitUsage
	}
	s, err := p.openSink(o, p.newConsole(), "", 0, "")
	if err != nil {
		p.errorf("%v", err)
		return ExitUsage
	}
	w := p.Stdout
	if s.file != nil {
		w = s.file
	}
	opts := report.Options{Color: s.file == nil && report.ColorEnabled(p.Stdout, p.Getenv), Verbose: o.verbose, Strict: o.strict}
	if err := report.WriteDiff(w, d, o.format, opts); err != nil {
		p.errorf("writing the diff: %v", err)
		s.close()
		return ExitUsage
	}
	if !s.close() {
		return ExitUsage
	}
	if cur.Interrupted { // accepted with --allow-partial
		p.errorf("%s: the run was interrupted: failures of the checks that did not run are not counted as fixed", args[1])
	}
	for _, wv := range b.ExpiredWaivers() {
		p.errorf("%s: waiver for %s EXPIRED after %s (%s): renew or remove it", wv.Pos, wv.ID, wv.Day(), wv.Reason)
	}
	unused := p.warnUnusedWaivers(b, cur, o.strict)
	if d.Failed(o.strict) || (o.strict && unused > 0) {
		return ExitFailed
	}
	return ExitOK
}

// partial says why a report cannot stand for a whole run: it has no
// checks, or its run was interrupted.
func partial(rep *calyptos.Report) string {
	switch {
	case len(rep.Checks) == 0:
		return "has no checks"
	case rep.Interrupted:
		return "is of an interrupted run"
	}
	return ""
}
