package calyptos_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/executor"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/localexec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lineCount is a test fact: the number of lines a command prints.
func lineCount(name, cmd string) *calyptos.Fact[int] {
	return &calyptos.Fact[int]{Name: name, Command: cmd, Parse: func(o calyptos.Output) (int, error) {
		if o.Stdout == "" {
			return 0, errors.New("no lines")
		}
		return strings.Count(o.Stdout, "\n"), nil
	}}
}

var (
	factA = lineCount("a", "echo a")
	factB = lineCount("b", "echo b; echo b")
	factC = lineCount("c", "echo c")
)

// reader is a debugger that declares needs and reads facts.
type reader struct {
	name  string
	needs []calyptos.AnyFact
	reads []*calyptos.Fact[int]
	got   map[string][]calyptos.FactResult[int]
}

func (r *reader) Name() string { return r.name }

func (r *reader) Needs(rb *calyptos.RoleBuilder) []calyptos.Need {
	var ns []calyptos.Need
	for _, f := range r.needs {
		ns = append(ns, calyptos.Need{Fact: f, Hosts: rb.All()})
	}
	return ns
}

func (r *reader) Debug(ctx context.Context, c *calyptos.Check) {
	r.got = map[string][]calyptos.FactResult[int]{}
	for _, f := range r.reads {
		rs := calyptos.Gather(ctx, c, f, c.Roles().All())
		r.got[f.Name] = rs
		for _, x := range rs {
			if c.Reached(x.Host, x.Err) && x.Err == nil {
				c.OnHost(x.Host).Successf("%s=%d", f.Name, x.Value)
			}
		}
	}
}

// funcDebugger is a debugger made of a function.
type funcDebugger struct {
	name string
	f    func(context.Context, *calyptos.Check)
}

func (d funcDebugger) Name() string                                 { return d.name }
func (d funcDebugger) Debug(ctx context.Context, c *calyptos.Check) { d.f(ctx, c) }

func debuggerFunc(name string, f func(context.Context, *calyptos.Check)) calyptos.Debugger {
	return funcDebugger{name, f}
}

func hostsRB(hosts ...string) *calyptos.RoleBuilder {
	return calyptos.NewRoleBuilder(map[string][]string{eucalyptus.RoleCLC: hosts})
}

func scriptABC(e *calyptostest.Executor) {
	calyptostest.OnFact(e, "", factA).Stdout("a\n")
	calyptostest.OnFact(e, "", factB).Stdout("b\nb\n")
	calyptostest.OnFact(e, "", factC).Stdout("c\n")
}

func TestDeclaredNeedsOneSessionPerHost(t *testing.T) {
	e := calyptostest.NewExecutor(t)
	scriptABC(e)
	d1 := &reader{name: "one", needs: []calyptos.AnyFact{factA, factB}, reads: []*calyptos.Fact[int]{factA, factB}}
	d2 := &reader{name: "two", needs: []calyptos.AnyFact{factB}, reads: []*calyptos.Fact[int]{factB, factA}}
	skipped := &reader{name: "three", needs: []calyptos.AnyFact{factC}, reads: []*calyptos.Fact[int]{factC}}
	rep, err := calyptos.RunDebuggers(context.Background(), hostsRB("h1", "h2"), e, []calyptos.Debugger{d1, d2, skipped}, calyptos.RunOptions{Skip: []string{"three"}})
	require.NoError(t, err)
	for _, h := range []string{"h1", "h2"} {
		assert.Equal(t, 1, e.Sessions(h), h)
	}
	assert.Equal(t, 2, e.CallCount(factA.Command), "each fact once per host")
	assert.Equal(t, 2, e.CallCount(factB.Command))
	assert.Zero(t, e.CallCount(factC.Command), "a skipped debugger's needs are not gathered")
	assert.Len(t, calyptostest.Find(rep, calyptostest.Match{Status: calyptos.Pass}), 8)
	assert.Equal(t, 2, d2.got["b"][1].Value)
	assert.Equal(t, "h2", d2.got["b"][1].Host)
}

func TestUndeclaredFactGatheredOnFirstUse(t *testing.T) {
	e := calyptostest.NewExecutor(t)
	scriptABC(e)
	d1 := &reader{name: "one", needs: []calyptos.AnyFact{factA}, reads: []*calyptos.Fact[int]{factA, factC}}
	d2 := &reader{name: "two", reads: []*calyptos.Fact[int]{factC}}
	_, err := calyptos.RunDebuggers(context.Background(), hostsRB("h1"), e, []calyptos.Debugger{d1, d2}, calyptos.RunOptions{})
	require.NoError(t, err)
	assert.Equal(t, 2, e.Sessions("h1"), "the needs, then c on first use")
	assert.Equal(t, 1, e.CallCount(factC.Command), "the second reader of c reads the cache")
}

func TestGatherSingleFlight(t *testing.T) {
	e := calyptostest.NewExecutor(t)
	calyptostest.OnFact(e, "", factA).Stdout("a\n").Delay(50 * time.Millisecond)
	d := debuggerFunc("many", func(ctx context.Context, c *calyptos.Check) {
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				for _, r := range calyptos.Gather(ctx, c, factA, c.Roles().All()) {
					if r.Err != nil || r.Value != 1 {
						c.OnHost(r.Host).Failuref("%v %d", r.Err, r.Value)
					}
				}
			})
		}
		wg.Wait()
	})
	rep, err := calyptos.RunDebuggers(context.Background(), hostsRB("h1", "h2", "h3"), e, []calyptos.Debugger{d}, calyptos.RunOptions{})
	require.NoError(t, err)
	calyptostest.NoFailures(t, rep)
	assert.Equal(t, 3, e.CallCount(factA.Command))
}

func TestFactErrors(t *testing.T) {
	slow := &calyptos.Fact[int]{Name: "slow", Command: "sleep 60", Timeout: time.Second, Parse: lineCount("", "").Parse}
	e := calyptostest.NewExecutor(t)
	calyptostest.OnFact(e, "", factA).Stdout("") // does not parse
	calyptostest.OnFact(e, "", factB).Stderr("sh: b: not found\n").Exit(127)
	calyptostest.OnFact(e, "", factC).Stdout("c\n")
	calyptostest.OnFact(e, "", slow).Delay(time.Minute)
	e.HostDown("down")
	d := &reader{name: "r", needs: []calyptos.AnyFact{factA, factB, factC, slow}, reads: []*calyptos.Fact[int]{factA, factB, factC, slow}}
	start := time.Now()
	rep, err := calyptos.RunDebuggers(context.Background(), hostsRB("up", "down"), e, []calyptos.Debugger{d}, calyptos.RunOptions{})
	require.NoError(t, err)
	assert.Less(t, time.Since(start), 30*time.Second)

	// Hosts come sorted: "down", then "up".
	a, b, c, s := d.got["a"][1], d.got["b"][1], d.got["c"][1], d.got["slow"][1]
	var pe *calyptos.ParseError
	require.ErrorAs(t, a.Err, &pe)
	assert.Equal(t, "a", pe.Fact)
	assert.EqualError(t, a.Err, "no lines", "a parse error reads as the parser's")
	assert.ErrorIs(t, b.Err, calyptos.ErrCommandNotFound)
	assert.Equal(t, "sh: b: not found\n", b.Output.Stderr, "the evidence")
	assert.NoError(t, c.Err, "one hung command loses only its own fact")
	assert.Equal(t, 1, c.Value)
	assert.ErrorIs(t, s.Err, calyptos.ErrFactTimeout)
	assert.Equal(t, 1, e.Sessions("up"))

	for _, name := range []string{"a", "b", "c", "slow"} {
		assert.ErrorIs(t, d.got[name][0].Err, calyptos.ErrTransport, name)
	}
	fails := calyptostest.Find(rep, calyptostest.Match{Host: "down", Status: calyptos.Fail})
	require.Len(t, fails, 1, "an unreachable host is one failure per check")
	assert.Contains(t, fails[0].Message, "cannot run commands")
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: "up", Status: calyptos.Fail, Message: "cannot read a fact: fact slow: command did not finish in time on the host (stopped after 1s)"})
}

func TestSetFactNeedsNoSession(t *testing.T) {
	e := calyptostest.NewExecutor(t)
	calyptostest.SetFact(e, "", factA, 7)
	calyptostest.SetFact(e, "h2", factA, 9)
	d := &reader{name: "r", needs: []calyptos.AnyFact{factA}, reads: []*calyptos.Fact[int]{factA}}
	_, err := calyptos.RunDebuggers(context.Background(), hostsRB("h1", "h2"), e, []calyptos.Debugger{d}, calyptos.RunOptions{})
	require.NoError(t, err)
	assert.Equal(t, 7, d.got["a"][0].Value)
	assert.Equal(t, 9, d.got["a"][1].Value)
	assert.Empty(t, e.Calls())
}

// TestFactsOverLocalShell gathers facts through a real shell: each
// command's output, exit code and time bound are its own.
func TestFactsOverLocalShell(t *testing.T) {
	if testing.Short() {
		t.Skip("runs sh")
	}
	hung := &calyptos.Fact[int]{Name: "hung", Command: "sleep 30", Timeout: time.Second, Parse: factA.Parse}
	exit3 := &calyptos.Fact[string]{Name: "exit3", Command: "echo out; echo err >&2; exit 3", Parse: func(o calyptos.Output) (string, error) {
		return o.Stdout + o.Stderr + strconv.Itoa(o.ExitCode), nil
	}}
	var got []string
	d := debuggerFunc("local", func(ctx context.Context, c *calyptos.Check) {
		for _, r := range calyptos.Gather(ctx, c, factB, []string{"localhost"}) {
			got = append(got, fmt.Sprint(r.Value, r.Err))
		}
		for _, r := range calyptos.Gather(ctx, c, exit3, []string{"localhost"}) {
			got = append(got, fmt.Sprint(r.Value, r.Err))
		}
		for _, r := range calyptos.Gather(ctx, c, hung, []string{"localhost"}) {
			got = append(got, fmt.Sprint(errors.Is(r.Err, calyptos.ErrFactTimeout)))
		}
	})
	start := time.Now()
	_, err := calyptos.RunDebuggers(context.Background(), hostsRB("localhost"), localexec.New(localexec.Options{}), []calyptos.Debugger{d}, calyptos.RunOptions{CommandTimeout: 20 * time.Second})
	require.NoError(t, err)
	assert.Less(t, time.Since(start), 15*time.Second)
	assert.Equal(t, []string{"2 <nil>", "out\nerr\n3<nil>", "true"}, got)
}

// noPrivateDir runs commands locally with every directory the gathering
// script may use for its files made unusable.
type noPrivateDir struct{ calyptos.Executor }

func (n noPrivateDir) Run(ctx context.Context, host, command string) (calyptos.Output, error) {
	const dirs = `for gather_parent in "$TMPDIR" "$XDG_RUNTIME_DIR" "$gather_shm" /tmp /var/tmp; do`
	if !strings.Contains(command, dirs) {
		return calyptos.Output{}, fmt.Errorf("noPrivateDir: the script no longer has %q", dirs)
	}
	command = strings.ReplaceAll(command, dirs, `for gather_parent in /nonexistent/a; do`)
	return n.Executor.Run(ctx, host, command)
}

// A host where the gathering script cannot make its private directory
// loses its facts with the script's reason in the error, not an opaque
// exit status.
func TestGatherSaysWhyTheScriptEnded(t *testing.T) {
	d := &reader{name: "one", needs: []calyptos.AnyFact{factA}, reads: []*calyptos.Fact[int]{factA}}
	e := noPrivateDir{localexec.New(localexec.Options{})}
	_, err := calyptos.RunDebuggers(context.Background(), hostsRB("localhost"), e, []calyptos.Debugger{d}, calyptos.RunOptions{CommandTimeout: 20 * time.Second})
	require.NoError(t, err)
	require.Len(t, d.got["a"], 1)
	got := d.got["a"][0].Err
	assert.ErrorIs(t, got, calyptos.ErrFactLost)
	assert.ErrorContains(t, got, "gathering exit 1; cannot create a private directory in $TMPDIR, $XDG_RUNTIME_DIR, /dev/shm, /tmp or /var/tmp")
}

// A fact's time window is its gathering session's, less the whole seconds
// the host counted before it started and after it ended: a quick fact
// gathered before a slow one gets a narrower window than the session.
func TestGatherNarrowsTheWindow(t *testing.T) {
	slow := lineCount("slow", "sleep 3.3; echo s")
	d := &reader{name: "one", needs: []calyptos.AnyFact{factA, slow}, reads: []*calyptos.Fact[int]{factA, slow}}
	e := localexec.New(localexec.Options{})
	start := time.Now()
	_, err := calyptos.RunDebuggers(context.Background(), hostsRB("localhost"), e, []calyptos.Debugger{d}, calyptos.RunOptions{CommandTimeout: 20 * time.Second})
	took := time.Since(start)
	require.NoError(t, err)
	a, s := d.got["a"][0], d.got["slow"][0]
	require.NoError(t, a.Err)
	require.NoError(t, s.Err)
	assert.GreaterOrEqual(t, s.Elapsed, 3300*time.Millisecond, "the slow fact's window is the session")
	assert.LessOrEqual(t, a.Elapsed, s.Elapsed-2*time.Second, "the quick fact ended at least two ticks before the script")
	assert.False(t, a.Sent.Before(start))
	assert.False(t, a.Sent.Add(a.Elapsed).After(start.Add(took)))
}

// boundSeen records the self-bound an executor was told of.
type boundSeen struct {
	calyptos.Executor
	mu     sync.Mutex
	bounds []time.Duration
}

func (b *boundSeen) Run(ctx context.Context, host, command string) (calyptos.Output, error) {
	d, ok := executor.SelfBounded(ctx)
	b.mu.Lock()
	if !ok {
		d = -1
	}
	b.bounds = append(b.bounds, d)
	b.mu.Unlock()
	return b.Executor.Run(ctx, host, command)
}

// The gathering script bounds every fact on the host, so the executor is
// told it may run it without its own reaper; a plugin's own command is
// not marked.
func TestGatherIsSelfBounded(t *testing.T) {
	d := &reader{name: "one", needs: []calyptos.AnyFact{factA}, reads: []*calyptos.Fact[int]{factA}}
	own := funcDebugger{name: "own", f: func(ctx context.Context, c *calyptos.Check) { c.RunOnHosts(ctx, "true", c.Roles().All()) }}
	e := &boundSeen{Executor: localexec.New(localexec.Options{})}
	_, err := calyptos.RunDebuggers(context.Background(), hostsRB("localhost"), e, []calyptos.Debugger{d, own}, calyptos.RunOptions{CommandTimeout: 20 * time.Second})
	require.NoError(t, err)
	require.Len(t, e.bounds, 2)
	assert.Equal(t, []time.Duration{22 * time.Second, -1}, e.bounds, "facts bounded at 17 s on the host (3 s of margin), plus 5 s")
}
