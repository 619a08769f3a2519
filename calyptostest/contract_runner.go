package calyptostest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
)

// unreachable checks the error of a call to the unreachable host, made
// under ctx: it wraps calyptos.ErrTransport, and came while ctx was
// still live (the runner does not count a host down for an error that
// came with the end of the call's context).
func unreachable(t *testing.T, ctx context.Context, what string, err error) {
	t.Helper()
	require.Error(t, err, what)
	assert.ErrorIs(t, err, calyptos.ErrTransport, "%s: an unreachable host's error must wrap calyptos.ErrTransport", what)
	assert.NoError(t, ctx.Err(), "%s: the call must fail by itself, before its context ends", what)
}

// testUnreachable: a host that cannot be reached fails each call with
// calyptos.ErrTransport, by itself, and the others are served.
func (s *suite) testUnreachable(t *testing.T) {
	ex := s.h.New(t)
	for range 2 { // before and after a host that is up was reached
		ctx := s.ctx(t)
		_, err := s.run(t, ctx, ex, s.h.Unreachable, "true")
		unreachable(t, ctx, "Run", err)
		var w recordWriter
		err = s.fetch(t, ctx, ex, s.h.Unreachable, "/etc/hosts", &w)
		unreachable(t, ctx, "Fetch", err)
		s.usable(t, ex)
	}
}

// concurrentCall is one call of testConcurrent and its outcome.
type concurrentCall struct {
	host, command string
	fetch         bool
	out           calyptos.Output
	data          string
	err           error
}

// testConcurrent: many calls at once on every host, the unreachable one
// and Fetch included, each get their own answer.
func (s *suite) testConcurrent(t *testing.T) {
	ex := s.h.New(t)
	dir := s.hostDir(t, ex, s.host())
	bin := strings.Repeat(allBytes(false), 64)
	s.mustRun(t, ex, s.host(), "i=0; while [ $i -lt 64 ]; do "+printfBytes(allBytes(false))+"; i=$((i + 1)); done > "+dir+"/bin")
	calls := make([]concurrentCall, 64)
	for i := range calls {
		c := &calls[i]
		switch {
		case i%16 == 15:
			c.host, c.command = s.h.Unreachable, "true"
		case i%8 == 7:
			c.host, c.command, c.fetch = s.host(), dir+"/bin", true
		default:
			c.host = s.h.Hosts[i%len(s.h.Hosts)]
			c.command = fmt.Sprintf("printf 'out %d'; printf 'err %d' >&2; exit %d", i, i, i%5)
			if i%8 == 0 { // held a while, so that the calls overlap
				c.command = "sleep 1; " + c.command
			}
		}
	}
	ctx := s.ctx(t)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range calls {
		c := &calls[i]
		wg.Go(func() {
			<-start
			if c.fetch {
				var w bytes.Buffer
				c.err = ex.Fetch(ctx, c.host, c.command, &w)
				c.data = w.String()
				return
			}
			c.out, c.err = ex.Run(ctx, c.host, c.command)
		})
	}
	close(start)
	bounded(t, fmt.Sprintf("%d concurrent calls", len(calls)), s.limit(ctx), wg.Wait)
	for i, c := range calls {
		switch {
		case c.host == s.h.Unreachable:
			unreachable(t, ctx, fmt.Sprintf("call %d", i), c.err)
		case c.fetch:
			if assert.NoError(t, c.err, "fetch %d", i) {
				sameText(t, fmt.Sprintf("fetch %d", i), bin, c.data)
			}
		default:
			want := calyptos.Output{Stdout: fmt.Sprintf("out %d", i), Stderr: fmt.Sprintf("err %d", i), ExitCode: i % 5}
			if assert.NoError(t, c.err, "call %d on %s", i, c.host) {
				assert.Equal(t, want, c.out, "call %d on %s", i, c.host)
			}
		}
	}
}

// runnerSeen is what testRunner's debugger saw.
type runnerSeen struct {
	slow, after calyptos.HostResult
	fact        calyptos.FactResult[string]
	deadFact    calyptos.FactResult[string]
	reached     bool
	fetched     string
	fetchErr    error
	dead1       error
	dead2       error
}

// testRunner: the executor as calyptos.RunDebuggers calls it, with the
// runner's contexts and its fact-gathering script. The command past its
// command timeout ends on the host too.
func (s *suite) testRunner(t *testing.T) {
	ex := s.h.New(t)
	dir := s.hostDir(t, ex, s.host())
	s.mustRun(t, ex, s.host(), printfBytes(allBytes(false))+" > "+dir+"/bin")
	live, dead := s.host(), s.h.Unreachable
	fact := &calyptos.Fact[string]{
		Name:    "calyptostest-contract-bytes",
		Command: printfBytes(allBytes(false)) + "; printf err >&2; exit 3",
		Parse:   func(o calyptos.Output) (string, error) { return o.Stdout, nil },
	}
	var seen runnerSeen
	d := debuggerFunc(func(ctx context.Context, c *calyptos.Check) {
		seen.slow = c.RunOnHosts(calyptos.WithCommandTimeout(ctx, 2*time.Second), sleeper(dir+"/pids", true), []string{live})[0]
		seen.after = c.RunOnHosts(ctx, "printf ok", []string{live})[0]
		facts := calyptos.Gather(ctx, c, fact, []string{live, dead})
		seen.fact, seen.deadFact = facts[0], facts[1]
		seen.reached = c.Reached(dead, seen.deadFact.Err)
		var buf bytes.Buffer
		seen.fetchErr = c.Fetch(ctx, live, dir+"/bin", &buf)
		seen.fetched = buf.String()
		_, seen.dead1 = c.RunOnHost(ctx, "true", dead)
		_, seen.dead2 = c.RunOnHost(ctx, "true", dead)
	})
	var rep *calyptos.Report
	var err error
	ctx := s.ctx(t)
	bounded(t, "RunDebuggers", s.limit(ctx), func() {
		rep, err = calyptos.RunDebuggers(ctx, calyptos.NewRoleBuilder(nil), ex, []calyptos.Debugger{d},
			calyptos.RunOptions{CommandTimeout: s.h.Timeout, CheckTimeout: 2 * s.h.Timeout})
	})
	require.NoError(t, err)
	s.checkRunner(t, &seen, rep)
	s.ended(t, ex, s.pids(t, ex, dir+"/pids"))
}

// checkRunner checks what testRunner's debugger saw.
func (s *suite) checkRunner(t *testing.T, seen *runnerSeen, rep *calyptos.Report) {
	t.Helper()
	assert.ErrorIs(t, seen.slow.Err, context.DeadlineExceeded, "a command past its command timeout")
	assert.NotErrorIs(t, seen.slow.Err, calyptos.ErrTransport, "a command past its command timeout")
	if seen.slow.Elapsed > 2*time.Second+s.h.Grace {
		t.Errorf("a command with a 2s command timeout returned after %v", seen.slow.Elapsed.Round(time.Millisecond))
	}
	if assert.NoError(t, seen.after.Err, "a command after one that timed out") {
		assert.Equal(t, "ok", seen.after.Stdout)
	}
	if assert.NoError(t, seen.fact.Err, "a fact gathered by the runner's script") {
		sameText(t, "the fact's stdout", allBytes(false), seen.fact.Value)
		assert.Equal(t, "err", seen.fact.Output.Stderr, "the fact's stderr")
		assert.Equal(t, 3, seen.fact.Output.ExitCode, "the fact's exit status")
	}
	assert.ErrorIs(t, seen.deadFact.Err, calyptos.ErrTransport, "a fact of the unreachable host")
	assert.False(t, seen.reached, "Check.Reached of the unreachable host")
	if assert.NoError(t, seen.fetchErr, "Check.Fetch") {
		sameText(t, "Check.Fetch", allBytes(false), seen.fetched)
	}
	assert.ErrorIs(t, seen.dead1, calyptos.ErrHostDown, "the runner counts the host down after its first transport error")
	assert.ErrorIs(t, seen.dead2, calyptos.ErrHostDown)
	HasFinding(t, rep, Match{Host: s.h.Unreachable, ID: "calyptostest-contract/unreachable", Status: calyptos.Fail})
}
