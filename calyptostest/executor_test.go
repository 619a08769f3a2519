package calyptostest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/eucalyptus"
)

// recorder is a testing.TB that records failures instead of failing, so
// these tests can show that the fake fails the test it belongs to.
type recorder struct {
	testing.TB
	mu      sync.Mutex
	errors  []string
	helpers int // calls of Helper
}

func (r *recorder) Helper() { r.mu.Lock(); r.helpers++; r.mu.Unlock() }
func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestExecutorReplies(t *testing.T) {
	ctx := context.Background()
	e := calyptostest.NewExecutor(t)
	e.On("", "uname -m").Stdout("x86_64\n")
	e.On("10.0.0.2", "uname -m").Stdout("aarch64\n")
	e.OnMatch("", `^service \S+ status$`).Stdout("stopped").Exit(3)
	e.On("10.0.0.3", "cat /etc/os-release").Err(errors.New("boom"))
	e.OnFetch("10.0.0.1", "~/var/log/.*").Content("log line\n")

	tests := []struct {
		name    string
		host    string
		command string
		want    calyptos.Output
		wantErr string
	}{
		{"any host exact", "10.0.0.1", "uname -m", calyptos.Output{Stdout: "x86_64\n"}, ""},
		{"host specific beats any host", "10.0.0.2", "uname -m", calyptos.Output{Stdout: "aarch64\n"}, ""},
		{"pattern with exit code", "10.0.0.1", "service ntpd status", calyptos.Output{Stdout: "stopped", ExitCode: 3}, ""},
		{"scripted error", "10.0.0.3", "cat /etc/os-release", calyptos.Output{}, "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := e.Run(ctx, tt.host, tt.command)
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, out)
		})
	}

	var buf bytes.Buffer
	require.NoError(t, e.Fetch(ctx, "10.0.0.1", "/var/log/eucalyptus/cloud-output.log", &buf))
	assert.Equal(t, "log line\n", buf.String())
	assert.Equal(t, 2, e.CallCount("uname -m"))
	assert.Equal(t, []string{"10.0.0.1", "10.0.0.2"}, e.HostsRun("uname -m"))
	assert.Len(t, e.Calls(), 5)
}

// TestUnscriptedCallFailsTheTest: an unscripted call failed the test at
// the fake's line (executor.go), never the test's.
func TestUnscriptedCallFailsTheTest(t *testing.T) {
	rec := &recorder{TB: t}
	e := calyptostest.NewExecutor(rec)
	e.On("", "true")
	rb := calyptos.NewRoleBuilder(map[string][]string{eucalyptus.RoleCLC: {"10.0.0.1"}})
	var runErr, fetchErr error
	calyptostest.RunDebugger(rec, rb, e, debuggerFunc(func(ctx context.Context, c *calyptos.Check) {
		_, runErr = c.RunOnHost(ctx, "rm -rf /", "10.0.0.1")
		fetchErr = c.Fetch(ctx, "10.0.0.1", "/etc/shadow", &bytes.Buffer{})
	}), calyptos.RunOptions{})
	assert.ErrorIs(t, runErr, calyptostest.ErrUnscripted)
	assert.ErrorIs(t, fetchErr, calyptostest.ErrUnscripted)
	require.Len(t, rec.errors, 2, "each unscripted call must fail the test")
	assert.Contains(t, rec.errors[0], `"rm -rf /"`)
	assert.Contains(t, rec.errors[1], `/etc/shadow`)
	assert.Equal(t, 2, rec.helpers, "reported from helpers, so at the line of the test")

	// Outside RunDebugger, the end of the test reports the call and names
	// the line that made the fake.
	rec = &recorder{TB: t}
	var e2 *calyptostest.Executor
	t.Run("direct", func(t *testing.T) {
		rec.TB = t
		e2 = calyptostest.NewExecutor(rec) // the line named below
		_, err := e2.Run(context.Background(), "10.0.0.1", "reboot")
		assert.ErrorIs(t, err, calyptostest.ErrUnscripted)
		assert.Empty(t, rec.errors, "not yet: the call may come from any goroutine")
	})
	require.Len(t, rec.errors, 1)
	assert.Regexp(t, `unscripted command "reboot" on host "10.0.0.1" \(fake made at executor_test.go:\d+\)`, rec.errors[0])
}

type debuggerFunc func(ctx context.Context, c *calyptos.Check)

func (debuggerFunc) Name() string                                   { return "func" }
func (f debuggerFunc) Debug(ctx context.Context, c *calyptos.Check) { f(ctx, c) }

func TestKnownRoles(t *testing.T) {
	rec := &recorder{TB: t}
	calyptostest.KnownRoles(rec, eucalyptus.RoleNodeController, "nodes", calyptos.RoleAll, "clcs")
	require.Len(t, rec.errors, 2)
	assert.Contains(t, rec.errors[0], `unknown role "nodes" (roles: all, cassandra, ceph-mons`)
	assert.Contains(t, rec.errors[1], `unknown role "clcs"`)
}

func TestTimesAndOverride(t *testing.T) {
	e := calyptostest.NewExecutor(nil)
	e.On("", "date").Stdout("later")
	e.On("", "date").Stdout("first").Times(1)
	ctx := context.Background()
	out1, _ := e.Run(ctx, "h", "date")
	out2, _ := e.Run(ctx, "h", "date")
	assert.Equal(t, "first", out1.Stdout)
	assert.Equal(t, "later", out2.Stdout)
}

func TestDelayHonoursContext(t *testing.T) {
	e := calyptostest.NewExecutor(nil)
	e.On("", "sleep").Delay(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := e.Run(ctx, "h", "sleep")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestHostDown(t *testing.T) {
	e := calyptostest.NewExecutor(nil)
	e.On("", "true")
	e.HostDown("10.0.0.9")
	_, err := e.Run(context.Background(), "10.0.0.9", "true")
	assert.ErrorIs(t, err, calyptos.ErrTransport)
	_, err = e.Run(context.Background(), "10.0.0.8", "true")
	assert.NoError(t, err)
}

// TestHostDownBeatsHostRules: HostDown makes every call to the host fail,
// but a rule scripted earlier for that very host and command was more
// specific than HostDown's catch-all pattern and went on answering, so a
// test that took a host down after a shared script still reached it.
func TestHostDownBeatsHostRules(t *testing.T) {
	e := calyptostest.NewExecutor(nil)
	e.On("10.0.0.9", "uptime").Stdout("up 3 days")
	e.OnFetch("10.0.0.9", "/etc/os-release").Content("ID=centos\n")
	e.HostDown("10.0.0.9")
	_, err := e.Run(context.Background(), "10.0.0.9", "uptime")
	assert.ErrorIs(t, err, calyptos.ErrTransport)
	err = e.Fetch(context.Background(), "10.0.0.9", "/etc/os-release", io.Discard)
	assert.ErrorIs(t, err, calyptos.ErrTransport)
}

func TestAssertHelpersReportMismatches(t *testing.T) {
	rb := calyptos.NewRoleBuilder(map[string][]string{eucalyptus.RoleCLC: {"10.0.0.1"}})
	rep := calyptostest.RunValidator(t, rb, validatorFunc(func(c *calyptos.Check) {
		c.OnHost("10.0.0.1").Failure("disk full")
		c.Success("fine")
	}), calyptos.RunOptions{})
	assert.True(t, calyptostest.HasFinding(t, rep, calyptostest.Match{Host: "10.0.0.1", Status: calyptos.Fail, Message: "disk"}))

	rec := &recorder{TB: t}
	assert.False(t, calyptostest.HasFinding(rec, rep, calyptostest.Match{Message: "nope"}))
	assert.False(t, calyptostest.NoFailures(rec, rep))
	assert.False(t, calyptostest.NoFinding(rec, rep, calyptostest.Match{Status: calyptos.Pass}))
	require.Len(t, rec.errors, 3)
	assert.Contains(t, rec.errors[0], "disk full", "the dump lists the findings there are")
	assert.True(t, strings.HasPrefix(rec.errors[1], "1 finding(s) match"))
}

type validatorFunc func(c *calyptos.Check)

func (validatorFunc) Name() string                                    { return "func" }
func (f validatorFunc) Validate(_ context.Context, c *calyptos.Check) { f(c) }
