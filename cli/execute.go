package cli

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/words"
	"github.com/org/calyptos/inventory"
	"github.com/org/calyptos/report"
)

// ExecResult is the JSON document of `calyptos execute -o json`.
type ExecResult struct {
	// SchemaVersion is ExecSchemaVersion.
	SchemaVersion int          `json:"schema_version"`
	Command       string       `json:"command"`
	Role          string       `json:"role"`
	Started       time.Time    `json:"started"`
	Seconds       float64      `json:"duration_seconds"`
	Interrupted   bool         `json:"interrupted,omitempty"`
	Hosts         []HostOutput `json:"hosts"`
	Totals        ExecTotals   `json:"totals"`
}

// ExecSchemaVersion is the version of the ExecResult document; it changes
// when a field changes meaning or goes away.
const ExecSchemaVersion = 1

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
		usage:   "execute (-e FILE | --inventory FILE) [-r PATTERN] [--local | SSH flags] [-o text|json|junit] COMMAND...",
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
  calyptos execute --inventory hosts.ini -r 'web:!web03' uptime
`,
		setup: func(fs *flagSet, o *options) {
			envFlag(fs, o)
			o.role = calyptos.RoleAll
			fs.stringVar(&o.role, "r,role", "PATTERN", "run on the hosts of this role, or of an Ansible host pattern\n(web:db, prod:&web, web:!web03, web*, ~web0[12]; default all)")
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
	command, rb, hosts, code := p.executeArgs(o, args)
	if code != ExitOK {
		return code
	}
	con := p.newConsole()
	s, err := p.openSink(o, con, "", len(hosts), "hosts")
	if err != nil {
		con.errorf("%v", err)
		return ExitUsage
	}
	tr, err := p.openTransport(ctx, o, rb, con)
	if err != nil {
		s.finishEmpty()
		if ctx.Err() != nil {
			return ExitInterrupted // Ctrl-C at a passphrase prompt
		}
		con.errorf("%v", err)
		return ExitUsage
	}
	defer tr.Close()

	o.redactor.Add(o.password, p.Getenv(passwordEnv))
	if src := rb.Source(); src != nil {
		o.redactor.Add(src.Secrets()...)
	}
	// The password typed at a prompt during the run is redacted too: the
	// prompt adds it to o.redactor.
	r := &execRenderer{con: con, hosts: hosts, redact: o.redactor.Redact, results: make([]HostOutput, len(hosts)), ran: make([]bool, len(hosts))}
	if !s.toStdout {
		r.color = report.ColorEnabled(p.Stdout, p.Getenv)
		r.stream = true
	}
	con.update(func(*progress) {}) // "[0/N hosts]" while the first host runs
	d := &execDebugger{command: command, hosts: hosts, parallel: o.parallel, r: r}
	rep, err := calyptos.RunDebuggers(ctx, rb, tr, []calyptos.Debugger{d}, execRunOptions(o, len(hosts)))
	if rep == nil {
		s.finishEmpty()
		con.errorf("%v", err)
		return ExitUsage
	}
	res := r.result(command, o.role, rep)
	if !p.finishExecute(s, con, r.stream, res, rep) {
		return ExitUsage
	}
	return p.executeExit(con, res, rep)
}

// executeArgs checks execute's arguments and loads the environment file:
// the command, the roles and the hosts to run it on.
func (p *Program) executeArgs(o *options, args []string) (string, *calyptos.RoleBuilder, []string, int) {
	if o.envFile == "" && o.inventoryFile == "" && len(args) > 1 && looksLikeEnvFile(args[0]) {
		return "", nil, nil, p.usageErr("execute", "-e/--environment FILE is required (did you mean -e %s?)", args[0])
	}
	command := strings.TrimSpace(strings.Join(args, " "))
	if command == "" {
		return "", nil, nil, p.usageErr("execute", "no command given")
	}
	if code := p.checkTransportFlags("execute", o); code != ExitOK {
		return "", nil, nil, code
	}
	rb, code := p.loadEnv("execute", o)
	if code != ExitOK {
		return "", nil, nil, code
	}
	hosts, err := roleHosts(rb, o.role)
	if err != nil {
		return "", nil, nil, p.usageErr("execute", "%v (in %s)", err, cmp.Or(o.envFile, o.inventoryFile))
	}
	return command, rb, hosts, ExitOK
}

// roleHosts returns the hosts of a role name, or of an Ansible host
// pattern, saying which roles have hosts when it selects none.
func roleHosts(rb *calyptos.RoleBuilder, pattern string) ([]string, error) {
	if !strings.ContainsAny(pattern, ":,!&*?~[") && !slices.Contains(rb.All(), pattern) {
		roles := strings.Join(nonEmptyRoles(rb), ", ")
		switch hs, err := rb.Lookup(pattern); {
		case err != nil || !slices.Contains(rb.RoleNames(), pattern):
			return nil, fmt.Errorf("unknown role %q (roles with hosts: %s)", pattern, roles)
		case len(hs) == 0:
			return nil, fmt.Errorf("role %q has no hosts (roles with hosts: %s)", pattern, roles)
		default:
			return hs, nil
		}
	}
	hosts, err := inventory.Select(rb, pattern)
	if err != nil {
		return nil, fmt.Errorf("-r: %w", err)
	}
	return hosts, nil
}

// execRunOptions are the runner's options for one command on n hosts: the
// check's bound leaves time for every round of --parallel hosts.
func execRunOptions(o *options, n int) calyptos.RunOptions {
	rounds := (n + o.parallel - 1) / o.parallel
	return calyptos.RunOptions{
		Parallel:       o.parallel,
		CommandTimeout: o.timeout,
		CheckTimeout:   time.Duration(rounds)*o.timeout + time.Minute,
		Redactor:       o.redactor,
	}
}

// finishExecute erases the progress line, ends the text stream with the
// summary and writes the document; false when some output failed.
func (p *Program) finishExecute(s *sink, con *console, streamed bool, res ExecResult, rep *calyptos.Report) bool {
	con.stopProgress()
	ok := true
	if streamed {
		writeExecSummary(con, res)
		if err := con.writeErr(); err != nil {
			con.errorf("writing the output: %v", err)
			ok = false
		}
	}
	if s.doc != nil {
		if err := writeExecDoc(s.doc, s.format, res, rep); err != nil {
			con.errorf("writing the report: %v", err)
			ok = false
		}
	}
	return s.close() && ok
}

// writeExecDoc writes execute's document in format.
func writeExecDoc(w io.Writer, format report.Format, res ExecResult, rep *calyptos.Report) error {
	bw := bufio.NewWriter(w)
	var err error
	switch format {
	case report.JSON:
		c1 := report.NewC1Escaper(bw)
		err = errors.Join(writeExecJSON(c1, res), c1.Flush())
	case report.JUnit:
		// The suites are named after the command that ran them.
		err = report.Write(bw, rep, report.JUnit, report.Options{Name: "execute"})
	default:
		for _, h := range res.Hosts {
			writeHostBlock(bw, h, false)
		}
		writeExecSummary(bw, res)
	}
	return errors.Join(err, bw.Flush())
}

// executeExit is the exit code of an execute run.
func (p *Program) executeExit(con *console, res ExecResult, rep *calyptos.Report) int {
	switch {
	case res.Interrupted:
		return ExitInterrupted
	case res.Totals.Unreachable == len(res.Hosts):
		if down := rep.Unreachable(); len(down) > 0 {
			con.errorf("no host could be reached (first error: %s)", down[0].Error)
		} else {
			con.errorf("no host could be reached")
		}
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
// redaction, and reports each host as a finding (for JUnit). Each host's
// answer goes to the renderer as it comes.
type execDebugger struct {
	command  string
	hosts    []string
	parallel int
	r        *execRenderer
}

func (d *execDebugger) Name() string { return "execute" }

func (d *execDebugger) Debug(ctx context.Context, c *calyptos.Check) {
	next := make(chan string)
	var wg sync.WaitGroup
	for range max(1, min(d.parallel, len(d.hosts))) {
		wg.Go(func() {
			for h := range next {
				if ctx.Err() != nil {
					continue // not run
				}
				start := time.Now()
				out, err := c.RunOnHost(ctx, d.command, h)
				d.r.hostDone(h, out, err, time.Since(start))
			}
		})
	}
feed:
	for _, h := range d.hosts {
		if ctx.Err() != nil {
			break
		}
		select {
		case next <- h:
		case <-ctx.Done():
			break feed // the hosts left are not run
		}
	}
	close(next)
	wg.Wait()
	for _, h := range d.r.outputs() {
		scope := c.OnHost(h.Host)
		switch {
		case h.Error != "":
			scope.Report(calyptos.Fail, "cannot run the command: "+h.Error, h.Stderr)
		case h.ExitCode != 0:
			scope.Report(calyptos.Fail, fmt.Sprintf("exit status %d", h.ExitCode), h.Stderr)
		default:
			scope.Report(calyptos.Pass, "exit status 0", "")
		}
	}
}

// execRenderer collects each host's output as the transport returns it,
// and streams it as a text block (when stream is set) with the progress.
type execRenderer struct {
	con    *console
	hosts  []string
	redact func(string) string
	stream bool
	color  bool

	mu      sync.Mutex // guards results and ran, and orders the blocks
	results []HostOutput
	ran     []bool
}

// hostDone records what the transport returned for host.
func (r *execRenderer) hostDone(host string, out calyptos.Output, err error, took time.Duration) {
	h := HostOutput{
		Host:      host,
		ExitCode:  out.ExitCode,
		Stdout:    r.redact(out.Stdout),
		Stderr:    r.redact(out.Stderr),
		Truncated: out.Truncated,
		Seconds:   took.Seconds(),
	}
	if err != nil {
		h.Error = r.redact(err.Error())
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	i := slices.Index(r.hosts, host)
	if i < 0 || r.ran[i] {
		return
	}
	r.results[i], r.ran[i] = h, true
	if r.stream {
		r.con.writeOut(func(w io.Writer) { writeHostBlock(w, h, r.color) })
	}
	r.con.update(func(pr *progress) {
		pr.done++
		if !h.OK() {
			pr.fail++
		}
	})
}

// outputs returns the outputs of the hosts that ran, in host order.
func (r *execRenderer) outputs() []HostOutput {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []HostOutput
	for i, h := range r.results {
		if r.ran[i] {
			out = append(out, h)
		}
	}
	return out
}

// result assembles the document once the run is over.
func (r *execRenderer) result(command, role string, rep *calyptos.Report) ExecResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	res := ExecResult{
		SchemaVersion: ExecSchemaVersion,
		Command:       r.redact(command),
		Role:          role,
		Started:       rep.Started,
		Seconds:       rep.Duration.Seconds(),
		Interrupted:   rep.Interrupted,
		Hosts:         make([]HostOutput, len(r.hosts)),
	}
	down := map[string]bool{}
	for _, h := range rep.Unreachable() {
		down[h.Host] = true
	}
	for i, h := range r.results {
		if !r.ran[i] {
			h = HostOutput{Host: r.hosts[i], ExitCode: -1, Error: "not run: the run ended first"}
		}
		h.Unreachable = r.ran[i] && h.Error != "" && down[h.Host]
		res.Hosts[i] = h
		switch {
		case !r.ran[i]:
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

// writeExecJSON writes res as encoding/json's MarshalIndent does with a
// two-space indent, one host at a time: the document of hosts that printed
// much is never held whole in memory.
func writeExecJSON(w io.Writer, res ExecResult) error {
	fields := []jsonField{
		{"schema_version", res.SchemaVersion, false}, {"command", res.Command, false},
		{"role", res.Role, false}, {"started", res.Started, false},
		{"duration_seconds", res.Seconds, false}, {"interrupted", res.Interrupted, !res.Interrupted},
		{"hosts", execHosts(res.Hosts), false}, {"totals", res.Totals, false},
	}
	if err := writeJSONObject(w, "", fields); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// jsonField is one member of an object writeJSONObject writes; omit
// leaves it out (omitempty).
type jsonField struct {
	key   string
	value any
	omit  bool
}

// rawJSON writes itself as a JSON value at an indent.
type rawJSON interface {
	writeJSON(w io.Writer, indent string) error
}

// writeJSONObject writes fields as the object MarshalIndent(v, indent,
// "  ") would write for a struct with those fields.
func writeJSONObject(w io.Writer, indent string, fields []jsonField) error {
	io.WriteString(w, "{")
	first := true
	for _, f := range fields {
		if f.omit {
			continue
		}
		if !first {
			io.WriteString(w, ",")
		}
		first = false
		key, _ := json.Marshal(f.key)
		fmt.Fprintf(w, "\n%s  %s: ", indent, key)
		if r, ok := f.value.(rawJSON); ok {
			if err := r.writeJSON(w, indent+"  "); err != nil {
				return err
			}
			continue
		}
		b, err := json.MarshalIndent(f.value, indent+"  ", "  ")
		if err != nil {
			return err
		}
		w.Write(b)
	}
	_, err := fmt.Fprintf(w, "\n%s}", indent)
	return err
}

// execHosts writes the hosts of an ExecResult one at a time.
type execHosts []HostOutput

func (hs execHosts) writeJSON(w io.Writer, indent string) error {
	if hs == nil {
		_, err := io.WriteString(w, "null")
		return err
	}
	io.WriteString(w, "[")
	for i, h := range hs {
		if i > 0 {
			io.WriteString(w, ",")
		}
		io.WriteString(w, "\n"+indent+"  ")
		if err := writeHostJSON(w, indent+"  ", h); err != nil {
			return err
		}
	}
	if len(hs) > 0 {
		io.WriteString(w, "\n"+indent)
	}
	_, err := io.WriteString(w, "]")
	return err
}

// hostText is a host's output, encoded in pieces by writeJSONString.
type hostText string

func (s hostText) writeJSON(w io.Writer, _ string) error { return writeJSONString(w, string(s)) }

// writeHostJSON writes h as MarshalIndent would at indent, its stdout and
// stderr encoded in pieces: a host's output, six times longer once
// escaped, is never encoded whole.
func writeHostJSON(w io.Writer, indent string, h HostOutput) error {
	return writeJSONObject(w, indent, []jsonField{
		{"host", h.Host, false}, {"exit_code", h.ExitCode, false},
		{"stdout", hostText(h.Stdout), false}, {"stderr", hostText(h.Stderr), false},
		{"truncated", h.Truncated, !h.Truncated}, {"error", h.Error, h.Error == ""},
		{"unreachable", h.Unreachable, !h.Unreachable}, {"duration_seconds", h.Seconds, false},
	})
}

// writeJSONString writes s as a JSON string, encoding it with
// encoding/json in pieces of whole characters.
func writeJSONString(w io.Writer, s string) error {
	io.WriteString(w, `"`)
	for s != "" {
		n := min(len(s), hostTextChunk)
		for n < len(s) && n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		if n == 0 {
			n = min(len(s), hostTextChunk)
		}
		b, err := json.Marshal(s[:n])
		if err != nil {
			return err
		}
		if _, err := w.Write(b[1 : len(b)-1]); err != nil {
			return err
		}
		s = s[n:]
	}
	_, err := io.WriteString(w, `"`)
	return err
}

const (
	ansiGreen = "\x1b[32m"
	ansiRed   = "\x1b[31m"
	ansiReset = "\x1b[0m"
)

// writeHostBlock writes one host's output under a header, every control
// character a host sent shown as \xNN (report.AppendTerminal), so that no
// host drives the reader's terminal. It writes piece by piece: what a host
// printed is never copied whole.
//
//	=== 192.0.2.10 (exit 0, 0.12s)
//	...stdout...
//	--- stderr
//	...stderr...
func writeHostBlock(w io.Writer, h HostOutput, color bool) {
	bw := bufio.NewWriter(w)
	status := fmt.Sprintf("exit %d, %.2fs", h.ExitCode, h.Seconds)
	if h.Error != "" {
		status = h.Error
	}
	var head []byte
	switch {
	case color && h.OK():
		head = append(head, ansiGreen...)
	case color:
		head = append(head, ansiRed...)
	}
	head = report.AppendTerminal(append(head, "=== "...), fmt.Sprintf("%s (%s)", h.Host, status))
	if color {
		head = append(head, ansiReset...)
	}
	bw.Write(append(head, '\n'))
	writeHostText(bw, h.Stdout)
	if h.Stderr != "" {
		bw.WriteString("--- stderr\n")
		writeHostText(bw, h.Stderr)
	}
	if h.Truncated {
		bw.WriteString("--- output truncated\n")
	}
	bw.Flush()
}

// writeHostText writes a host's text line by line, escaped, in pieces of
// at most hostTextChunk bytes; a line's CRLF end is a line end, any other
// CR is shown.
func writeHostText(w *bufio.Writer, s string) {
	var buf []byte
	for line := range strings.Lines(s) {
		line = strings.TrimSuffix(line, "\n")
		line = strings.TrimSuffix(line, "\r")
		for line != "" {
			n := min(len(line), hostTextChunk)
			for n < len(line) && n > 0 && !utf8.RuneStart(line[n]) {
				n-- // whole characters only
			}
			if n == 0 {
				n = min(len(line), hostTextChunk)
			}
			buf = report.AppendTerminal(buf[:0], line[:n])
			w.Write(buf)
			line = line[n:]
		}
		w.WriteByte('\n')
	}
}

// hostTextChunk bounds the piece of host text escaped at once.
const hostTextChunk = 32 << 10

func writeExecSummary(w io.Writer, r ExecResult) {
	notRun := ""
	if r.Totals.NotRun > 0 {
		notRun = fmt.Sprintf(", %d not run", r.Totals.NotRun)
	}
	msg := fmt.Sprintf("%s: %d ok, %d failed, %d unreachable%s (%.2fs)\n", words.Count(len(r.Hosts), "host", "hosts"),
		r.Totals.OK, r.Totals.Failed, r.Totals.Unreachable, notRun, r.Seconds)
	if r.Interrupted {
		msg += "Run interrupted: not every host finished.\n"
	}
	io.WriteString(w, msg)
}
