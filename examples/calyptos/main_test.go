package main_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/org/calyptos"
	"github.com/org/calyptos/cli"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/internal/sshdtest"
	"github.com/org/calyptos/report"
)

// The tests build the command once and run it as a user would.
func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

// binaryPath is where TestMain builds the command: a directory of this
// test process's own.
func binaryPath() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("calyptos-cli-test-%d", os.Getpid()), "calyptos")
}

func buildAndRun(m *testing.M) int {
	dir := filepath.Dir(binaryPath())
	if err := os.MkdirAll(dir, 0o700); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	build := exec.Command("go", "build", "-o", binaryPath(), ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building calyptos:", err)
		return 1
	}
	return m.Run()
}

const (
	localhostEnv = "../localhost.yml"
	edgeEnv      = "../../testdata/edge.yml"
)

type result struct {
	code           int
	stdout, stderr string
}

// command prepares the binary with a clean environment: an empty HOME (no
// ~/.ssh keys or config), no agent, no password variable.
func command(t *testing.T, ctx context.Context, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.CommandContext(ctx, binaryPath(), args...)
	home := t.TempDir()
	cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "USER=" + os.Getenv("USER"), "LANG=C"}
	return cmd
}

func run(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := command(t, ctx, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		require.NoError(t, err)
	}
	return result{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

// junitCounts decodes the counts of a JUnit document.
type junitCounts struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Suites   []struct {
		Name  string `xml:"name,attr"`
		Tests int    `xml:"tests,attr"`
		Cases []struct {
			Name    string    `xml:"name,attr"`
			Failure *struct{} `xml:"failure"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestHelpAndVersion(t *testing.T) {
	r := run(t, "-h")
	require.Equal(t, 0, r.code, r)
	assert.Contains(t, r.stdout, "Exit codes:")
	for _, c := range []string{"validate", "debug", "execute", "roles", "version"} {
		r := run(t, c, "-h")
		require.Equal(t, 0, r.code, r)
		assert.Contains(t, r.stdout, "Examples:")
	}
	r = run(t, "version")
	require.Equal(t, 0, r.code, r)
	assert.True(t, strings.HasPrefix(r.stdout, "calyptos "), r.stdout)

	r = run(t)
	assert.Equal(t, 2, r.code, r)
	assert.Contains(t, r.stderr, "Usage:")
}

func TestRoles(t *testing.T) {
	r := run(t, "roles", "-e", localhostEnv)
	require.Equal(t, 0, r.code, r)
	assert.Regexp(t, `(?m)^  clc +127\.0\.0\.1$`, r.stdout)
	assert.Contains(t, r.stdout, "Clusters:\n  one\n")

	r = run(t, "roles", "-e", edgeEnv, "-o", "json")
	require.Equal(t, 0, r.code, r)
	var res cli.RolesResult
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &res))
	assert.Equal(t, []string{"192.0.2.20", "192.0.2.30"}, res.Roles[eucalyptus.RoleClusterController])
	assert.Len(t, res.Clusters, 2)
}

func TestValidate(t *testing.T) {
	offline := []string{"--skip", "pinghosts,repos"} // edge.yml's hosts are documentation addresses
	r := run(t, append([]string{"validate", "-e", edgeEnv}, offline...)...)
	require.Equal(t, 0, r.code, r)
	assert.Contains(t, r.stdout, "[VALIDATION PASSED   ] cloud controller: 192.0.2.10")
	assert.Contains(t, r.stdout, "Total failed: 0")

	r = run(t, append([]string{"validate", "-e", edgeEnv, "-o", "json"}, offline...)...)
	require.Equal(t, 0, r.code, r)
	rep, err := report.ReadJSON(strings.NewReader(r.stdout))
	require.NoError(t, err)
	var plain calyptos.Report
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &plain), "the JSON decodes into calyptos.Report")
	assert.Equal(t, rep.Totals, plain.Totals)
	assert.Equal(t, calyptos.KindValidate, rep.Kind)
	assert.Positive(t, rep.Totals.Pass)
	assert.Nil(t, rep.Check("pinghosts"))

	r = run(t, append([]string{"validate", "-e", edgeEnv, "-o", "junit"}, offline...)...)
	require.Equal(t, 0, r.code, r)
	var ju junitCounts
	require.NoError(t, xml.Unmarshal([]byte(r.stdout), &ju), r.stdout)
	assert.Zero(t, ju.Failures)
	assert.Len(t, ju.Suites, len(rep.Checks))
	assert.Positive(t, ju.Tests)
}

func TestValidateFailureAndStrict(t *testing.T) {
	// A node controller in two clusters: a failure of the topology
	// validator, warnings only from the hosts validator (loopback hosts),
	// and no network: the network validators are not run.
	env := writeFile(t, "bad.yml", `name: bad
default_attributes:
  eucalyptus:
    topology:
      clc: [127.0.0.1]
      user-facing: [127.0.0.1]
      clusters:
        one: {cc: [127.0.0.2], sc: [127.0.0.2], nodes: [127.0.0.3]}
        two: {cc: [127.0.0.4], sc: [127.0.0.4], nodes: [127.0.0.3]}
`)
	r := run(t, "validate", "-e", env, "--only", "topology,hosts", "-o", "json")
	require.Equal(t, 1, r.code, r)
	rep, err := report.ReadJSON(strings.NewReader(r.stdout))
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Totals.Fail)
	assert.Equal(t, 1, rep.Check("topology").Counts.Fail, "host 127.0.0.3 is in 2 clusters")
	assert.Zero(t, rep.Check("hosts").Counts.Fail)

	r = run(t, "validate", "-e", env, "--only", "topology,hosts", "-o", "junit")
	require.Equal(t, 1, r.code, r)
	var ju junitCounts
	require.NoError(t, xml.Unmarshal([]byte(r.stdout), &ju))
	assert.Positive(t, ju.Failures)
}

func TestValidateLocalhostFully(t *testing.T) {
	// Every validator, network ones included: repos skips file:// URLs and
	// pinghosts dials 127.0.0.1:22 only.
	r := run(t, "validate", "-e", localhostEnv, "--timeout", "2s", "-o", "json")
	require.Contains(t, []int{0, 1}, r.code, r)
	rep, err := report.ReadJSON(strings.NewReader(r.stdout))
	require.NoError(t, err)
	for _, c := range rep.Checks {
		if c.Name != "pinghosts" { // passes only where an sshd listens on 22
			assert.Zero(t, c.Counts.Fail, "%s: %v", c.Name, c.Findings)
		}
	}
	assert.NotNil(t, rep.Check("pinghosts"))
}

func TestEnvironmentFileErrors(t *testing.T) {
	bad := writeFile(t, "bad.yml", "name: x\ndefault_attributes:\n  eucalyptus:\n    topology:\n      clc: [192.0.2.1]\n")
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"invalid", []string{"validate", "-e", bad}, []string{bad + ":5:7: topology has no user-facing services host", bad + ":5:7: topology has no clusters", bad + ": 2 problems; nothing was run"}},
		{"missing", []string{"debug", "--local", "-e", "no-such.yml"}, []string{"environment file no-such.yml does not exist"}},
		{"unknown --only", []string{"validate", "-e", edgeEnv, "--only", "structure,nosuch"},
			[]string{`unknown check "nosuch" (valid: structure, topology, hosts, network, storage, nc, vpc, repos, pinghosts)`}},
		{"no -e", []string{"execute", "true"}, []string{"-e/--environment FILE is required"}},
		{"bad flag", []string{"roles", "-e", edgeEnv, "--nope"}, []string{"flag provided but not defined: -nope", "calyptos roles -h"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, tt.args...)
			assert.Equal(t, 2, r.code, r)
			for _, w := range tt.want {
				assert.Contains(t, r.stderr, w)
			}
			assert.NotContains(t, r.stderr, "goroutine")
			assert.Empty(t, r.stdout)
		})
	}
}

func TestExecuteLocal(t *testing.T) {
	r := run(t, "execute", "--local", "-e", localhostEnv, "echo hello; echo warn >&2")
	require.Equal(t, 0, r.code, r)
	assert.Contains(t, r.stdout, "=== 127.0.0.1 (exit 0, ")
	assert.Contains(t, r.stdout, "hello\n--- stderr\nwarn\n")
	assert.Contains(t, r.stdout, "1 host: 1 ok, 0 failed, 0 unreachable")

	r = run(t, "execute", "-e", localhostEnv, "-r", "node-controller", "-o", "json", "--local", "--", "echo", "out;", "exit", "3")
	require.Equal(t, 1, r.code, r)
	var res cli.ExecResult
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &res), r.stdout)
	assert.Equal(t, "echo out; exit 3", res.Command)
	assert.Equal(t, "node-controller", res.Role)
	require.Len(t, res.Hosts, 1)
	assert.Equal(t, "out\n", res.Hosts[0].Stdout)
	assert.Equal(t, 3, res.Hosts[0].ExitCode)
	assert.Equal(t, cli.ExecTotals{Failed: 1}, res.Totals)

	r = run(t, "execute", "--local", "-e", localhostEnv, "-o", "junit", "exit 4")
	require.Equal(t, 1, r.code, r)
	var ju junitCounts
	require.NoError(t, xml.Unmarshal([]byte(r.stdout), &ju), r.stdout)
	assert.Equal(t, 1, ju.Failures)
	assert.Equal(t, 1, ju.Tests)

	out := filepath.Join(t.TempDir(), "exec.json")
	r = run(t, "execute", "--local", "-e", localhostEnv, "-o", "json", "--out", out, "echo to-file")
	require.Equal(t, 0, r.code, r)
	assert.Contains(t, r.stdout, "to-file", "the text stream still goes to stdout")
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &res))
	assert.Equal(t, "to-file\n", res.Hosts[0].Stdout)
}

// keyFile writes a fresh unencrypted ed25519 private key and returns its
// path, so that sshexec has a key to offer and goes as far as dialling.
func keyFile(t *testing.T) string {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	block, err := ssh.MarshalPrivateKey(priv, "test")
	require.NoError(t, err)
	return writeFile(t, "id_ed25519", string(pem.EncodeToMemory(block)))
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	return port
}

// TestNoKeyAndPortClosedIsUnreachable: with no key at all and nothing
// listening, the host is unreachable; no password is asked for or
// mentioned.
func TestNoKeyAndPortClosedIsUnreachable(t *testing.T) {
	port := fmt.Sprint(closedPort(t))
	for _, args := range [][]string{
		{"debug", "-e", localhostEnv, "--port", port},
		{"execute", "-e", localhostEnv, "--port", port, "true"},
	} {
		t.Run(args[0], func(t *testing.T) {
			r := run(t, args...)
			assert.Equal(t, 3, r.code, r)
			assert.NotContains(t, r.stdout+r.stderr, "password", r)
			assert.Contains(t, r.stderr, "no host could be reached (first error: ssh 127.0.0.1: dial: ", r)
			assert.Contains(t, r.stderr, "connection refused", r)
		})
	}
}

func TestTransportFailureEverywhere(t *testing.T) {
	port := fmt.Sprint(closedPort(t))
	r := run(t, "execute", "-e", localhostEnv, "--port", port, "-i", keyFile(t), "uptime")
	assert.Equal(t, 3, r.code, r)
	assert.Contains(t, r.stdout, "0 ok, 0 failed, 1 unreachable")
	assert.Contains(t, r.stderr, "no host could be reached")
	assert.Contains(t, r.stdout, "ssh 127.0.0.1: dial")
}

func TestInterruptPrintsPartialReport(t *testing.T) {
	started := filepath.Join(t.TempDir(), "started")
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := command(t, ctx, "execute", "--local", "-e", localhostEnv, "sleep 30 & echo $! > "+calyptos.ShellQuote(started)+"; wait")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())
	var sleepPID int
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(started)
		if err != nil || !bytes.HasSuffix(b, []byte("\n")) {
			return false
		}
		_, err = fmt.Sscan(string(b), &sleepPID)
		return err == nil
	}, 20*time.Second, 10*time.Millisecond)

	sent := time.Now()
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	err := cmd.Wait()
	var exitErr *exec.ExitError
	require.ErrorAs(t, err, &exitErr, "stdout: %s\nstderr: %s", stdout.String(), stderr.String())
	assert.Equal(t, 130, exitErr.ExitCode(), stderr.String())
	assert.Less(t, time.Since(sent), 15*time.Second, "the run stops promptly")
	assert.Contains(t, stdout.String(), "=== 127.0.0.1 (run on 127.0.0.1: context canceled")
	assert.Contains(t, stdout.String(), "Run interrupted")
	assert.Contains(t, stderr.String(), "calyptos: interrupted")
	assert.Eventually(t, func() bool { return !running(sleepPID) }, 10*time.Second, 10*time.Millisecond,
		"the command's child %d survived the interrupt", sleepPID)
}

// running reports whether pid is a live (not zombie) process.
func running(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}

// sshEnv writes an environment file whose hosts are the server's addresses.
func sshEnv(t *testing.T, hosts ...string) string {
	list := "[" + strings.Join(hosts, ", ") + "]"
	return writeFile(t, "ssh.yml", fmt.Sprintf(`name: ssh
default_attributes:
  eucalyptus:
    topology:
      clc: [%s]
      user-facing: [%s]
      clusters:
        one: {cc: [%s], sc: [%s], nodes: %s}
`, hosts[0], hosts[0], hosts[len(hosts)-1], hosts[len(hosts)-1], list))
}

func TestExecuteOverSSH(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.0.1", "127.0.0.2"}})
	env := sshEnv(t, "127.0.0.1", "127.0.0.2")
	ssh := []string{"-u", srv.User, "-i", srv.ClientKeyFile, "--known-hosts", srv.KnownHostsFile, "--port", fmt.Sprint(srv.Port)}

	r := run(t, append([]string{"execute", "-e", env, "-o", "json", "echo $SSH_CONNECTION"}, ssh...)...)
	require.Equal(t, 0, r.code, r)
	var res cli.ExecResult
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &res))
	require.Len(t, res.Hosts, 2)
	for _, h := range res.Hosts {
		// sshd saw the connection arrive at the host's own address.
		assert.Contains(t, h.Stdout, " "+h.Host+" "+fmt.Sprint(srv.Port), h)
	}

	r = run(t, append([]string{"execute", "-e", env, "-r", "clc", "exit 5"}, ssh...)...)
	assert.Equal(t, 1, r.code, r)
	assert.Contains(t, r.stdout, "=== 127.0.0.1 (exit 5")

	// Without the host key in known_hosts nothing runs.
	r = run(t, "execute", "-e", env, "-u", srv.User, "-i", srv.ClientKeyFile, "--port", fmt.Sprint(srv.Port), "true")
	assert.Equal(t, 3, r.code, r)
	assert.Contains(t, r.stdout, "host key")

	r = run(t, "execute", "-e", env, "-u", srv.User, "-i", srv.ClientKeyFile, "--port", fmt.Sprint(srv.Port), "--insecure-ignore-host-keys", "true")
	assert.Equal(t, 0, r.code, r)
	assert.Contains(t, r.stderr, "warning: --insecure-ignore-host-keys")
}

func TestSSHPasswordNeededWithoutTerminal(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	env := sshEnv(t, "127.0.0.1")
	// No key at all: the server refuses, and with stdin not a terminal the
	// command says how to give a password instead of prompting.
	r := run(t, "execute", "-e", env, "-u", srv.User, "--known-hosts", srv.KnownHostsFile, "--port", fmt.Sprint(srv.Port), "true")
	assert.Equal(t, 3, r.code, r)
	assert.Contains(t, r.stderr, "needs a password (no SSH key was accepted) and none was given; cannot ask for one: standard input is not a terminal (pass -p PASSWORD or set CALYPTOS_SSH_PASSWORD")
}

func TestSSHPasswordLogin(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{Password: true})
	user, password := sshdtest.CreateUser(t)
	env := sshEnv(t, "127.0.0.1")
	r := run(t, "execute", "-e", env, "-u", user, "-p", password, "--known-hosts", srv.KnownHostsFile, "--port", fmt.Sprint(srv.Port),
		"id -un; echo "+calyptos.ShellQuote(password))
	require.Equal(t, 0, r.code, r)
	assert.Contains(t, r.stdout, user+"\n")
	assert.NotContains(t, r.stdout+r.stderr, password, "the password is redacted from the output")
	assert.Contains(t, r.stdout, "[REDACTED]")
}

func TestDebugLocal(t *testing.T) {
	r := run(t, "debug", "--local", "-e", localhostEnv)
	// No Eucalyptus here: services and ports are reported missing.
	require.Equal(t, 1, r.code, r)
	assert.Contains(t, r.stdout, "[DEBUG STARTING      ] check_ports")
	assert.Contains(t, r.stdout, "Total failed: ")
	assert.NotContains(t, r.stdout, "cannot run commands", "every command ran")

	r = run(t, "debug", "--local", "-e", localhostEnv, "-o", "json")
	require.Equal(t, 1, r.code, r)
	rep, err := report.ReadJSON(strings.NewReader(r.stdout))
	require.NoError(t, err)
	assert.Equal(t, calyptos.KindDebug, rep.Kind)
	assert.Len(t, rep.Checks, 10)
	assert.Positive(t, rep.Totals.Fail)
	assert.NotEmpty(t, rep.Probes(), "verify_networking probes the loopback ports")

	junit := filepath.Join(t.TempDir(), "debug.xml")
	r = run(t, "debug", "--local", "-e", localhostEnv, "-o", "junit", "--out", junit, "--skip", "verify_networking")
	require.Equal(t, 1, r.code, r)
	assert.Contains(t, r.stdout, "Total passed:", "text still streams to stdout")
	b, err := os.ReadFile(junit)
	require.NoError(t, err)
	var ju junitCounts
	require.NoError(t, xml.Unmarshal(b, &ju))
	assert.Len(t, ju.Suites, 9)
	assert.Positive(t, ju.Failures)

	r = run(t, "debug", "--local", "-e", localhostEnv, "--only", "check_ports,nope")
	assert.Equal(t, 2, r.code, r)
	assert.Contains(t, r.stderr, `unknown check "nope" (valid: check_ports, component_storage_check,`)
}

func TestDebugNoHostReachable(t *testing.T) {
	port := fmt.Sprint(closedPort(t))
	r := run(t, "debug", "-e", localhostEnv, "--port", port, "-i", keyFile(t), "--only", "component_storage_check,file_permissions")
	assert.Equal(t, 3, r.code, r)
	assert.Contains(t, r.stderr, "no host could be reached (first error: ssh 127.0.0.1: dial")
}

func TestDebugOverSSH(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.0.1", "127.0.0.2"}})
	env := sshEnv(t, "127.0.0.1", "127.0.0.2")
	r := run(t, "debug", "-e", env, "-u", srv.User, "-i", srv.ClientKeyFile, "--known-hosts", srv.KnownHostsFile,
		"--port", fmt.Sprint(srv.Port), "--only", "component_storage_check,file_permissions", "-o", "json")
	require.Contains(t, []int{0, 1}, r.code, r)
	rep, err := report.ReadJSON(strings.NewReader(r.stdout))
	require.NoError(t, err)
	hosts := map[string]bool{}
	for _, f := range rep.Findings() {
		assert.NotContains(t, f.Message, "cannot run commands", f)
		hosts[f.Host] = true
	}
	assert.True(t, hosts["127.0.0.1"] && hosts["127.0.0.2"], "both hosts were inspected: %v", hosts)
}
