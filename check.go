package calyptos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/org/calyptos/executor"
	"github.com/org/calyptos/internal/safefile"
	"github.com/org/calyptos/redact"
)

// Errors a check's executor helpers can return, checkable with errors.Is.
var (
	// ErrNoExecutor: a validation run has no transport.
	ErrNoExecutor = errors.New("no executor: validators cannot run remote commands")
	// ErrHostDown wraps the first transport error of a host; later calls
	// to it in the run fail at once with it.
	ErrHostDown = errors.New("host unreachable")
	// ErrUnsafePath: a file name would escape the artifacts directory.
	ErrUnsafePath = errors.New("unsafe path")
	// ErrNoArtifactsDir: the run has no artifacts directory.
	ErrNoArtifactsDir = errors.New("no artifacts directory configured")
)

// maxEvidence bounds the evidence kept per finding so that one noisy command
// cannot bloat a report.
const maxEvidence = 4 << 10

// maxMessage bounds a finding's message: checks format host output into
// messages, and a hostile host's output must not grow a report unbounded.
const maxMessage = 4 << 10

// Scope reports findings about one host, or about the whole deployment when
// its host is empty. Check embeds the deployment-wide Scope, so c.Success
// and c.OnHost(h).Success are the two forms of every reporting method.
type Scope struct {
	c    *Check
	host string
	pos  Position
	// key, hint and ref are set by Key, Hint and Ref (identity.go).
	key, hint, ref string
}

// Host returns the host findings are reported for ("" for deployment-wide).
func (s Scope) Host() string { return s.host }

// At returns a Scope whose findings are about pos, a place in an input
// file: c.OnHost(h).At(pos).Failuref(...).
func (s Scope) At(pos Position) Scope {
	s.pos = pos
	return s
}

// Success reports a passing finding.
func (s Scope) Success(msg string) { s.c.report(s, Pass, msg, "", msg) }

// Successf reports a passing finding with a formatted message.
func (s Scope) Successf(format string, args ...any) {
	s.c.report(s, Pass, fmt.Sprintf(format, args...), "", format)
}

// Failure reports a failing finding.
func (s Scope) Failure(msg string) { s.c.report(s, Fail, msg, "", msg) }

// Failuref reports a failing finding with a formatted message.
func (s Scope) Failuref(format string, args ...any) {
	s.c.report(s, Fail, fmt.Sprintf(format, args...), "", format)
}

// Warning reports a warning.
func (s Scope) Warning(msg string) { s.c.report(s, Warn, msg, "", msg) }

// Warningf reports a warning with a formatted message.
func (s Scope) Warningf(format string, args ...any) {
	s.c.report(s, Warn, fmt.Sprintf(format, args...), "", format)
}

// Info reports context for a human reader; it is not a result.
func (s Scope) Info(msg string) { s.c.report(s, Info, msg, "", msg) }

// Infof reports an informational finding with a formatted message.
func (s Scope) Infof(format string, args ...any) {
	s.c.report(s, Info, fmt.Sprintf(format, args...), "", format)
}

// Skipped reports that something did not apply, with the reason.
func (s Scope) Skipped(reason string) { s.c.report(s, Skip, reason, "", reason) }

// Report reports a finding with evidence (the output line that decided
// it, say), redacted and capped.
func (s Scope) Report(status Status, msg, evidence string) {
	s.c.report(s, status, msg, evidence, msg)
}

// Check is a plugin's *testing.T: roles, reporting, and for debuggers
// commands through the Executor. It is safe for concurrent use.
type Check struct {
	Scope
	name string
	run  *runState

	mu       sync.Mutex
	closed   bool
	result   *CheckResult
	reported map[string]bool // hosts already reported unreachable by this check
	// blocks hold the findings until the check ends (close): a check that
	// reports 40,000 findings does not copy them all each time one slice
	// would grow.
	blocks [][]Finding
}

// addFinding keeps f in the last block, starting a larger one when it is
// full. The caller holds c.mu.
func (c *Check) addFinding(f Finding) {
	n := len(c.blocks)
	if n == 0 || len(c.blocks[n-1]) == cap(c.blocks[n-1]) {
		c.blocks = append(c.blocks, make([]Finding, 0, min(4096, 16<<n)))
		n++
	}
	c.blocks[n-1] = append(c.blocks[n-1], f)
}

// close ends the check: later findings belong to no report, and its
// findings are joined into its result. The caller holds c.mu.
func (c *Check) close() *CheckResult {
	c.closed = true
	total := 0
	for _, b := range c.blocks {
		total += len(b)
	}
	c.result.Findings = make([]Finding, 0, total)
	for _, b := range c.blocks {
		c.result.Findings = append(c.result.Findings, b...)
	}
	c.blocks = nil
	return c.result
}

// Name returns the name of the running plugin.
func (c *Check) Name() string { return c.name }

// Roles returns the deployment's roles.
func (c *Check) Roles() *RoleBuilder { return c.run.roles }

// OnHost returns a Scope that reports findings about host.
func (c *Check) OnHost(host string) Scope { return Scope{c: c, host: host} }

// ArtifactsDir returns the run's artifacts directory, or "".
func (c *Check) ArtifactsDir() string { return c.run.opts.ArtifactsDir }

// RecordProbe adds p (redacted) to the run's reachability matrix.
func (c *Check) RecordProbe(p Probe) {
	p.Label, p.Detail = c.run.redact(p.Label), c.run.redact(p.Detail)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.result.Probes = append(c.result.Probes, p)
	}
}

// report records a finding of scope s; keySource is the format string or
// message its default key is derived from.
func (c *Check) report(s Scope, st Status, msg, evidence, keySource string) {
	f := Finding{
		Check:   c.name,
		Host:    s.host,
		Pos:     s.pos,
		Status:  st,
		Message: capMessage(c.run.redact(msg)),
		// Redacted before it is cut, so that a secret straddling the cut
		// leaves nothing of itself.
		Evidence: capText(c.run.redact(evidence), maxEvidence),
	}
	c.identify(&f, s, keySource)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		// The runner gave up on this plugin (timeout or panic); anything it
		// says afterwards belongs to no report.
		return
	}
	c.addFinding(f)
	c.result.Counts.Add(st)
	c.run.emit(f)
}

// capMessage cuts a message longer than maxMessage as capText does, and
// leaves shorter ones exactly as written.
func capMessage(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	return capText(s, maxMessage)
}

func capText(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	// Cut before a character that does not fit whole.
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "\n[... truncated]"
}

// HostResult is one host's answer in a fan-out.
type HostResult struct {
	Host string
	Output
	// Err is a transport error (result unknown): a context's error at the
	// deadline or cancel, ErrHostDown for a host found unreachable.
	Err error
	// Elapsed is from building the command to its answer, connecting
	// included: a bound on when it ran, for comparing remote clocks.
	Elapsed time.Duration
}

// OK reports whether the command ran (Err is nil) and exited 0.
func (r HostResult) OK() bool { return r.Err == nil && r.Output.OK() }

// Results are the answers of a fan-out, in the order of the hosts asked.
type Results []HostResult

// Get returns the result for host.
func (rs Results) Get(host string) (HostResult, bool) {
	for _, r := range rs {
		if r.Host == host {
			return r, true
		}
	}
	return HostResult{}, false
}

// HostOK reports whether r has a usable output. A transport error it
// reports as a failure for r.Host, once per check.
func (c *Check) HostOK(r HostResult) bool {
	if r.Err == nil {
		return true
	}
	c.reportUnreachable(r.Host, r.Err)
	return false
}

// reportUnreachable reports host as unreachable with err, once per check
// however many calls fail for it (HostOK and Reached share it).
func (c *Check) reportUnreachable(host string, err error) {
	c.mu.Lock()
	first := !c.reported[host]
	if c.reported == nil {
		c.reported = map[string]bool{}
	}
	c.reported[host] = true
	c.mu.Unlock()
	if first {
		c.OnHost(host).Key("unreachable").Hint(unreachableHint(err)).
			Failuref("cannot run commands: %v", err)
	}
}

// unreachableHint is what a finding for an unreachable host suggests: the
// executor's own hint, else one that fits any transport.
func unreachableHint(err error) string {
	var h executor.HintError
	if errors.As(err, &h) && h.Hint() != "" {
		return h.Hint()
	}
	return "check that the host is up and that the transport can log in to it (over SSH: that sshd answers on its port and accepts your login; ssh to it by hand)"
}

type commandTimeoutKey struct{}

// WithCommandTimeout returns a context under which the executor helpers
// give each command d instead of RunOptions.CommandTimeout (a slow
// sosreport, a quick probe).
func WithCommandTimeout(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, commandTimeoutKey{}, d)
}

// CommandTimeout returns the deadline each command gets under ctx:
// WithCommandTimeout's, or RunOptions.CommandTimeout.
func (c *Check) CommandTimeout(ctx context.Context) time.Duration {
	if d, ok := ctx.Value(commandTimeoutKey{}).(time.Duration); ok && d > 0 {
		return d
	}
	return c.run.opts.CommandTimeout
}

// RunOnHost runs command on one host with the run's command deadline.
func (c *Check) RunOnHost(ctx context.Context, command, host string) (Output, error) {
	r := c.RunOnHosts(ctx, command, []string{host})
	return r[0].Output, r[0].Err
}

// RunOnHosts runs command on every host, RunOptions.Parallel at a time,
// each with its own deadline; a host's error never stops the others.
func (c *Check) RunOnHosts(ctx context.Context, command string, hosts []string) Results {
	return c.RunEach(ctx, hosts, func(string) string { return command })
}

// RunEach is RunOnHosts with a command built per host, called just before
// that host's command is sent, so it may time-stamp it (the clock-skew
// check does).
func (c *Check) RunEach(ctx context.Context, hosts []string, command func(host string) string) Results {
	out := make(Results, len(hosts))
	timeout := c.CommandTimeout(ctx)
	c.run.fanOut(ctx, len(hosts), func(i int) {
		h := hosts[i]
		start := time.Now()
		out[i].Host = h
		out[i].Output, out[i].Err = c.run.exec(ctx, timeout, h, func(ctx context.Context, e Executor) (Output, error) {
			return e.Run(ctx, h, command(h))
		})
		out[i].Elapsed = time.Since(start)
	})
	return out
}

// Fetch copies a remote file into dst with the run's command deadline.
func (c *Check) Fetch(ctx context.Context, host, remotePath string, dst io.Writer) error {
	_, err := c.run.exec(ctx, c.CommandTimeout(ctx), host, func(ctx context.Context, e Executor) (Output, error) {
		return Output{}, e.Fetch(ctx, host, remotePath, dst)
	})
	return err
}

// Redactor returns the run's Redactor, for a check that writes what hosts
// send somewhere other than its findings (an archive it collects).
func (c *Check) Redactor() *redact.Redactor { return c.run.redactor }

// FetchToDir is WriteArtifact of remotePath (name defaults to its base).
func (c *Check) FetchToDir(ctx context.Context, host, remotePath, name string) (Artifact, error) {
	if name == "" {
		name = remoteBase(remotePath)
	}
	a, err := c.saveArtifact(host, name, remotePath, func(w io.Writer) error {
		return c.Fetch(ctx, host, remotePath, w)
	})
	if err != nil {
		return Artifact{}, fmt.Errorf("fetch %s:%s: %w", host, remotePath, err)
	}
	return a, nil
}

// WriteArtifact writes <artifacts dir>/<host>/<name> (0600, in 0700
// directories) through a temporary file: a failed write leaves nothing; a
// symbolic link or another user's host directory is ErrUnsafePath. The
// result records it, from remote, redacted (the Artifact returned is not).
func (c *Check) WriteArtifact(host, name, remote string, write func(w io.Writer) error) (Artifact, error) {
	a, err := c.saveArtifact(host, name, remote, write)
	if err != nil {
		return Artifact{}, fmt.Errorf("write artifact %s for %s: %w", c.run.redact(name), host, err)
	}
	return a, nil
}

func (c *Check) saveArtifact(host, name, remote string, write func(w io.Writer) error) (Artifact, error) {
	dir := c.ArtifactsDir()
	if dir == "" {
		return Artifact{}, ErrNoArtifactsDir
	}
	hostDir := strings.NewReplacer(":", "_", "/", "_", "[", "", "]", "").Replace(host)
	if err := errors.Join(safefile.CheckName(name, ErrUnsafePath), safefile.CheckName(hostDir, ErrUnsafePath)); err != nil {
		return Artifact{}, err
	}
	dst := filepath.Join(dir, hostDir, name)
	n, err := safefile.Write(dir, hostDir, name, ErrUnsafePath, write)
	if err != nil {
		return Artifact{}, err
	}
	a := Artifact{Host: host, Remote: remote, Path: dst, Bytes: n}
	shown := a
	shown.Remote, shown.Path = c.run.redact(a.Remote), c.run.redact(a.Path)
	c.mu.Lock()
	if !c.closed {
		c.result.Artifacts = append(c.result.Artifacts, shown)
	}
	c.mu.Unlock()
	return a, nil
}

func remoteBase(p string) string {
	p = strings.TrimRight(p, "/")
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}
