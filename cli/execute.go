package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/report"
)

// ExecResult is the JSON document of `calyptos execute -o json`.
type ExecResult struct {
	Command     string       `json:"command"`
	Role        string       `json:"role"`
	Started     time.Time    `json:"started"`
	Seconds     float64      `json:"duration_seconds"`
	Interrupted bool         `json:"interrupted,omitempty"`
	Hosts       []HostOutput `json:"hosts"`
	Totals      ExecTotals   `json:"totals"`
}

// HostOutput is what the command did on one host. Output is redacted: the
// secrets of the environment file and the SSH password never appear.
type HostOutput struct {
	Host      string `json:"host"`
	ExitCode  int    `json:"exit_code"`
	Stdout    string `json:"stdout"`
	Stderr    string `json:"stderr"`
	Truncated bool   `json:"truncated,omitempty"`
	// Error is set when the command's result is unknown: the host could
	// not be reached, the command's time limit passed, or the run was
	// interrupted before or while it ran.
	Error string `json:"error,omitempty"`
	// Unreachable is set when Error is a transport failure (connection,
	// host key or authentication): the command never started.
	Unreachable bool `json:"unreachable,omitempty"`
	// Seconds is how long the host took to answer.
	Seconds float64 `json:"duration_seconds"`
}

// OK reports whether the command ran and exited 0.
func (h HostOutput) OK() bool { return h.Error == "" && h.ExitCode == 0 }

// ExecTotals counts the hosts by outcome.
type ExecTotals struct {
	OK          int `json:"ok"`
	Failed      int `json:"failed"`
	Unreachable int `json:"unreachable"`
	// NotRun counts the hosts the command was never started on because
	// the run was interrupted first.
	NotRun int `json:"not_run,omitempty"`
}

func executeCmd() *command {
	return &command{
		name:    "execute",
		summary: "run a shell command on every host of a role",
		usage:   "execute -e FILE [-r ROLE] [--local | SSH flags] [-o text|json|junit] COMMAND...",
		about: `Runs COMMAND with /bin/sh -c on every host of the role (default all), at
most --parallel hosts at once, and prints each host's output grouped under
its name as it finishes. Several arguments are joined with spaces, as ssh
does; quote the command or put it after "--". The exit code is 1 when the
command failed (non-zero exit, time limit, unreachable) on any host.
'calyptos roles -e FILE' lists the roles.`,
		examples: `  calyptos execute -e environment.yml 'uptime'
  calyptos execute -e environment.yml -r node-controller -- systemctl is-active eucalyptus-node
  calyptos execute -e environment.yml -r clc -o json 'df -h /var/lib/eucalyptus'
  calyptos execute --local -e examples/localhost.yml 'hostname; id -un'
`,
		setup: func(fs *flagSet, o *options) {
			envFlag(fs, o)
			o.role = calyptos.RoleAll
			fs.stringVar(&o.role, "r,role", "ROLE", "run on the hosts of this role (default all)")
			outputFlags(fs, o, report.Text, report.JSON, report.JUnit)
			transportFlags(fs, o, calyptos.DefaultCommandTimeout)
		},
		exits: []exitCode{
			{ExitOK, "the command exited 0 on every host"},
			{ExitFailed, "the command failed on some host (non-zero exit, time limit, unreachable)"},
			{ExitUsage, exitUsageMeaning},
			{ExitTransport, exitTransportMeaning},
			{ExitInterrupted, "interrupted (Ctrl-C / SIGTERM): the hosts that finished are printed"},
		},
		run: runExecute,
	}
}

func runExecute(ctx context.Context, p *Program, o *options, args []string) int {
	if o.envFile == "" && len(args) > 1 && looksLikeEnvFile(args[0]) {
		return p.usageErr("execute", "-e/--environment FILE is required (did you mean -e %s?)", args[0])
	}
	command := strings.TrimSpace(strings.Join(args, " "))
	if command == "" {
		return p.usageErr("execute", "no command given")
	}
	if code := p.checkTransportFlags("execute", o); code != ExitOK {
		return code
	}
	rb, code := p.loadEnv("execute", o)
	if code != ExitOK {
		return code
	}
	if !slices.Contains(rb.RoleNames(), o.role) {
		return p.usageErr("execute", "unknown role %q (roles with hosts: %s)", o.role, strings.Join(nonEmptyRoles(rb), ", "))
	}
	hosts := rb.Hosts(o.role)
	if len(hosts) == 0 {
		return p.usageErr("execute", "role %q has no hosts in %s (roles with hosts: %s)", o.role, o.envFile, strings.Join(nonEmptyRoles(rb), ", "))
	}

	s, err := p.openSink(o, "", len(hosts), "hosts")
	if err != nil {
		p.errorf("%v", err)
		return ExitUsage
	}
	tr, err := p.openTransport(ctx, o, rb, func() *progress { return s.prog })
	if err != nil {
		s.finishEmpty()
		if ctx.Err() != nil {
			return ExitInterrupted // Ctrl-C at a passphrase prompt
		}
		p.errorf("%v", err)
		return ExitUsage
	}
	defer tr.Close()

	o.redactor.Add(o.password, p.Getenv(passwordEnv))
	if env := rb.Environment(); env != nil {
		o.redactor.Add(env.Secrets()...)
	}
	var stream io.Writer
	streamErr := &stickyWriter{w: p.Stdout}
	if !s.toStdout {
		stream = pausingWriter{w: streamErr, prog: s.prog, prompting: &o.prompting}
	}
	color := stream != nil && report.ColorEnabled(p.Stdout, p.Getenv)
	d := &execDebugger{
		command:  command,
		hosts:    hosts,
		parallel: o.parallel,
		// The password typed at a prompt during the run is redacted too:
		// the prompt adds it to o.redactor.
		redact:  o.redactor.Redact,
		results: make([]HostOutput, len(hosts)),
		ran:     make([]bool, len(hosts)),
	}
	d.onDone = func(i int) {
		if stream != nil {
			writeHostBlock(stream, d.results[i], color)
		}
		if s.prog != nil {
			s.prog.update(func(pr *progress) {
				pr.done++
				if !d.results[i].OK() {
					pr.fail++
				}
			})
		}
	}
	if s.prog != nil {
		s.prog.update(func(*progress) {}) // "[0/N hosts]" while the first host runs
	}
	rounds := (len(hosts) + o.parallel - 1) / o.parallel
	opts := calyptos.RunOptions{
		Parallel:       o.parallel,
		CommandTimeout: o.timeout,
		CheckTimeout:   time.Duration(rounds)*o.timeout + time.Minute,
		Redactor:       o.redactor,
	}
	rep, err := calyptos.RunDebuggers(ctx, rb, tr, []calyptos.Debugger{d}, opts)
	if rep == nil {
		s.finishEmpty()
		p.errorf("%v", err)
		return ExitUsage
	}
	res := d.result(o.role, rep)
	if s.prog != nil {
		s.prog.close()
	}
	ok := true
	if stream != nil {
		writeExecSummary(stream, res)
		if err := streamErr.failed(); err != nil {
			p.errorf("writing the output: %v", err)
			ok = false
		}
	}
	if s.doc != nil {
		var werr error
		switch s.format {
		case report.JSON:
			enc := json.NewEncoder(s.doc)
			enc.SetIndent("", "  ")
			werr = enc.Encode(res)
		case report.JUnit:
			// The runner's report says "debug": the suites are named
			// after the command that ran them.
			rep.Kind = calyptos.Kind("execute")
			werr = report.Write(s.doc, rep, report.JUnit, report.Options{})
		default:
			for _, h := range res.Hosts {
				writeHostBlock(s.doc, h, false)
			}
			writeExecSummary(s.doc, res)
		}
		if werr != nil {
			p.errorf("writing the report: %v", werr)
			ok = false
		}
	}
	if !s.close() || !ok {
		return ExitUsage
	}
	switch {
	case res.Interrupted:
		return ExitInterrupted
	case res.Totals.Unreachable == len(res.Hosts):
		p.errorf("no host could be reached")
		return ExitTransport
	case res.Totals.OK < len(res.Hosts):
		return ExitFailed
	}
	return ExitOK
}

func nonEmptyRoles(rb *calyptos.RoleBuilder) []string {
	var out []string
	for _, r := range rb.RoleNames() {
		if len(rb.Hosts(r)) > 0 {
			out = append(out, r)
		}
	}
	return out
}

// execDebugger runs one command on a role's hosts through the runner, so
// that execute gets its time limits, unreachable-host handling and
// redaction, and reports each host as a finding (for JUnit).
type execDebugger struct {
	command  string
	hosts    []string
	parallel int
	redact   func(string) string
	onDone   func(i int)

	mu      sync.Mutex // serialises onDone and guards results/ran
	results []HostOutput
	ran     []bool
}

func (d *execDebugger) Name() string { return "execute" }

func (d *execDebugger) Debug(ctx context.Context, c *calyptos.Check) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(d.parallel, len(d.hosts)) {
		wg.Go(func() {
			for i := range next {
				d.runOne(ctx, c, i)
			}
		})
	}
feed:
	for i := range d.hosts {
		if ctx.Err() != nil {
			break // interrupted: start nothing more
		}
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
}

func (d *execDebugger) runOne(ctx context.Context, c *calyptos.Check, i int) {
	host := d.hosts[i]
	start := time.Now()
	out, err := c.RunOnHost(ctx, d.command, host)
	h := HostOutput{
		Host:      host,
		ExitCode:  out.ExitCode,
		Stdout:    d.redact(out.Stdout),
		Stderr:    d.redact(out.Stderr),
		Truncated: out.Truncated,
		Seconds:   time.Since(start).Seconds(),
	}
	scope := c.OnHost(host)
	switch {
	case err != nil:
		h.Error = d.redact(err.Error())
		h.Unreachable = errors.Is(err, calyptos.ErrTransport) || errors.Is(err, calyptos.ErrHostDown)
		scope.Report(calyptos.Fail, "cannot run the command: "+h.Error, h.Stderr)
	case out.ExitCode != 0:
		scope.Report(calyptos.Fail, fmt.Sprintf("exit status %d", out.ExitCode), h.Stderr)
	default:
		scope.Report(calyptos.Pass, "exit status 0", "")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.results[i] = h
	d.ran[i] = true
	if d.onDone != nil {
		d.onDone(i)
	}
}

// result assembles the JSON document once the run is over.
func (d *execDebugger) result(role string, rep *calyptos.Report) ExecResult {
	d.mu.Lock()
	defer d.mu.Unlock()
	res := ExecResult{
		Command:     d.redact(d.command),
		Role:        role,
		Started:     rep.Started,
		Seconds:     rep.Duration.Seconds(),
		Interrupted: rep.Interrupted,
		Hosts:       make([]HostOutput, len(d.hosts)),
	}
	for i, h := range d.results {
		if !d.ran[i] {
			h = HostOutput{Host: d.hosts[i], ExitCode: -1, Error: "not run: the run ended first"}
		}
		res.Hosts[i] = h
		switch {
		case !d.ran[i]:
			res.Totals.NotRun++
		case h.OK():
			res.Totals.OK++
		case h.Unreachable:
			res.Totals.Unreachable++
		default:
			res.Totals.Failed++
		}
	}
	return res
}

const (
	ansiGreen = "\x1b[32m"
	ansiRed   = "\x1b[31m"
	ansiReset = "\x1b[0m"
)

// writeHostBlock writes one host's output under a header:
//
//	=== 192.0.2.10 (exit 0, 0.12s)
//	...stdout...
//	--- stderr
//	...stderr...
func writeHostBlock(w io.Writer, h HostOutput, color bool) {
	var b strings.Builder
	status := fmt.Sprintf("exit %d, %.2fs", h.ExitCode, h.Seconds)
	if h.Error != "" {
		status = h.Error
	}
	head := fmt.Sprintf("=== %s (%s)", h.Host, status)
	if color {
		c := ansiGreen
		if !h.OK() {
			c = ansiRed
		}
		head = c + head + ansiReset
	}
	b.WriteString(head + "\n")
	writeText(&b, h.Stdout)
	if h.Stderr != "" {
		b.WriteString("--- stderr\n")
		writeText(&b, h.Stderr)
	}
	if h.Truncated {
		b.WriteString("--- output truncated\n")
	}
	io.WriteString(w, b.String())
}

func writeText(b *strings.Builder, s string) {
	if s == "" {
		return
	}
	b.WriteString(s)
	if !strings.HasSuffix(s, "\n") {
		b.WriteString("\n")
	}
}

// stickyWriter remembers the first write error, after which it writes
// nothing more: the host blocks are written as hosts finish, and whether
// they all reached stdout is known at the end.
type stickyWriter struct {
	w   io.Writer
	mu  sync.Mutex
	err error
}

func (s *stickyWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.w.Write(b)
	s.err = err
	return n, err
}

func (s *stickyWriter) failed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func writeExecSummary(w io.Writer, r ExecResult) {
	notRun := ""
	if r.Totals.NotRun > 0 {
		notRun = fmt.Sprintf(", %d not run", r.Totals.NotRun)
	}
	msg := fmt.Sprintf("%d %s: %d ok, %d failed, %d unreachable%s (%.2fs)\n", len(r.Hosts), plural(len(r.Hosts), "host", "hosts"),
		r.Totals.OK, r.Totals.Failed, r.Totals.Unreachable, notRun, r.Seconds)
	if r.Interrupted {
		msg += "Run interrupted: not every host finished.\n"
	}
	io.WriteString(w, msg)
}
