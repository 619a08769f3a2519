package calyptos_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/eucalyptus"
)

// plugin is a Validator and a Debugger whose body is a function.
type plugin struct {
	name    string
	body    func(ctx context.Context, c *calyptos.Check)
	timeout time.Duration
}

func (p plugin) Name() string                                    { return p.name }
func (p plugin) Validate(ctx context.Context, c *calyptos.Check) { p.body(ctx, c) }
func (p plugin) Debug(ctx context.Context, c *calyptos.Check)    { p.body(ctx, c) }
func (p plugin) Timeout() time.Duration                          { return p.timeout }

// events records what a Reporter is told, in order.
type events struct {
	mu  sync.Mutex
	log []string
}

func (e *events) add(s string)             { e.mu.Lock(); e.log = append(e.log, s); e.mu.Unlock() }
func (e *events) CheckStarted(name string) { e.add("start " + name) }
func (e *events) Finding(f calyptos.Finding) {
	e.add(fmt.Sprintf("%s %s %s", f.Status, f.Host, f.Message))
}
func (e *events) CheckFinished(r *calyptos.CheckResult) {
	e.add(fmt.Sprintf("end %s %d/%d", r.Name, r.Counts.Pass, r.Counts.Fail))
}

func edge(t *testing.T) *calyptos.RoleBuilder {
	t.Helper()
	rb, err := eucalyptus.Load("testdata/edge.yml")
	require.NoError(t, err)
	return rb
}

func TestRunStreamsAndCounts(t *testing.T) {
	ev := &events{}
	rep, err := calyptos.RunValidators(context.Background(), edge(t), []calyptos.Validator{
		plugin{name: "a", body: func(_ context.Context, c *calyptos.Check) {
			c.Success("one")
			c.OnHost("192.0.2.10").Failuref("disk %d%% full", 91)
			c.Warning("hmm")
			c.Info("fyi")
			c.Skipped("n/a")
		}},
		plugin{name: "b", body: func(_ context.Context, c *calyptos.Check) {
			c.Successf("%d clusters", len(eucalyptus.Clusters(c.Roles())))
		}},
	}, calyptos.RunOptions{Reporter: ev})
	require.NoError(t, err)
	assert.Equal(t, []string{
		"start a", "pass  one", "fail 192.0.2.10 disk 91% full", "warn  hmm", "info  fyi", "skip  n/a", "end a 1/1",
		"start b", "pass  2 clusters", "end b 1/0",
	}, ev.log)
	assert.Equal(t, calyptos.Counts{Pass: 2, Fail: 1, Warn: 1, Info: 1, Skip: 1}, rep.Totals)
	assert.Equal(t, calyptos.KindValidate, rep.Kind)
	assert.False(t, rep.Passed(false))
	assert.Len(t, rep.Findings(), 6)
	assert.Equal(t, "a", rep.Check("a").Findings[1].Check)
	assert.Nil(t, rep.Check("zzz"))
}

func TestPanicAndTimeoutBecomeFailures(t *testing.T) {
	var ran atomic.Bool
	rep, err := calyptos.RunValidators(context.Background(), edge(t), []calyptos.Validator{
		plugin{name: "panics", body: func(context.Context, *calyptos.Check) { panic("kaboom") }},
		plugin{name: "slow", timeout: 30 * time.Millisecond, body: func(ctx context.Context, c *calyptos.Check) {
			<-ctx.Done()
		}},
		plugin{name: "after", body: func(_ context.Context, c *calyptos.Check) { ran.Store(true); c.Success("still ran") }},
	}, calyptos.RunOptions{})
	require.NoError(t, err)
	assert.True(t, ran.Load(), "the run goes on after a panic and a timeout")
	p := rep.Check("panics").Findings
	require.Len(t, p, 1)
	assert.Equal(t, calyptos.Fail, p[0].Status)
	assert.Equal(t, "check panicked: kaboom", p[0].Message)
	assert.Contains(t, p[0].Evidence, "goroutine")
	s := rep.Check("slow").Findings
	require.Len(t, s, 1)
	assert.Equal(t, "check did not finish within its 30ms time limit", s[0].Message)
	assert.Equal(t, 2, rep.Totals.Fail)
}

// TestPanicInAFanOutBecomesAFailure: RunEach calls the plugin's command
// builder, and the executor, on worker goroutines. A panic there was not
// the plugin goroutine's, so nothing recovered it and the whole program
// crashed instead of the check failing and the run going on.
func TestPanicInAFanOutBecomesAFailure(t *testing.T) {
	exec := calyptostest.NewExecutor(t)
	exec.On("", "true").Stdout("")
	rb := calyptos.NewRoleBuilder(map[string][]string{"x": {"h1", "h2", "h3", "h4"}})
	var ran atomic.Bool
	rep, err := calyptos.RunDebuggers(context.Background(), rb, exec, []calyptos.Debugger{
		plugin{name: "panics", body: func(ctx context.Context, c *calyptos.Check) {
			c.RunEach(ctx, c.Roles().Hosts("x"), func(h string) string {
				if h == "h3" {
					panic("kaboom on " + h)
				}
				return "true"
			})
			c.Success("not reached")
		}},
		plugin{name: "after", body: func(_ context.Context, c *calyptos.Check) { ran.Store(true) }},
	}, calyptos.RunOptions{Parallel: 2})
	require.NoError(t, err)
	assert.True(t, ran.Load(), "the run goes on")
	p := rep.Check("panics").Findings
	require.Len(t, p, 1)
	assert.Equal(t, calyptos.Fail, p[0].Status)
	assert.Equal(t, "check panicked: kaboom on h3", p[0].Message)
	assert.Contains(t, p[0].Evidence, "run_test.go", "the stack is the one that panicked")
}

func TestCancelStopsTheRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var second atomic.Bool
	rep, err := calyptos.RunValidators(ctx, edge(t), []calyptos.Validator{
		plugin{name: "first", body: func(ctx context.Context, c *calyptos.Check) { cancel(); <-ctx.Done() }},
		plugin{name: "second", body: func(context.Context, *calyptos.Check) { second.Store(true) }},
	}, calyptos.RunOptions{})
	assert.ErrorIs(t, err, context.Canceled)
	require.NotNil(t, rep)
	assert.True(t, rep.Interrupted)
	assert.False(t, second.Load())
	calyptostest.HasFinding(t, rep, calyptostest.Match{Check: "first", Status: calyptos.Fail, Message: "interrupted"})
}

func TestSelect(t *testing.T) {
	names := []string{"a", "b", "c"}
	got, err := calyptos.Select(names, nil, []string{"b"})
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "c"}, got)
	got, err = calyptos.Select(names, []string{"c", "a"}, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "c"}, got, "list order, not flag order")
	_, err = calyptos.Select(names, []string{"x"}, nil)
	assert.ErrorIs(t, err, calyptos.ErrUnknownCheck)
	assert.EqualError(t, err, `unknown check "x" (valid: a, b, c)`)

	_, err = calyptos.RunValidators(context.Background(), edge(t), []calyptos.Validator{plugin{name: "a"}}, calyptos.RunOptions{Skip: []string{"nope"}})
	assert.ErrorIs(t, err, calyptos.ErrUnknownCheck)
	_, err = calyptos.RunValidators(context.Background(), edge(t), []calyptos.Validator{plugin{name: "a"}, plugin{name: "a"}}, calyptos.RunOptions{})
	assert.ErrorContains(t, err, `two plugins are named "a"`)
}

func TestSecretsAreRedacted(t *testing.T) {
	rb := calyptostest.Parse(t, `
default_attributes:
  eucalyptus:
    topology: {clc: [h1], user-facing: [h1], clusters: {one: {cc: [h2], sc: [h2], nodes: [h3]}}}
    system-properties: {one.storage.sanpassword: s3cr3t-san}
`)
	rep, err := calyptos.RunValidators(context.Background(), rb, []calyptos.Validator{
		plugin{name: "leaky", body: func(_ context.Context, c *calyptos.Check) {
			c.Failure("login failed with s3cr3t-san")
			c.Report(calyptos.Fail, "extra", "password=topsecret and s3cr3t-san")
		}},
	}, calyptos.RunOptions{Secrets: []string{"topsecret"}})
	require.NoError(t, err)
	f := rep.Findings()
	assert.Equal(t, "login failed with [REDACTED]", f[0].Message)
	assert.Equal(t, "password=[REDACTED] and [REDACTED]", f[1].Evidence)
}

func TestFanOutIsBoundedAndParallel(t *testing.T) {
	var inFlight, peak atomic.Int32
	exec := calyptostest.NewExecutor(t)
	exec.On("", "probe").Respond(func(host, _ string) (calyptos.Output, error) {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
		inFlight.Add(-1)
		return calyptos.Output{Stdout: "hi " + host}, nil
	})
	var hosts []string
	for i := range 40 {
		hosts = append(hosts, fmt.Sprintf("10.0.0.%d", i))
	}
	rb := calyptos.NewRoleBuilder(map[string][]string{"x": hosts})
	var res calyptos.Results
	_, err := calyptos.RunDebuggers(context.Background(), rb, exec, []calyptos.Debugger{
		plugin{name: "fan", body: func(ctx context.Context, c *calyptos.Check) { res = c.RunOnHosts(ctx, "probe", c.Roles().Hosts("x")) }},
	}, calyptos.RunOptions{Parallel: 8})
	require.NoError(t, err)
	require.Len(t, res, 40)
	for i, r := range res {
		assert.Equal(t, hosts[i], r.Host, "results keep the order of the hosts asked")
		assert.Equal(t, "hi "+r.Host, r.Stdout)
	}
	assert.LessOrEqual(t, peak.Load(), int32(8))
	assert.Greater(t, peak.Load(), int32(1))
}

func TestUnreachableHostReportedOncePerCheckAndNotRetried(t *testing.T) {
	exec := calyptostest.NewExecutor(t)
	exec.HostDown("10.0.0.2")
	exec.OnMatch("", ".*").Stdout("ok")
	rb := calyptos.NewRoleBuilder(map[string][]string{"x": {"10.0.0.1", "10.0.0.2"}})
	body := func(ctx context.Context, c *calyptos.Check) {
		for _, cmd := range []string{"one", "two", "three"} {
			for _, r := range c.RunOnHosts(ctx, cmd, c.Roles().Hosts("x")) {
				if c.HostOK(r) {
					c.OnHost(r.Host).Success(cmd)
				}
			}
		}
	}
	rep, err := calyptos.RunDebuggers(context.Background(), rb, exec, []calyptos.Debugger{
		plugin{name: "d1", body: body}, plugin{name: "d2", body: body},
	}, calyptos.RunOptions{})
	require.NoError(t, err)
	for _, d := range []string{"d1", "d2"} {
		fails := calyptostest.Find(rep, calyptostest.Match{Check: d, Host: "10.0.0.2", Status: calyptos.Fail})
		require.Len(t, fails, 1, "one failure per debugger for a host that is down")
		assert.Contains(t, fails[0].Message, "cannot run commands")
		assert.Len(t, calyptostest.Find(rep, calyptostest.Match{Check: d, Host: "10.0.0.1", Status: calyptos.Pass}), 3)
	}
	assert.Equal(t, []string{"10.0.0.2"}, hostsCalled(exec, "10.0.0.2"), "a down host is dialled once per run")
}

func hostsCalled(e *calyptostest.Executor, host string) []string {
	var out []string
	for _, c := range e.Calls() {
		if c.Host == host {
			out = append(out, c.Host)
		}
	}
	return out
}

func TestCommandTimeout(t *testing.T) {
	exec := calyptostest.NewExecutor(t)
	exec.On("", "hang").Delay(time.Hour)
	exec.On("", "quick").Stdout("ok")
	rb := calyptos.NewRoleBuilder(map[string][]string{"x": {"h"}})
	var errHang, errQuick error
	var gotDefault, gotCustom time.Duration
	_, err := calyptos.RunDebuggers(context.Background(), rb, exec, []calyptos.Debugger{
		plugin{name: "d", body: func(ctx context.Context, c *calyptos.Check) {
			gotDefault = c.CommandTimeout(ctx)
			gotCustom = c.CommandTimeout(calyptos.WithCommandTimeout(ctx, 20*time.Millisecond))
			_, errHang = c.RunOnHost(calyptos.WithCommandTimeout(ctx, 20*time.Millisecond), "hang", "h")
			_, errQuick = c.RunOnHost(ctx, "quick", "h")
		}},
	}, calyptos.RunOptions{})
	require.NoError(t, err)
	assert.ErrorIs(t, errHang, context.DeadlineExceeded)
	assert.Equal(t, calyptos.DefaultCommandTimeout, gotDefault)
	assert.Equal(t, 20*time.Millisecond, gotCustom)
	assert.NoError(t, errQuick, "a command timeout does not mark the host down")
}

func TestValidatorsHaveNoExecutor(t *testing.T) {
	var got error
	_, err := calyptos.RunValidators(context.Background(), edge(t), []calyptos.Validator{
		plugin{name: "v", body: func(ctx context.Context, c *calyptos.Check) { _, got = c.RunOnHost(ctx, "true", "h") }},
	}, calyptos.RunOptions{})
	require.NoError(t, err)
	assert.ErrorIs(t, got, calyptos.ErrNoExecutor)
}

func TestFetchToDir(t *testing.T) {
	dir := t.TempDir()
	exec := calyptostest.NewExecutor(t)
	exec.OnFetch("", "/var/log/eucalyptus/cloud-output.log").Content("log\n")
	exec.OnFetch("10.0.0.2", "/tmp/broken").Err(errors.New("connection lost"))
	rb := calyptos.NewRoleBuilder(map[string][]string{"x": {"10.0.0.1", "10.0.0.2"}})
	var arts []calyptos.Artifact
	var errs []error
	rep, err := calyptos.RunDebuggers(context.Background(), rb, exec, []calyptos.Debugger{
		plugin{name: "d", body: func(ctx context.Context, c *calyptos.Check) {
			for _, h := range []string{"10.0.0.1", "10.0.0.2"} {
				a, err := c.FetchToDir(ctx, h, "/var/log/eucalyptus/cloud-output.log", "")
				arts = append(arts, a)
				errs = append(errs, err)
			}
			_, err := c.FetchToDir(ctx, "10.0.0.2", "/tmp/broken", "")
			errs = append(errs, err)
			_, err = c.FetchToDir(ctx, "10.0.0.2", "/tmp/x", "../escape")
			errs = append(errs, err)
			_, err = c.FetchToDir(ctx, "10.0.0.2", "/tmp/..", "")
			errs = append(errs, err)
		}},
	}, calyptos.RunOptions{ArtifactsDir: dir})
	require.NoError(t, err)
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	assert.ErrorContains(t, errs[2], "connection lost")
	assert.ErrorIs(t, errs[3], calyptos.ErrUnsafePath)
	assert.ErrorIs(t, errs[4], calyptos.ErrUnsafePath)
	for i, h := range []string{"10.0.0.1", "10.0.0.2"} {
		want := filepath.Join(dir, h, "cloud-output.log")
		assert.Equal(t, want, arts[i].Path, "one directory per host: files never overwrite each other")
		data, err := os.ReadFile(want)
		require.NoError(t, err)
		assert.Equal(t, "log\n", string(data))
	}
	assert.Len(t, rep.Check("d").Artifacts, 2)
	entries, err := os.ReadDir(filepath.Join(dir, "10.0.0.2"))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "a failed fetch leaves no file behind")

	_, err = calyptos.RunDebuggers(context.Background(), rb, exec, []calyptos.Debugger{
		plugin{name: "d", body: func(ctx context.Context, c *calyptos.Check) {
			_, ferr := c.FetchToDir(ctx, "10.0.0.1", "/x", "")
			assert.ErrorIs(t, ferr, calyptos.ErrNoArtifactsDir)
			var buf bytes.Buffer
			assert.NoError(t, c.Fetch(ctx, "10.0.0.1", "/var/log/eucalyptus/cloud-output.log", &buf))
			assert.Equal(t, "log\n", buf.String())
		}},
	}, calyptos.RunOptions{})
	require.NoError(t, err)
}

func TestProbesAreCarried(t *testing.T) {
	exec := calyptostest.NewExecutor(t)
	rep, err := calyptos.RunDebuggers(context.Background(), edge(t), exec, []calyptos.Debugger{
		plugin{name: "net", body: func(_ context.Context, c *calyptos.Check) {
			c.RecordProbe(calyptos.Probe{From: "a", To: "b", Port: 8773, Proto: "tcp", Result: calyptos.ProbeRefused})
		}},
	}, calyptos.RunOptions{})
	require.NoError(t, err)
	assert.Equal(t, []calyptos.Probe{{From: "a", To: "b", Port: 8773, Proto: "tcp", Result: calyptos.ProbeRefused}}, rep.Probes())
}

func TestStatusText(t *testing.T) {
	for _, s := range []calyptos.Status{calyptos.Pass, calyptos.Warn, calyptos.Fail, calyptos.Info, calyptos.Skip} {
		b, err := s.MarshalText()
		require.NoError(t, err)
		var back calyptos.Status
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, s, back)
		assert.Equal(t, string(b), s.String())
	}
	_, err := calyptos.Status(0).MarshalText()
	assert.Error(t, err)
	var s calyptos.Status
	assert.Error(t, s.UnmarshalText([]byte("great")))
	assert.True(t, strings.HasPrefix(calyptos.Status(42).String(), "status("))
}

// lateRefusal is an executor whose every call fails with a transport error
// just after the command's deadline, like a dial that gave up on its own
// at the same moment.
type lateRefusal struct{ calls atomic.Int32 }

func (l *lateRefusal) Run(ctx context.Context, host, command string) (calyptos.Output, error) {
	l.calls.Add(1)
	<-ctx.Done()
	return calyptos.Output{}, fmt.Errorf("%w: dial %s: connection refused", calyptos.ErrTransport, host)
}

func (l *lateRefusal) Fetch(ctx context.Context, host, path string, dst io.Writer) error {
	_, err := l.Run(ctx, host, "cat "+path)
	return err
}

func TestTransportErrorAtTheDeadline(t *testing.T) {
	exec := &lateRefusal{}
	rb := calyptos.NewRoleBuilder(map[string][]string{"x": {"h"}})
	var first, second error
	_, err := calyptos.RunDebuggers(context.Background(), rb, exec, []calyptos.Debugger{
		plugin{name: "d", body: func(ctx context.Context, c *calyptos.Check) {
			ctx = calyptos.WithCommandTimeout(ctx, 10*time.Millisecond)
			_, first = c.RunOnHost(ctx, "true", "h")
			_, second = c.RunOnHost(ctx, "true", "h")
		}},
	}, calyptos.RunOptions{})
	require.NoError(t, err)
	assert.EqualError(t, first, "transport failure: dial h: connection refused", "not blamed on the deadline")
	assert.ErrorIs(t, second, calyptos.ErrHostDown, "the host is down for the rest of the run")
	assert.EqualValues(t, 1, exec.calls.Load())
}

// TestEvidenceCutKeepsUTF8: evidence is cut to 4 KiB, and the cut fell
// inside a multi-byte character when one straddled it, leaving invalid
// UTF-8 (a raw byte in text output, U+FFFD in JSON).
func TestEvidenceCutKeepsUTF8(t *testing.T) {
	rep, err := calyptos.RunValidators(context.Background(), edge(t), []calyptos.Validator{
		plugin{name: "v", body: func(_ context.Context, c *calyptos.Check) {
			c.Report(calyptos.Fail, "long", strings.Repeat("x", 4095)+strings.Repeat("é", 10))
		}},
	}, calyptos.RunOptions{})
	require.NoError(t, err)
	ev := rep.Findings()[0].Evidence
	assert.True(t, utf8.ValidString(ev), "evidence ends %q", ev[max(0, len(ev)-30):])
	assert.True(t, strings.HasPrefix(ev, strings.Repeat("x", 4095)+"\n[... truncated]"))
}

// TestHostResultOKIsFalseForADownHost: HostResult embedded Output, so
// r.OK() was true for an unreachable host (exit code 0, no output), and a
// debugger checking only r.OK() passed it.
func TestHostResultOKIsFalseForADownHost(t *testing.T) {
	exec := calyptostest.NewExecutor(t)
	exec.HostDown("10.0.0.2")
	exec.On("10.0.0.1", "uptime").Stdout("up 3 days")
	exec.On("10.0.0.3", "uptime").Exit(1)
	rb := calyptos.NewRoleBuilder(map[string][]string{"x": {"10.0.0.1", "10.0.0.2", "10.0.0.3"}})
	rep := calyptostest.RunDebugger(t, rb, exec, plugin{name: "uptime", body: func(ctx context.Context, c *calyptos.Check) {
		for _, r := range c.RunOnHosts(ctx, "uptime", c.Roles().Hosts("x")) {
			if r.OK() {
				c.OnHost(r.Host).Successf("uptime ok: %q", r.Stdout)
			} else {
				c.OnHost(r.Host).Failure("uptime failed")
			}
		}
	}}, calyptos.RunOptions{})
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: "10.0.0.1", Status: calyptos.Pass})
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: "10.0.0.2", Status: calyptos.Fail})
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: "10.0.0.3", Status: calyptos.Fail})
	calyptostest.NoFinding(t, rep, calyptostest.Match{Host: "10.0.0.2", Status: calyptos.Pass})

	assert.False(t, calyptos.HostResult{Err: calyptos.ErrHostDown}.OK())
	assert.True(t, calyptos.HostResult{}.OK())
}

// TestInvalidRunOptions: RunDebuggers' doc said invalid options wrap
// ErrUnknownCheck, but a nil executor and two plugins of one name gave
// errors nothing could match.
func TestInvalidRunOptions(t *testing.T) {
	ctx := context.Background()
	rb := edge(t)
	a := plugin{name: "a", body: func(context.Context, *calyptos.Check) {}}
	exec := calyptostest.NewExecutor(t)
	tests := []struct {
		name    string
		run     func() (*calyptos.Report, error)
		unknown bool
	}{
		{"nil executor", func() (*calyptos.Report, error) {
			return calyptos.RunDebuggers(ctx, rb, nil, []calyptos.Debugger{a}, calyptos.RunOptions{})
		}, false},
		{"nil roles", func() (*calyptos.Report, error) {
			return calyptos.RunValidators(ctx, nil, []calyptos.Validator{a}, calyptos.RunOptions{})
		}, false},
		{"two named a", func() (*calyptos.Report, error) {
			return calyptos.RunDebuggers(ctx, rb, exec, []calyptos.Debugger{a, a}, calyptos.RunOptions{})
		}, false},
		{"unknown only", func() (*calyptos.Report, error) {
			return calyptos.RunDebuggers(ctx, rb, exec, []calyptos.Debugger{a}, calyptos.RunOptions{Only: []string{"b"}})
		}, true},
		{"unknown skip", func() (*calyptos.Report, error) {
			return calyptos.RunValidators(ctx, rb, []calyptos.Validator{a}, calyptos.RunOptions{Skip: []string{"b"}})
		}, true},
	}
	for _, tt := range tests {
		rep, err := tt.run()
		assert.Nil(t, rep, tt.name)
		assert.ErrorIs(t, err, calyptos.ErrInvalidOptions, tt.name)
		assert.Equal(t, tt.unknown, errors.Is(err, calyptos.ErrUnknownCheck), tt.name)
	}
}

// TestPositionedFinding: a check could only write a position into its
// message by hand (and with NewRoleBuilder it started with ": ").
func TestPositionedFinding(t *testing.T) {
	rb := calyptostest.Parse(t, `
default_attributes:
  eucalyptus:
    topology:
      clc: 10.0.0.1
      user-facing: 10.0.0.1
      clusters:
        one: {cc: 10.0.0.2, sc: 10.0.0.2, nodes: 10.0.0.3}
`)
	check := plugin{name: "p", body: func(ctx context.Context, c *calyptos.Check) {
		for _, cl := range eucalyptus.Clusters(c.Roles()) {
			c.At(cl.Pos).Failuref("cluster %s is too small", cl.Name)
			c.OnHost("10.0.0.3").At(cl.Pos).Warning("node alone")
		}
		c.Success("unplaced")
	}}
	rep := calyptostest.RunValidator(t, rb, check, calyptos.RunOptions{})
	f := rep.Findings()
	require.Len(t, f, 3)
	want := calyptos.Position{File: "environment.yml", Line: 8, Column: 9}
	assert.Equal(t, want, f[0].Pos)
	assert.Equal(t, "cluster one is too small", f[0].Message, "the message holds no position")
	assert.Equal(t, "environment.yml:8:9: cluster one is too small", f[0].Text())
	assert.Equal(t, want, f[1].Pos)
	assert.Equal(t, "10.0.0.3", f[1].Host)
	assert.Equal(t, calyptos.Position{}, f[2].Pos)
	assert.Equal(t, "unplaced", f[2].Text())

	b, err := json.Marshal(f[0])
	require.NoError(t, err)
	assert.Contains(t, string(b), `"pos":{"file":"environment.yml","line":8,"column":9}`)
	b, err = json.Marshal(f[2])
	require.NoError(t, err)
	assert.NotContains(t, string(b), `"pos"`, "omitted when zero")

	// A RoleBuilder without a file gives clusters no position: no prefix.
	rb = eucalyptus.NewRoleBuilder(nil, eucalyptus.Cluster{Name: "one", CC: []string{"10.0.0.2"}})
	rep = calyptostest.RunValidator(t, rb, check, calyptos.RunOptions{})
	assert.Equal(t, "cluster one is too small", rep.Findings()[0].Text())
}

// TestMessageIsCapped: a check that formats a host's output into a
// message cannot grow the report without bound; short messages stay
// exactly as written.
func TestMessageIsCapped(t *testing.T) {
	huge := strings.Repeat("é", 1<<20)
	rep, err := calyptos.RunValidators(context.Background(), edge(t), []calyptos.Validator{
		plugin{name: "a", body: func(_ context.Context, c *calyptos.Check) {
			c.Failuref("bad output: %s", huge)
			c.Success(" kept as written ")
		}},
	}, calyptos.RunOptions{})
	require.NoError(t, err)
	fs := rep.Findings()
	require.Len(t, fs, 2)
	assert.Less(t, len(fs[0].Message), 5<<10)
	assert.True(t, utf8.ValidString(fs[0].Message))
	assert.Contains(t, fs[0].Message, "[... truncated]")
	assert.Equal(t, " kept as written ", fs[1].Message)
}
