package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/report"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeChecks writes a checks file and returns its path.
func writeChecks(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "checks.yml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

// processChecks checks a process on the CLC and one on every host.
const processChecks = `roles:
  clc:
    process:
      java: {running: true}
  all:
    process:
      sshd: {running: true}
`

// processesOf answers the checks' processes fact with comms.
func processesOf(comms ...string) func(SSHConfig, *calyptostest.Executor) {
	return func(_ SSHConfig, e *calyptostest.Executor) {
		e.OnMatch("", `/proc/\[0-9\]\*/comm`).Stdout(strings.Join(comms, "\n") + "\n")
	}
}

func TestCheckExitCodes(t *testing.T) {
	env := writeEnv(t, twoHosts)
	file := writeChecks(t, processChecks)
	tests := []struct {
		name   string
		script func(SSHConfig, *calyptostest.Executor)
		want   int
	}{
		{"passing", processesOf("sshd", "java"), ExitOK},
		{"failing", processesOf("sshd"), ExitFailed},
		{"all down", func(_ SSHConfig, e *calyptostest.Executor) {
			e.HostDown("127.0.0.1")
			e.HostDown("127.0.0.2")
		}, ExitTransport},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil, nil)
			h.withSSH(tt.script)
			assert.Equal(t, tt.want, h.run("check", "-f", file, "-e", env), h.stderr.String())
			assert.Contains(t, h.stdout.String(), "checks:clc")
		})
	}
}

func TestCheckJSONAndSelection(t *testing.T) {
	env := writeEnv(t, twoHosts)
	file := writeChecks(t, processChecks)
	h := newHarness(t, nil, nil)
	h.withSSH(processesOf("sshd"))
	require.Equal(t, ExitFailed, h.run("check", "-f", file, "-e", env, "-o", "json", "--only", "checks:clc"))
	var rep calyptos.Report
	require.NoError(t, json.Unmarshal(h.stdout.Bytes(), &rep))
	require.Len(t, rep.Checks, 1)
	f := rep.Checks[0].Findings[0]
	assert.Equal(t, "checks:clc/process:java:running", f.ID)
	assert.Equal(t, "127.0.0.1", f.Host)
	assert.Equal(t, calyptos.Position{File: file, Line: 4, Column: 14}, f.Pos)
	assert.Equal(t, calyptos.KindDebug, rep.Kind, "a check run is a debug run: its baselines are debug reports")

	// A baseline of that report accepts the failure.
	base := filepath.Join(t.TempDir(), "base.json")
	require.NoError(t, os.WriteFile(base, h.stdout.Bytes(), 0o600))
	assert.Equal(t, ExitOK, h.run("check", "-f", file, "-e", env, "--only", "checks:clc", "--baseline", base), h.stderr.String())
	assert.Equal(t, ExitUsage, h.run("check", "-f", file, "-e", env, "--only", "checks:web"))
	assert.Contains(t, h.stderr.String(), `unknown check "checks:web" (valid: checks:clc, checks:all)`)
}

func TestCheckFileErrors(t *testing.T) {
	env := writeEnv(t, twoHosts)
	tests := []struct {
		name, checks string
		args         []string
		stderr       []string
	}{
		{"invalid", "roles:\n  clc:\n    servce:\n      x: {running: true}\n    file:\n      /x: {exists: true, mode: \"999\"}\n", nil,
			[]string{`checks.yml:3:5: unknown resource type "servce" (did you mean "service"?)`, `checks.yml:6:32: mode: "999" is not a file mode`, "2 problems; nothing was run"}},
		{"unknown role", "roles:\n  clcs:\n    process:\n      x: {running: true}\n", nil,
			[]string{`checks.yml:2:3: unknown role "clcs" (did you mean "clc"?) (roles: all, cassandra,`, "1 problem; nothing was run"}},
		{"no roles", "roles:\n  clc:\n    process:\n      x: {running: true}\n", []string{"-e", ""},
			[]string{"-e/--environment FILE is required (or --local, to check this machine)"}},
		{"no file", "", []string{"-f", ""}, []string{"-f/--file CHECKS.yml is required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := writeChecks(t, tt.checks)
			h := newHarness(t, nil, nil)
			args := append([]string{"check", "-f", file, "-e", env}, tt.args...)
			assert.Equal(t, ExitUsage, h.run(args...))
			for _, s := range tt.stderr {
				assert.Contains(t, h.stderr.String(), s)
			}
			assert.Empty(t, h.sshCalls, "nothing connects")
		})
	}
	h := newHarness(t, nil, nil)
	assert.Equal(t, ExitUsage, h.run("check", "-f", filepath.Join(t.TempDir(), "none.yml"), "-e", env))
	assert.Contains(t, h.stderr.String(), "none.yml does not exist")
	file := writeChecks(t, processChecks)
	assert.Equal(t, ExitUsage, h.run("check", "-f", file, "-e", env, "--out", file))
	assert.Contains(t, h.stderr.String(), "is the checks file")
}

// TestCheckLocal runs a checks file on this machine: every role of the
// file is it.
func TestCheckLocal(t *testing.T) {
	file := writeChecks(t, "roles:\n  web:\n    kernel-param:\n      kernel.ostype: {value: Linux}\n  db:\n    file:\n      /: {exists: true, filetype: directory}\n")
	h := newHarness(t, nil, nil)
	assert.Equal(t, ExitOK, h.run("check", "-f", file, "--local"), h.stderr.String()+h.stdout.String())
	assert.Contains(t, h.stdout.String(), "localhost: "+file+":4:23: kernel-param kernel.ostype: value: \"Linux\"")
	assert.Empty(t, h.sshCalls)
}

// TestServeChecks serves a checks file's checks (serve --checks), alone
// (--only), on this machine.
func TestServeChecks(t *testing.T) {
	file := writeChecks(t, "roles:\n  clc:\n    kernel-param:\n      kernel.ostype: {value: Linux}\n")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &serveLog{}
	exit := make(chan int, 1)
	go func() {
		exit <- Main(ctx, []string{"serve", "--local", "-e", localhostEnv, "--checks", file, "--only", "checks:clc",
			"--listen", "127.0.0.1:0", "--interval", "1h"}, strings.NewReader(""), &bytes.Buffer{}, stderr, noEnv)
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
	require.Eventually(t, func() bool {
		code, _ := httpGet(t, base+"healthz")
		return code == http.StatusOK
	}, time.Minute, 50*time.Millisecond, stderr.String())
	_, body := httpGet(t, base+"report.json")
	rep, err := report.ReadJSON(strings.NewReader(body))
	require.NoError(t, err)
	require.NotNil(t, rep.Check("checks:clc"))
	assert.Equal(t, "checks:clc/kernel-param:kernel.ostype:value", rep.Check("checks:clc").Findings[0].ID)
	cancel()
	assert.Equal(t, ExitOK, <-exit)

	bad := writeChecks(t, "roles:\n  clc:\n    servce: {}\n")
	code := Main(t.Context(), []string{"serve", "--local", "-e", localhostEnv, "--checks", bad}, strings.NewReader(""), &bytes.Buffer{}, stderr, noEnv)
	assert.Equal(t, ExitUsage, code)
	assert.Contains(t, stderr.String(), `checks.yml:3:5: unknown resource type "servce"`)
}
