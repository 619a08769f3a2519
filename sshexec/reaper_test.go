package sshexec_test

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos/internal/sshdtest"
	"github.com/org/calyptos/sshexec"
)

// markerSeq makes every remote sleep of these tests unique on the machine,
// so that pgrep finds only the processes of one case.
var markerSeq atomic.Int64

// marker returns a sleep duration unique to this test process and case,
// "601.<pid><n>"-like: pgrep -f for it matches nothing else.
func marker(base int) string {
	return fmt.Sprintf("%d.%d%04d", base, time.Now().UnixNano()%1_000_000, markerSeq.Add(1))
}

// running lists the processes whose command line contains s.
func running(s string) string {
	out, _ := exec.Command("pgrep", "-af", s).Output() // exit 1: none
	var lines []string
	for l := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		if l != "" && !strings.Contains(l, "pgrep") {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

// TestRemoteCommandEndsWithItsCall: when a command's deadline passes or
// its call is cancelled, the command and everything it started end on the
// host too, for root (whose sessions OpenSSH will not signal) as for
// another user.
func TestRemoteCommandEndsWithItsCall(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.40"}})
	users := map[string]string{"login user " + srv.User: srv.User}
	if other, _ := sshdtest.CreateUser(t); other != "" {
		users["non-root user"] = other
	}
	for name, user := range users {
		opts := baseOptions(srv)
		opts.User = user
		e := newExecutor(t, opts)
		_, err := e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, "true")
		require.NoError(t, err, name)
		for _, how := range []string{"deadline", "cancel"} {
			for _, shape := range []string{"one process", "with a child", "ignoring SIGTERM"} {
				t.Run(name+"/"+how+"/"+shape, func(t *testing.T) {
					m1, m2 := marker(601), marker(602)
					cmd := map[string]string{
						"one process":      "sleep " + m1,
						"with a child":     "sh -c 'sleep " + m1 + " & sleep " + m2 + "'",
						"ignoring SIGTERM": "trap '' TERM; sleep " + m1 + " & sleep " + m2,
					}[shape]
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					if how == "deadline" {
						ctx, cancel = context.WithTimeout(ctx, time.Second)
						defer cancel()
					} else {
						time.AfterFunc(time.Second, cancel)
					}
					_, err := e.Run(ctx, srv.Addr, cmd)
					require.ErrorIs(t, err, ctx.Err())
					for _, m := range []string{m1, m2} {
						assert.True(t, eventually(func() bool { return running(m) == "" }),
							"still running on the host:\n%s", running(m))
					}
				})
			}
		}
	}
}

// TestRemoteBackgroundSurvivesNormalEnd: a command that ends by itself
// leaves what it started in the background running, as without the
// reaper (only a deadline or a cancellation ends them).
func TestRemoteBackgroundSurvivesNormalEnd(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.41"}})
	e := newExecutor(t, baseOptions(srv))
	m := marker(603)
	out, err := e.Run(ctxTimeout(t, 30*time.Second), srv.Addr, "sleep "+m+" >/dev/null 2>&1 & echo started")
	require.NoError(t, err)
	assert.Equal(t, "started\n", out.Stdout)
	time.Sleep(500 * time.Millisecond) // time for a wrong kill to land
	assert.NotEmpty(t, running(m), "the background sleep was killed")
	_ = exec.Command("pkill", "-f", m).Run()
}

var _ = sshexec.ErrConnLost
