package cli

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos/report"
)

// serveLog is a stderr that the test reads while serve writes to it.
type serveLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *serveLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *serveLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func noEnv(string) string { return "" }

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// TestServeLocalEndToEnd runs `calyptos serve --local` on the example
// environment (every role on this machine), waits for its first report and
// reads every endpoint, then stops it as SIGTERM would.
func TestServeLocalEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the debuggers on this machine")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout bytes.Buffer
	stderr := &serveLog{}
	exit := make(chan int, 1)
	go func() {
		exit <- Main(ctx, []string{"serve", "--local", "-e", localhostEnv, "--listen", "127.0.0.1:0", "--interval", "1h", "--timeout", "30s"},
			strings.NewReader(""), &stdout, stderr, noEnv)
	}()
	urlRE := regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+/)`)
	var base string
	require.Eventually(t, func() bool {
		m := urlRE.FindStringSubmatch(stderr.String())
		if m != nil {
			base = m[1]
		}
		return m != nil
	}, 30*time.Second, 10*time.Millisecond, "no listening line: %s", stderr)
	assert.Contains(t, stderr.String(), "note: not run, as they are not read-only: eucalyptus_sosreports")

	var health string
	require.Eventually(t, func() bool {
		_, health = httpGet(t, base+"healthz")
		return !strings.HasPrefix(health, "starting")
	}, 3*time.Minute, 100*time.Millisecond)
	// This machine runs no Eucalyptus: its services are missing.
	code, health := httpGet(t, base+"healthz")
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Regexp(t, `^failing: \d+ failures in `, health)

	code, body := httpGet(t, base+"report.json")
	require.Equal(t, http.StatusOK, code)
	rep, err := report.ReadJSON(strings.NewReader(body))
	require.NoError(t, err)
	assert.NotNil(t, rep.Check("check_ports"))
	assert.NotNil(t, rep.Check("verify_networking"))
	assert.Nil(t, rep.Check("eucalyptus_sosreports"))
	assert.NotEmpty(t, rep.Probes())

	code, body = httpGet(t, base)
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, `<table class="grid"`)
	assert.Contains(t, body, `id="problems"`)

	_, body = httpGet(t, base+"metrics")
	assert.Contains(t, body, `calyptos_host_up{host="127.0.0.1"} 1`)
	assert.Contains(t, body, `calyptos_findings{check="check_ports",status="fail"}`)
	assert.Contains(t, body, `calyptos_runs_total{result="failed"} 1`)

	cancel()
	select {
	case code := <-exit:
		// A server stopped by SIGTERM stopped as asked: systemd wants 0.
		assert.Equal(t, ExitOK, code)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop after its context ended")
	}
	assert.Contains(t, stderr.String(), "stopped")
	assert.NotContains(t, stderr.String(), "calyptos: interrupted")
	assert.Empty(t, stdout.String())
}

func TestServeUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"serve", "-e", localhostEnv, "--local", "--interval", "0"}, "--interval must be positive"},
		{[]string{"serve", "-e", localhostEnv, "--local", "--listen", "9273"}, `--listen "9273"`},
		{[]string{"serve", "-e", localhostEnv, "--local", "extra"}, `unexpected argument "extra"`},
		{[]string{"serve", "-e", localhostEnv, "--local", "--only", "eucalyptus_sosreports"}, `unknown check "eucalyptus_sosreports"`},
		{[]string{"serve", "--local"}, "-e/--environment FILE is required"},
		{[]string{"serve", "-e", localhostEnv, "--local", "-u", "root"}, "--user is an SSH flag"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[1:], " "), func(t *testing.T) {
			var stdout bytes.Buffer
			stderr := &serveLog{}
			code := Main(t.Context(), tt.args, strings.NewReader(""), &stdout, stderr, noEnv)
			assert.Equal(t, ExitUsage, code)
			assert.Contains(t, stderr.String(), tt.want)
		})
	}
}

func TestServeHelpListsReadOnlyChecks(t *testing.T) {
	var stdout bytes.Buffer
	code := Main(t.Context(), []string{"serve", "-h"}, strings.NewReader(""), &stdout, &serveLog{}, noEnv)
	assert.Equal(t, ExitOK, code)
	assert.Contains(t, stdout.String(), "verify_networking")
	assert.NotContains(t, stdout.String(), "eucalyptus_sosreports,")
	assert.Contains(t, stdout.String(), "--listen ADDR")
}

// TestDebugHTMLOutput writes -o html for a local debug run.
func TestDebugHTMLOutput(t *testing.T) {
	var stdout bytes.Buffer
	stderr := &serveLog{}
	code := Main(t.Context(), []string{"debug", "--local", "-e", localhostEnv, "--only", "check_ports", "-o", "html"},
		strings.NewReader(""), &stdout, stderr, noEnv)
	assert.Equal(t, ExitFailed, code, stderr.String())
	page := stdout.String()
	assert.True(t, strings.HasPrefix(page, "<!DOCTYPE html>"))
	assert.Contains(t, page, "<strong>check_ports</strong>")
	assert.NotContains(t, page, "<script")
}

// TestListenWarnsOffLoopback: only a loopback --listen is quiet; every
// other address (the wildcard included) is warned about.
func TestListenWarnsOffLoopback(t *testing.T) {
	for _, tc := range []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:0", true}, {"[::1]:0", true}, {"localhost:0", true},
		{":0", false}, {"0.0.0.0:0", false}, {"[::]:0", false}, {"10.1.2.3:9273", false},
	} {
		host, _, err := net.SplitHostPort(tc.addr)
		require.NoError(t, err)
		assert.Equal(t, tc.want, isLoopback(host), tc.addr)
	}
}

// TestServeTakesTheGateFlags: serve accepts --waivers, --baseline and
// --strict (it refused them), reads them before it listens, and its -h
// lists its exit codes under the heading.
func TestServeTakesTheGateFlags(t *testing.T) {
	h := newHarness(t, nil, nil)
	env := writeEnv(t, twoHosts)
	bad := filepath.Join(t.TempDir(), "w.yml")
	require.NoError(t, os.WriteFile(bad, []byte("waivers:\n  - {id: '*/*', reason: r, expires: 2099-01-01}\n"), 0o600))
	assert.Equal(t, ExitUsage, h.run("serve", "-e", env, "--waivers", bad, "--strict", "--listen", "127.0.0.1:0"))
	assert.Contains(t, h.stderr.String(), "waives every finding of every check")
	assert.NotContains(t, h.stderr.String(), "flag provided but not defined")

	h = newHarness(t, nil, nil)
	require.Equal(t, ExitOK, h.run("serve", "-h"))
	_, table, ok := strings.Cut(h.stdout.String(), "Exit codes:\n")
	require.True(t, ok)
	assert.Contains(t, table, "0    stopped by SIGINT or SIGTERM")
}
