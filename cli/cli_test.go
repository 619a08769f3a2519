package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/report"
)

func TestFlagSetParse(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     string
		ids     []string
		only    []string
		timeout time.Duration
		pos     []string
		wantErr string
	}{
		{name: "short", args: []string{"-e", "a.yml"}, env: "a.yml"},
		{name: "long with =", args: []string{"--environment=a.yml"}, env: "a.yml"},
		{name: "flags after positional", args: []string{"uptime", "-e", "a.yml", "-i", "k1", "--identity", "k2"}, env: "a.yml", ids: []string{"k1", "k2"}, pos: []string{"uptime"}},
		{name: "double dash ends flags", args: []string{"-e", "a.yml", "--", "ls", "-l"}, env: "a.yml", pos: []string{"ls", "-l"}},
		{name: "list flag splits and repeats", args: []string{"--only", "a, b", "--only=c"}, only: []string{"a", "b", "c"}},
		{name: "duration", args: []string{"--timeout", "90s"}, timeout: 90 * time.Second},
		{name: "seconds", args: []string{"--timeout", "1.5"}, timeout: 1500 * time.Millisecond},
		{name: "bad duration", args: []string{"--timeout", "soon"}, wantErr: `"soon" is not a duration`},
		{name: "infinite seconds", args: []string{"--timeout", "inf"}, wantErr: `"inf" is not a duration`},
		{name: "NaN seconds", args: []string{"--timeout", "NaN"}, wantErr: `"NaN" is not a duration`},
		{name: "too many seconds", args: []string{"--timeout", "1e10"}, wantErr: `"1e10" is too long`},
		{name: "too many negative seconds", args: []string{"--timeout", "-1e10"}, wantErr: `"-1e10" is too long`},
		{name: "unknown flag", args: []string{"--frobnicate"}, wantErr: "flag provided but not defined: -frobnicate"},
		{name: "missing value", args: []string{"-e"}, wantErr: "flag needs an argument: -e"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o options
			fs := newFlagSet("x")
			fs.stringVar(&o.envFile, "e,environment", "FILE", "env")
			fs.listVar(&o.identities, "i,identity", "FILE", false, "key")
			fs.listVar(&o.only, "only", "NAMES", true, "only")
			fs.durationVar(&o.timeout, "timeout", "D", "timeout")
			pos, err := fs.parse(tt.args)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.env, o.envFile)
			assert.Equal(t, tt.ids, o.identities)
			assert.Equal(t, tt.only, o.only)
			assert.Equal(t, tt.timeout, o.timeout)
			assert.Equal(t, tt.pos, pos)
			if tt.env != "" {
				assert.True(t, fs.set("environment"))
				assert.True(t, fs.set("e"))
			}
			assert.False(t, fs.set("identity") && tt.ids == nil)
		})
	}
}

func TestFlagHelpListsAliasesTogether(t *testing.T) {
	fs := newFlagSet("x")
	var s string
	var b bool
	fs.stringVar(&s, "u,user", "USER", "login user")
	fs.boolVar(&b, "strict", "count warnings\nas failures")
	var sb strings.Builder
	fs.writeHelp(&sb)
	assert.Equal(t, "  -u, --user USER  login user\n      --strict     count warnings\n                   as failures\n", sb.String())
}

func TestHelp(t *testing.T) {
	h := newHarness(t, nil, nil)
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}} {
		require.Equal(t, ExitOK, h.run(args...), args)
		out := h.stdout.String()
		for _, c := range []string{"validate", "debug", "execute", "roles", "version", "Exit codes:", "130"} {
			assert.Contains(t, out, c)
		}
	}
	for _, c := range []string{"validate", "debug", "execute", "roles", "version"} {
		for _, args := range [][]string{{c, "-h"}, {c, "--help"}, {"help", c}} {
			require.Equal(t, ExitOK, h.run(args...), args)
			out := h.stdout.String()
			assert.Contains(t, out, "Usage:\n  calyptos "+c)
			assert.Contains(t, out, "Examples:\n  calyptos "+c)
			assert.Empty(t, h.stderr.String())
		}
	}
	require.Equal(t, ExitOK, h.run("debug", "-h"))
	for _, f := range []string{"-u, --user USER", "-i, --identity FILE", "-p, --password", "--known-hosts FILE",
		"--insecure-ignore-host-keys", "-J, --jump", "--port PORT", "--parallel N", "--timeout DURATION", "--local",
		"-o, --output FORMAT", "--out FILE", "--artifacts DIR", "--only NAMES", "--skip NAMES", "--strict", "Exit codes:"} {
		assert.Contains(t, h.stdout.String(), f)
	}
}

// TestHelpExitCodes: each command's help lists the exit codes it can
// return, and only those; the program's help lists them all.
func TestHelpExitCodes(t *testing.T) {
	tests := []struct {
		args       []string
		codes      []int
		mentionsOf string // text only the check commands' table has
	}{
		{[]string{"-h"}, []int{0, 1, 2, 3, 130}, "--strict"},
		{[]string{"validate", "-h"}, []int{0, 1, 2, 130}, "--strict"},
		{[]string{"debug", "-h"}, []int{0, 1, 2, 3, 130}, "--strict"},
		{[]string{"execute", "-h"}, []int{0, 1, 2, 3, 130}, ""},
		{[]string{"roles", "-h"}, []int{0, 2}, ""},
		{[]string{"version", "-h"}, []int{0, 2}, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			h := newHarness(t, nil, nil)
			require.Equal(t, ExitOK, h.run(tt.args...))
			_, table, ok := strings.Cut(h.stdout.String(), "Exit codes:\n")
			require.True(t, ok, h.stdout.String())
			var got []int
			for line := range strings.Lines(table) {
				var code int
				if _, err := fmt.Sscanf(line, "  %d", &code); err == nil {
					got = append(got, code)
				}
			}
			assert.Equal(t, tt.codes, got)
			if tt.mentionsOf == "" {
				assert.NotContains(t, table, "--strict")
				assert.NotContains(t, table, "check passed")
			} else {
				assert.Contains(t, table, tt.mentionsOf)
			}
		})
	}
}

// TestProgramHelpNamesNoFileOfThisRepository: the first-run example
// (examples/localhost.yml) is Main's; another program's help does not
// point at a file it does not have.
func TestProgramHelpNamesNoFileOfThisRepository(t *testing.T) {
	h := newHarness(t, nil, nil)
	require.Equal(t, ExitOK, h.run("-h"))
	assert.NotContains(t, h.stdout.String(), "examples/localhost.yml")
	var out bytes.Buffer
	require.Equal(t, ExitOK, Main(t.Context(), []string{"-h"}, strings.NewReader(""), &out, io.Discard, func(string) string { return "" }))
	assert.Contains(t, out.String(), "calyptos debug --local -e examples/localhost.yml")
}

func TestUsageErrors(t *testing.T) {
	env := writeEnv(t, twoHosts)
	tests := []struct {
		args []string
		want string
	}{
		{nil, "Usage:"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"help", "frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"-e", env, "validate"}, "must come after the command"},
		{[]string{"validate"}, "-e/--environment FILE is required"},
		{[]string{"validate", "-e", env, "extra"}, `unexpected argument "extra"`},
		{[]string{"validate", "-e", env, "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"validate", "-e", env, "-o", "yaml"}, `unknown report format "yaml" (valid: text, json, junit, html)`},
		{[]string{"roles", "-e", env, "-o", "junit"}, `format "junit" is not available here (valid: text, json)`},
		{[]string{"roles", "-e", env, "-o", "xml"}, `unknown report format "xml" (valid: text, json)` + "\n"},
		{[]string{"debug", "-e", env, "--parallel", "0"}, "--parallel must be at least 1"},
		{[]string{"debug", "-e", env, "--timeout", "-1s"}, "--timeout must be positive"},
		{[]string{"debug", "-e", env, "--local", "-u", "root"}, "--user is an SSH flag: it cannot be used with --local"},
		{[]string{"debug", "-e", env, "-J", "admin@"}, `-J/--jump "admin@": hop "admin@": invalid host: empty`},
		{[]string{"debug", "-e", env, "-J", "bastion:abc"}, `-J/--jump "bastion:abc": hop "bastion:abc": invalid host: "bastion:abc": port "abc" is not`},
		{[]string{"execute", "-e", env, "-J", "a,,b", "true"}, `-J/--jump "a,,b": hop "": invalid host: empty`},
		{[]string{"execute", "-e", env, "-J", "bad host", "true"}, `-J/--jump "bad host": hop "bad host": not a host name`},
		{[]string{"execute", "-e", env, "-J", "-oProxyCommand=x", "true"}, `-J/--jump "-oProxyCommand=x": hop "-oProxyCommand=x": not a host name`},
		{[]string{"execute", "-e", env}, "no command given"},
		{[]string{"execute", "-e", env, "-r", "nope", "true"}, `unknown role "nope" (roles with hosts: all, clc,`},
		{[]string{"execute", "-e", env, "-r", "console", "true"}, `role "console" has no hosts`},
		{[]string{"version", "x"}, `unexpected argument "x"`},
		{[]string{"validate", env}, `unexpected argument "` + env + `" (did you mean -e ` + env + `?)`},
		{[]string{"roles", "environment.yml"}, `unexpected argument "environment.yml" (did you mean -e environment.yml?)`},
		{[]string{"execute", env, "uptime"}, `-e/--environment FILE is required (did you mean -e ` + env + `?)`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			h := newHarness(t, []calyptos.Validator{passing("a")}, nil)
			assert.Equal(t, ExitUsage, h.run(tt.args...))
			assert.Contains(t, h.stderr.String(), tt.want)
			assert.Empty(t, h.sshCalls, "nothing is dialled on a usage error")
		})
	}
}

func TestVersion(t *testing.T) {
	h := newHarness(t, nil, nil)
	for _, args := range [][]string{{"version"}, {"--version"}} {
		require.Equal(t, ExitOK, h.run(args...))
		assert.Regexp(t, `^calyptos \S+.* \(go1\.\S+, \w+/\w+\)\n$`, h.stdout.String())
	}
}

func TestEnvironmentErrors(t *testing.T) {
	bad := writeEnv(t, "default_attributes:\n  eucalyptus:\n    topology:\n      user-facing: [192.0.2.1]\n")
	syntax := writeEnv(t, "default_attributes: [\n")
	huge := writeEnv(t, "# "+strings.Repeat("x", 16<<20)+"\n")
	fifo := filepath.Join(t.TempDir(), "env.fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	tests := []struct {
		name string
		file string
		want []string
	}{
		{"missing", filepath.Join(t.TempDir(), "nope.yml"), []string{"calyptos: environment file ", "nope.yml does not exist"}},
		{"directory", t.TempDir(), []string{"is a directory, not a regular file"}},
		{"fifo", fifo, []string{"environment file " + fifo + " is a named pipe (FIFO), not a regular file"}},
		{"invalid", bad, []string{bad + ":4:7: ", "no cloud controller", "problem"}},
		{"syntax", syntax, []string{syntax + ":", "invalid YAML"}},
		{"huge", huge, []string{"environment file " + huge + " is larger than 16 MiB: is it the right file?"}},
		{"endless", "/dev/zero", []string{"environment file /dev/zero is a device, not a regular file"}},
	}
	for _, tt := range tests {
		for _, cmd := range []string{"validate", "debug", "roles"} {
			t.Run(tt.name+"/"+cmd, func(t *testing.T) {
				h := newHarness(t, []calyptos.Validator{passing("a")}, []calyptos.Debugger{passing("a")})
				args := []string{cmd, "-e", tt.file}
				if cmd == "debug" {
					args = append(args, "--local")
				}
				assert.Equal(t, ExitUsage, h.run(args...))
				for _, w := range tt.want {
					assert.Contains(t, h.stderr.String(), w)
				}
				assert.NotContains(t, h.stderr.String(), "goroutine", "no stack trace")
				assert.Empty(t, h.stdout.String())
			})
		}
	}
}

func TestValidateExitCodes(t *testing.T) {
	env := writeEnv(t, twoHosts)
	tests := []struct {
		name       string
		validators []calyptos.Validator
		args       []string
		want       int
	}{
		{"all pass", []calyptos.Validator{passing("a"), passing("b")}, nil, ExitOK},
		{"warnings pass", []calyptos.Validator{passing("a"), warning("b")}, nil, ExitOK},
		{"strict warnings fail", []calyptos.Validator{passing("a"), warning("b")}, []string{"--strict"}, ExitFailed},
		{"failure", []calyptos.Validator{passing("a"), failing("b")}, nil, ExitFailed},
		{"failure skipped", []calyptos.Validator{passing("a"), failing("b")}, []string{"--skip", "b"}, ExitOK},
		{"only the passing one", []calyptos.Validator{passing("a"), failing("b")}, []string{"--only", "a"}, ExitOK},
		{"unknown --only", []calyptos.Validator{passing("a"), failing("b")}, []string{"--only", "a,zz"}, ExitUsage},
		{"unknown --skip", []calyptos.Validator{passing("a")}, []string{"--skip", "zz"}, ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.validators, nil)
			assert.Equal(t, tt.want, h.run(append([]string{"validate", "-e", env}, tt.args...)...), h.stderr.String())
			if tt.want == ExitUsage {
				assert.Contains(t, h.stderr.String(), `unknown check "zz" (valid: a`)
				return
			}
			assert.Contains(t, h.stdout.String(), "Total passed:")
		})
	}
}

func TestValidateFormats(t *testing.T) {
	env := writeEnv(t, twoHosts)
	vs := []calyptos.Validator{passing("a"), failing("b"), warning("c")}

	h := newHarness(t, vs, nil)
	require.Equal(t, ExitFailed, h.run("validate", "-e", env, "-o", "json"))
	rep, err := report.ReadJSON(strings.NewReader(h.stdout.String()))
	require.NoError(t, err)
	assert.Equal(t, calyptos.Counts{Pass: 1, Fail: 1, Warn: 1}, rep.Totals)
	assert.Equal(t, calyptos.KindValidate, rep.Kind)
	require.Len(t, rep.Checks, 3)

	require.Equal(t, ExitFailed, h.run("validate", "-e", env, "-o", "junit"))
	var suites struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
	}
	require.NoError(t, xml.Unmarshal(h.stdout.Bytes(), &suites), h.stdout.String())
	assert.Equal(t, 1, suites.Failures)

	// --out: the document in the file, the text stream on stdout.
	out := filepath.Join(t.TempDir(), "r.json")
	require.Equal(t, ExitFailed, h.run("validate", "-e", env, "-o", "json", "--out", out))
	assert.Contains(t, h.stdout.String(), "broken")
	assert.Contains(t, h.stdout.String(), "Total failed: 1")
	f, err := os.Open(out)
	require.NoError(t, err)
	defer f.Close()
	rep, err = report.ReadJSON(f)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Totals.Fail)

	assert.Equal(t, ExitUsage, h.run("validate", "-e", env, "--out", filepath.Join(t.TempDir(), "no", "such", "dir", "r.txt")))
	assert.Contains(t, h.stderr.String(), "--out:")
}

func TestValidateConfigReachesValidators(t *testing.T) {
	env := writeEnv(t, twoHosts)
	h := newHarness(t, nil, nil)
	var got ValidateConfig
	h.p.Validators = func(cfg ValidateConfig) []calyptos.Validator { got = cfg; return []calyptos.Validator{passing("a")} }
	require.Equal(t, ExitOK, h.run("validate", "-e", env, "--timeout", "2s", "--parallel", "3"))
	assert.Equal(t, ValidateConfig{Timeout: 2 * time.Second, Parallel: 3}, got)
}

func TestProgressOnlyOnTerminal(t *testing.T) {
	env := writeEnv(t, twoHosts)
	vs := []calyptos.Validator{passing("a"), failing("b")}

	h := newHarness(t, vs, nil)
	require.Equal(t, ExitFailed, h.run("validate", "-e", env))
	assert.Empty(t, h.stderr.String(), "no progress line when stderr is not a terminal")

	h.term.ttys = []any{h.p.Stderr}
	require.Equal(t, ExitFailed, h.run("validate", "-e", env))
	errOut := h.stderr.String()
	assert.Contains(t, errOut, "[0/2 checks] a")
	assert.Contains(t, errOut, "[1/2 checks] b")
	assert.Contains(t, errOut, "[2/2 checks]  2 findings, 1 failed")
	assert.True(t, strings.HasSuffix(errOut, "\r\x1b[K"), "the line is erased at the end: %q", errOut)
	assert.NotContains(t, h.stdout.String(), "\x1b", "no colour: stdout is not a terminal")

	// A dumb terminal (Emacs shell, some CI consoles) cannot erase a line.
	h.env["TERM"] = "dumb"
	require.Equal(t, ExitFailed, h.run("validate", "-e", env))
	assert.Empty(t, h.stderr.String(), "no progress line on a dumb terminal")
}

func TestProgressLineFitsTheTerminal(t *testing.T) {
	var sb strings.Builder
	con := &console{name: "calyptos", stdout: io.Discard, stderr: &sb, term: &fakeTerm{cols: 20, ttys: []any{&sb}}}
	con.startProgress(3, "checks", func(string) string { return "" })
	con.update(func(p *progress) { p.label = strings.Repeat("x", 50) })
	line := strings.TrimPrefix(sb.String(), "\r\x1b[K")
	assert.Len(t, line, 19)
	con.locked(func() {
		assert.True(t, strings.HasSuffix(sb.String(), "\r\x1b[K"), "erased while something else is written")
	})
	con.update(func(p *progress) { p.done++ })
	assert.True(t, strings.HasPrefix(strings.TrimPrefix(sb.String()[strings.LastIndex(sb.String(), "\r"):], "\r\x1b[K"), "[1/3 checks]"))
	con.stopProgress()
	con.update(func(p *progress) { p.done++ })
	assert.True(t, strings.HasSuffix(sb.String(), "\r\x1b[K"), "closed: nothing drawn")
}

func TestDebugExitCodes(t *testing.T) {
	env := writeEnv(t, twoHosts)
	tests := []struct {
		name   string
		script func(SSHConfig, *calyptostest.Executor)
		want   int
		stderr string
	}{
		{"all up", func(_ SSHConfig, e *calyptostest.Executor) { e.On("", "uptime").Stdout("up") }, ExitOK, ""},
		{"one down", func(_ SSHConfig, e *calyptostest.Executor) {
			e.On("", "uptime").Stdout("up")
			e.HostDown("127.0.0.2")
		}, ExitFailed, ""},
		{"all down", func(_ SSHConfig, e *calyptostest.Executor) {
			e.HostDown("127.0.0.1")
			e.HostDown("127.0.0.2")
		}, ExitTransport, "no host could be reached"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil, []calyptos.Debugger{uptime("uptime")})
			h.withSSH(tt.script)
			assert.Equal(t, tt.want, h.run("debug", "-e", env, "-u", "admin", "-i", "k1", "-i", "k2", "-J", "bastion",
				"--port", "2222", "--known-hosts", "kh", "--parallel", "4", "--timeout", "5s"), h.stderr.String())
			assert.Contains(t, h.stderr.String(), tt.stderr)
			require.Len(t, h.sshCalls, 1)
			got := h.sshCalls[0]
			assert.NotNil(t, got.Passphrase, "an encrypted key's passphrase is asked for, or why not is said")
			got.Passphrase = nil
			assert.NotNil(t, got.PasswordPrompt, "no password given: one is asked for when needed")
			got.PasswordPrompt = nil
			assert.Equal(t, SSHConfig{User: "admin", IdentityFiles: []string{"k1", "k2"}, JumpHost: "bastion", Port: 2222,
				KnownHostsFiles: []string{"kh"}, Parallel: 4, Timeout: 5 * time.Second}, got)
		})
	}
}

func TestDebugInsecureWarns(t *testing.T) {
	env := writeEnv(t, twoHosts)
	h := newHarness(t, nil, []calyptos.Debugger{uptime("uptime")})
	h.withSSH(func(_ SSHConfig, e *calyptostest.Executor) { e.On("", "uptime").Stdout("up") })
	require.Equal(t, ExitOK, h.run("debug", "-e", env, "--insecure-ignore-host-keys"))
	assert.Contains(t, h.stderr.String(), "warning: --insecure-ignore-host-keys")
	assert.True(t, h.sshCalls[0].InsecureIgnoreHostKey)
}

func TestDebugPasswordPrompt(t *testing.T) {
	env := writeEnv(t, twoHosts)
	script := func(cfg SSHConfig, e *calyptostest.Executor) {
		if cfg.Password == "" {
			e.On("", "uptime").Err(fmt.Errorf("%w: %w", calyptos.ErrTransport, errFakeAuth))
			return
		}
		e.On("", "uptime").Stdout("up")
	}

	t.Run("given", func(t *testing.T) {
		h := newHarness(t, nil, []calyptos.Debugger{uptime("uptime")})
		h.withSSH(script)
		require.Equal(t, ExitOK, h.run("debug", "-e", env, "-p", "hunter22"))
		require.Len(t, h.sshCalls, 1)
		assert.Equal(t, "hunter22", h.sshCalls[0].Password)
		assert.Zero(t, h.term.asked)
	})
	t.Run("environment variable", func(t *testing.T) {
		h := newHarness(t, nil, []calyptos.Debugger{uptime("uptime")})
		h.withSSH(script)
		h.env[passwordEnv] = "hunter22"
		require.Equal(t, ExitOK, h.run("debug", "-e", env))
		assert.Equal(t, "hunter22", h.sshCalls[0].Password)
	})
	t.Run("asked once on a terminal", func(t *testing.T) {
		h := newHarness(t, nil, []calyptos.Debugger{uptime("uptime")})
		h.withSSH(script)
		h.term.ttys = []any{h.p.Stdin}
		h.term.password = "hunter22"
		require.Equal(t, ExitOK, h.run("debug", "-e", env), h.stderr.String())
		assert.Equal(t, 1, h.term.asked)
		require.Len(t, h.sshCalls, 1, "one transport, which asks through its PasswordPrompt")
		assert.Contains(t, h.stderr.String(), "SSH password")
		assert.NotContains(t, h.stdout.String()+h.stderr.String(), "hunter22")
	})
	t.Run("on the terminal when stderr is redirected", func(t *testing.T) {
		h := newHarness(t, nil, []calyptos.Debugger{uptime("uptime")})
		h.withSSH(script)
		h.term.ttys = []any{h.p.Stdin}
		h.term.password = "hunter22"
		var tty bytes.Buffer
		h.term.tty = &tty
		require.Equal(t, ExitOK, h.run("debug", "-e", env), h.stderr.String())
		assert.Contains(t, tty.String(), "SSH password", "2>file does not hide the question")
		assert.NotContains(t, h.stderr.String(), "SSH password")
	})
	t.Run("never without a terminal", func(t *testing.T) {
		h := newHarness(t, nil, []calyptos.Debugger{uptime("uptime")})
		h.withSSH(script)
		require.Equal(t, ExitTransport, h.run("debug", "-e", env))
		assert.Zero(t, h.term.asked)
		assert.Equal(t, 1, strings.Count(h.stderr.String(), "not a terminal"), h.stderr.String())
		assert.Contains(t, h.stderr.String(), "pass -p PASSWORD")
	})
	t.Run("not needed", func(t *testing.T) {
		h := newHarness(t, nil, []calyptos.Debugger{uptime("uptime")})
		h.withSSH(func(_ SSHConfig, e *calyptostest.Executor) { e.On("", "uptime").Stdout("up") })
		h.term.ttys = []any{h.p.Stdin}
		require.Equal(t, ExitOK, h.run("debug", "-e", env))
		assert.Zero(t, h.term.asked, "keys worked: no prompt")
	})
}

func TestDebugInterrupted(t *testing.T) {
	env := writeEnv(t, twoHosts)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	slow := check{"slow", func(ctx context.Context, c *calyptos.Check) {
		c.Success("started")
		cancel() // as SIGINT would
		<-ctx.Done()
	}}
	h := newHarness(t, nil, []calyptos.Debugger{passing("first"), slow, passing("never")})
	code := h.runCtx(ctx, "debug", "--local", "-e", env, "-o", "json")
	assert.Equal(t, ExitInterrupted, code)
	rep, err := report.ReadJSON(strings.NewReader(h.stdout.String()))
	require.NoError(t, err, h.stdout.String())
	assert.True(t, rep.Interrupted)
	assert.NotNil(t, rep.Check("first"))
	assert.Nil(t, rep.Check("never"))
	assert.Contains(t, h.stderr.String(), "interrupted")
}

func TestDebugArtifactsDir(t *testing.T) {
	env := writeEnv(t, twoHosts)
	dir := filepath.Join(t.TempDir(), "arts")
	var got DebugConfig
	fetch := check{"fetch", func(ctx context.Context, c *calyptos.Check) {
		if _, err := c.FetchToDir(ctx, "127.0.0.1", localhostEnv, ""); err != nil {
			c.Failure(err.Error())
		}
	}}
	h := newHarness(t, nil, nil)
	h.p.Debuggers = func(cfg DebugConfig) []calyptos.Debugger { got = cfg; return []calyptos.Debugger{fetch} }
	require.Equal(t, ExitOK, h.run("debug", "--local", "-e", env, "--artifacts", dir), h.stdout.String())
	assert.Equal(t, dir, got.ArtifactsDir)
	assert.FileExists(t, filepath.Join(dir, "127.0.0.1", "localhost.yml"))
	assert.Contains(t, h.stdout.String(), "Artifacts collected")
}

func TestDebugLocalNotesRemoteLabels(t *testing.T) {
	h := newHarness(t, nil, []calyptos.Debugger{passing("a")})
	require.Equal(t, ExitOK, h.run("debug", "--local", "-e", "../testdata/edge.yml"))
	assert.Contains(t, h.stderr.String(), "note: --local runs every command on this machine, including those labelled 192.0.2.10")
	require.Equal(t, ExitOK, h.run("debug", "--local", "-e", localhostEnv))
	assert.NotContains(t, h.stderr.String(), "note:")
}

func TestRoles(t *testing.T) {
	h := newHarness(t, nil, nil)
	require.Equal(t, ExitOK, h.run("roles", "-e", "../testdata/edge.yml"))
	out := h.stdout.String()
	assert.Contains(t, out, "Environment ../testdata/edge.yml: edge-demo (Two-cluster EDGE cloud)")
	assert.Regexp(t, `(?m)^  node-controller +192\.0\.2\.21 192\.0\.2\.22 192\.0\.2\.32$`, out)
	// One label column across clusters, storage-backend included.
	assert.Regexp(t, `(?m)^  zone-b\n    cc               192\.0\.2\.30\n    sc               192\.0\.2\.31\n    nodes            192\.0\.2\.32\n    storage-backend  ceph-rbd$`, out)
	assert.Regexp(t, `(?m)^  all +192\.0\.2\.10 192\.0\.2\.11 `, out, "execute -r all is listed too")
	assert.Contains(t, out, "(no hosts: cassandra,")

	require.Equal(t, ExitOK, h.run("roles", "-e", "../testdata/edge.yml", "-o", "json"))
	var res RolesResult
	require.NoError(t, json.Unmarshal(h.stdout.Bytes(), &res))
	assert.Equal(t, []string{"192.0.2.21", "192.0.2.22", "192.0.2.32"}, res.Roles[eucalyptus.RoleNodeController])
	assert.Equal(t, []string{}, res.Roles[eucalyptus.RoleCassandra])
	require.Len(t, res.Clusters, 2)
	assert.Equal(t, "zone-a", res.Clusters[0].Name)
	assert.Equal(t, HostInfo{Address: "192.0.2.20", Roles: []string{"cluster-controller", "storage-controller"}}, res.Hosts["192.0.2.20"],
		"hosts carry where they are reached and their roles")
	assert.Equal(t, "lists", res.Form)

	out2 := filepath.Join(t.TempDir(), "roles.json")
	require.Equal(t, ExitOK, h.run("roles", "-e", "../testdata/edge.yml", "-o", "json", "--out", out2))
	b, err := os.ReadFile(out2)
	require.NoError(t, err)
	assert.True(t, json.Valid(b))
}

func TestNonLocalHosts(t *testing.T) {
	assert.Equal(t, []string{"192.0.2.1", "db.example.com:22"},
		nonLocalHosts([]string{"127.0.0.1", "127.0.0.2:2222", "localhost", "::1", "192.0.2.1", "db.example.com:22"}))
}

func TestExecuteProgressAndBlocks(t *testing.T) {
	env := writeEnv(t, twoHosts)
	h := newHarness(t, nil, nil)
	h.term.ttys = []any{h.p.Stderr}
	h.withSSH(func(_ SSHConfig, e *calyptostest.Executor) {
		e.On("127.0.0.1", "id").Stdout("root\n")
		e.On("127.0.0.2", "id").Stdout("s3cret-value").Stderr("oops").Exit(1)
	})
	require.Equal(t, ExitFailed, h.run("execute", "-e", env, "--", "id"))
	out := h.stdout.String()
	assert.Contains(t, out, "=== 127.0.0.1 (exit 0, ")
	assert.Contains(t, out, "root\n")
	assert.Contains(t, out, "=== 127.0.0.2 (exit 1, ")
	assert.Contains(t, out, "[REDACTED]\n--- stderr\noops\n", "secrets of the file are redacted")
	assert.NotContains(t, out, "s3cret-value")
	assert.Contains(t, out, "2 hosts: 1 ok, 1 failed, 0 unreachable")
	assert.Contains(t, h.stderr.String(), "/2 hosts]")
	assert.True(t, strings.HasSuffix(h.stderr.String(), "\r\x1b[K"))
}

func TestExecuteUnreachable(t *testing.T) {
	env := writeEnv(t, twoHosts)
	h := newHarness(t, nil, nil)
	h.withSSH(func(_ SSHConfig, e *calyptostest.Executor) {
		e.On("127.0.0.1", "true")
		e.HostDown("127.0.0.2")
	})
	require.Equal(t, ExitFailed, h.run("execute", "-e", env, "-o", "json", "true"))
	var res ExecResult
	require.NoError(t, json.Unmarshal(h.stdout.Bytes(), &res))
	assert.Equal(t, ExecTotals{OK: 1, Unreachable: 1}, res.Totals)
	assert.True(t, res.Hosts[1].Unreachable)
	assert.NotEmpty(t, res.Hosts[1].Error)

	h.withSSH(func(_ SSHConfig, e *calyptostest.Executor) {
		e.HostDown("127.0.0.1")
		e.HostDown("127.0.0.2")
	})
	require.Equal(t, ExitTransport, h.run("execute", "-e", env, "true"))
	assert.Contains(t, h.stdout.String(), "0 ok, 0 failed, 2 unreachable")
}

func TestExecuteTimeout(t *testing.T) {
	h := newHarness(t, nil, nil)
	start := time.Now()
	require.Equal(t, ExitFailed, h.run("execute", "--local", "-e", localhostEnv, "--timeout", "100ms", "sleep 20"))
	assert.Less(t, time.Since(start), 10*time.Second)
	assert.Contains(t, h.stdout.String(), "deadline exceeded")
	assert.Contains(t, h.stdout.String(), "0 ok, 1 failed, 0 unreachable")
}

func TestHelpListsChecks(t *testing.T) {
	h := newHarness(t, []calyptos.Validator{passing("alpha"), passing("beta")}, []calyptos.Debugger{passing("gamma")})
	require.Equal(t, ExitOK, h.run("validate", "-h"))
	assert.Contains(t, h.stdout.String(), "Checks, in run order (for --only and --skip):\n  alpha, beta\n")
	require.Equal(t, ExitOK, h.run("debug", "-h"))
	assert.Contains(t, h.stdout.String(), "\n  gamma\n")
}

func TestWrapList(t *testing.T) {
	assert.Equal(t, "  aaa, bbb,\n  ccc", wrapList([]string{"aaa", "bbb", "ccc"}, "  ", 12))
	assert.Equal(t, "  a", wrapList([]string{"a"}, "  ", 12))
}

func TestExecutePromptedPasswordIsRedacted(t *testing.T) {
	env := writeEnv(t, twoHosts)
	h := newHarness(t, nil, nil)
	h.withSSH(func(cfg SSHConfig, e *calyptostest.Executor) {
		if cfg.Password == "" {
			e.OnMatch("", ".").Err(fmt.Errorf("%w: %w", calyptos.ErrTransport, errFakeAuth))
			return
		}
		e.OnMatch("", ".").Stdout("typed " + cfg.Password + "\n")
	})
	h.term.ttys = []any{h.p.Stdin}
	h.term.password = "hunter22"
	require.Equal(t, ExitOK, h.run("execute", "-e", env, "echo"), h.stderr.String())
	assert.Equal(t, 1, h.term.asked)
	assert.Equal(t, 2, strings.Count(h.stdout.String(), "typed [REDACTED]\n"), h.stdout.String())
	assert.NotContains(t, h.stdout.String(), "hunter22")
}

func TestSelectionMustLeaveACheck(t *testing.T) {
	env := writeEnv(t, twoHosts)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"only and skip cancel out", []string{"--only", "a", "--skip", "a"}, "--only and --skip leave no check to run"},
		{"everything skipped", []string{"--skip", "a,b"}, "--only and --skip leave no check to run"},
	}
	for _, tt := range tests {
		for _, cmd := range []string{"validate", "debug"} {
			t.Run(cmd+"/"+tt.name, func(t *testing.T) {
				h := newHarness(t, []calyptos.Validator{passing("a"), failing("b")}, []calyptos.Debugger{passing("a"), failing("b")})
				args := append([]string{cmd, "-e", env, "--local"}, tt.args...)
				if cmd == "validate" {
					args = append([]string{cmd, "-e", env}, tt.args...)
				}
				assert.Equal(t, ExitUsage, h.run(args...), h.stdout.String())
				assert.Contains(t, h.stderr.String(), tt.want)
				assert.NotContains(t, h.stdout.String(), "Total passed", "nothing ran")
			})
		}
	}
}

func TestPromptErrorDoesNotJoinTheProgressLine(t *testing.T) {
	env := writeEnv(t, twoHosts)
	h := newHarness(t, nil, nil)
	h.withSSH(func(cfg SSHConfig, e *calyptostest.Executor) {
		e.OnMatch("", ".").Err(fmt.Errorf("%w: %w", calyptos.ErrTransport, errFakeAuth))
	})
	h.term.ttys = []any{h.p.Stdin, h.p.Stderr}
	h.term.password = "" // the user pressed Enter
	require.Equal(t, ExitTransport, h.run("execute", "-e", env, "--parallel", "1", "true"))
	errOut := h.stderr.String()
	i := strings.Index(errOut, "calyptos: nothing entered\n")
	require.Positive(t, i, errOut)
	before := errOut[:i]
	assert.True(t, strings.HasSuffix(before, "\n") || strings.HasSuffix(before, "\r\x1b[K"),
		"the message starts a line of its own, not after the progress line: %q", errOut)
}

// brokenWriter fails every write, like stdout on a full disk.
type brokenWriter struct{}

func (brokenWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

func TestStdoutWriteErrorsAreReported(t *testing.T) {
	env := writeEnv(t, twoHosts)
	for _, args := range [][]string{
		{"validate", "-e", env},
		{"debug", "--local", "-e", env},
		{"execute", "--local", "-e", env, "true"},
		{"execute", "--local", "-e", env, "-o", "json", "true"},
		{"roles", "-e", env},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			h := newHarness(t, []calyptos.Validator{passing("a")}, []calyptos.Debugger{passing("a")})
			h.p.Stdout = brokenWriter{}
			assert.Equal(t, ExitUsage, h.run(args...), "a report that could not be written is not a success")
			assert.Contains(t, h.stderr.String(), "no space left on device")
		})
	}
}

func TestDebugTimeoutLongerThanTheCheckBound(t *testing.T) {
	env := writeEnv(t, twoHosts)
	for _, tt := range []struct {
		timeout string
		atLeast time.Duration
	}{
		{"5s", calyptos.DefaultCheckTimeout - time.Minute},
		{"20m", 20 * time.Minute},
		{"3h", 3 * time.Hour},
	} {
		t.Run(tt.timeout, func(t *testing.T) {
			var left time.Duration
			probe := check{"probe", func(ctx context.Context, c *calyptos.Check) {
				d, ok := ctx.Deadline()
				require.True(t, ok)
				left = time.Until(d)
				c.Success("ok")
			}}
			h := newHarness(t, nil, []calyptos.Debugger{probe})
			require.Equal(t, ExitOK, h.run("debug", "--local", "-e", env, "--timeout", tt.timeout), h.stderr.String())
			assert.Greater(t, left, tt.atLeast, "a check has time for at least one command of --timeout %s", tt.timeout)
		})
	}
}

func TestOutNeverOverwritesTheEnvironmentFile(t *testing.T) {
	env := writeEnv(t, twoHosts)
	for _, args := range [][]string{
		{"validate", "-e", env, "-o", "json", "--out", env},
		{"debug", "--local", "-e", env, "--out", env},
		{"execute", "--local", "-e", env, "--out", filepath.Join(filepath.Dir(env), ".", "env.yml"), "true"},
		{"roles", "-e", env, "--out", env},
	} {
		t.Run(args[0], func(t *testing.T) {
			h := newHarness(t, []calyptos.Validator{passing("a")}, []calyptos.Debugger{passing("a")})
			assert.Equal(t, ExitUsage, h.run(args...))
			assert.Contains(t, h.stderr.String(), "--out: "+env+" is the environment file")
			b, err := os.ReadFile(env)
			require.NoError(t, err)
			assert.Equal(t, twoHosts, string(b))
		})
	}
}

func TestExecuteInterruptedCountsHostsNotRun(t *testing.T) {
	env := writeEnv(t, `default_attributes:
  eucalyptus:
    topology:
      clc: [127.0.0.1]
      user-facing: [127.0.0.1]
      clusters:
        one: {cc: [127.0.0.2], sc: [127.0.0.2], nodes: [127.0.0.3, 127.0.0.4]}
`)
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			h := newHarness(t, nil, nil)
			h.withSSH(func(_ SSHConfig, e *calyptostest.Executor) {
				e.OnMatch("", ".").Respond(func(host, _ string) (calyptos.Output, error) {
					cancel() // Ctrl-C while the first host runs
					return calyptos.Output{ExitCode: -1}, fmt.Errorf("run on %s: %w", host, context.Canceled)
				})
			})
			require.Equal(t, ExitInterrupted, h.runCtx(ctx, "execute", "-e", env, "--parallel", "1", "-o", format, "true"))
			if format == "text" {
				assert.Contains(t, h.stdout.String(), "4 hosts: 0 ok, 1 failed, 0 unreachable, 3 not run")
				return
			}
			var res ExecResult
			require.NoError(t, json.Unmarshal(h.stdout.Bytes(), &res))
			assert.Equal(t, ExecTotals{Failed: 1, NotRun: 3}, res.Totals)
		})
	}
}

func TestExecuteProgressShowsBeforeTheFirstHostAnswers(t *testing.T) {
	env := writeEnv(t, twoHosts)
	h := newHarness(t, nil, nil)
	h.p.Stdout = h.stderr // one terminal for both, as in a shell
	h.term.ttys = []any{h.p.Stderr}
	h.withSSH(func(_ SSHConfig, e *calyptostest.Executor) { e.OnMatch("", ".").Stdout("up\n") })
	require.Equal(t, ExitOK, h.run("execute", "-e", env, "uptime"))
	out := h.stderr.String()
	first := strings.Index(out, "=== ")
	require.Positive(t, first, out)
	assert.Contains(t, out[:first], "[0/2 hosts]", "the progress line is drawn while the first host runs: %q", out)
}

func TestEncryptedKeyWithoutTerminalSaysWhatToDo(t *testing.T) {
	env := writeEnv(t, twoHosts)
	h := newHarness(t, nil, nil)
	var pass func(string) ([]byte, error)
	h.p.SSH = func(cfg SSHConfig) (Transport, error) {
		pass = cfg.Passphrase
		return nil, errors.New("stop here")
	}
	assert.Equal(t, ExitUsage, h.run("execute", "-e", env, "-i", "enc_key", "true"))
	require.NotNil(t, pass, "an encrypted key gets an explanation, not 'no Passphrase callback'")
	_, err := pass("enc_key")
	require.Error(t, err)
	assert.ErrorIs(t, err, errNoTerminal)
	assert.Contains(t, err.Error(), "ssh-add")
	assert.Zero(t, h.term.asked)
}

func refuseWithoutPassword(h *harness, command, stdout string) {
	h.withSSH(func(cfg SSHConfig, e *calyptostest.Executor) {
		if cfg.Password == "" {
			e.OnMatch("", command).Err(fmt.Errorf("%w: %w", calyptos.ErrTransport, errFakeAuth))
			return
		}
		e.OnMatch("", command).Stdout(stdout)
	})
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestOutputWaitsWhileThePasswordIsTyped(t *testing.T) {
	env := writeEnv(t, twoHosts)
	h := newHarness(t, nil, nil)
	screen := &syncBuffer{}
	h.p.Stdout, h.p.Stderr = screen, screen // one terminal
	refuseWithoutPassword(h, ".", "up\n")
	h.term.ttys = []any{h.p.Stdin, screen}
	h.term.password = "hunter22"
	h.term.typing = make(chan struct{})
	go func() {
		// The other host gives up waiting (--timeout) while this is typed.
		time.Sleep(300 * time.Millisecond)
		close(h.term.typing)
	}()
	h.run("execute", "-e", env, "--timeout", "100ms", "uptime")
	out := screen.String()
	const prompt = "SSH password for the hosts of the deployment: "
	i := strings.Index(out, prompt)
	require.Positive(t, i, out)
	assert.True(t, strings.HasPrefix(out[i+len(prompt):], "\n"), "nothing is written after the prompt until it is answered: %q", out)
}

func TestExecuteJUnitNamesTheCommand(t *testing.T) {
	h := newHarness(t, nil, nil)
	require.Equal(t, ExitOK, h.run("execute", "--local", "-e", localhostEnv, "-o", "junit", "true"))
	var suites struct {
		XMLName xml.Name `xml:"testsuites"`
		Name    string   `xml:"name,attr"`
		Tests   int      `xml:"tests,attr"`
		Suites  []struct {
			Cases []struct {
				Class string `xml:"classname,attr"`
				Name  string `xml:"name,attr"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(h.stdout.Bytes(), &suites), h.stdout.String())
	assert.Equal(t, "calyptos execute", suites.Name, "an execute run is not a debug run")
	assert.Equal(t, 1, suites.Tests)
	require.Len(t, suites.Suites, 1)
	require.Len(t, suites.Suites[0].Cases, 1)
	assert.Equal(t, "calyptos.execute.execute", suites.Suites[0].Cases[0].Class)
	assert.True(t, strings.HasPrefix(suites.Suites[0].Cases[0].Name, "127.0.0.1"))
}

func TestInterruptAtThePassphrasePrompt(t *testing.T) {
	env := writeEnv(t, twoHosts)
	for _, args := range [][]string{
		{"debug", "-e", env, "-i", "enc_key"},
		{"execute", "-e", env, "-i", "enc_key", "true"},
	} {
		t.Run(args[0], func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			h := newHarness(t, nil, []calyptos.Debugger{passing("a")})
			h.term.ttys = []any{h.p.Stdin}
			h.term.typing = make(chan struct{}) // never answered
			h.p.SSH = func(cfg SSHConfig) (Transport, error) {
				cancel() // Ctrl-C while the passphrase is asked
				_, err := cfg.Passphrase("enc_key")
				return nil, fmt.Errorf("configuration error: key file enc_key: passphrase: %w", err)
			}
			assert.Equal(t, ExitInterrupted, h.runCtx(ctx, args...))
			assert.Contains(t, h.stderr.String(), "calyptos: interrupted")
			assert.NotContains(t, h.stderr.String(), "configuration error")
		})
	}
}

// TestPassphraseNotAskedAgainForThePassword: the passphrase of the -i key
// and the password are asked once each; the password no longer opens a
// second transport that would load the key again.
func TestPassphraseNotAskedAgainForThePassword(t *testing.T) {
	env := writeEnv(t, twoHosts)
	h := newHarness(t, nil, nil)
	h.term.ttys = []any{h.p.Stdin}
	h.term.answers = []string{"keypass", "hunter22", "keypass"}
	refuseWithoutPassword(h, ".", "up\n")
	fake := h.p.SSH
	var passphrases []string
	h.p.SSH = func(cfg SSHConfig) (Transport, error) {
		pw, err := cfg.Passphrase("enc_key")
		if err != nil {
			return nil, err
		}
		passphrases = append(passphrases, string(pw))
		clear(pw)
		return fake(cfg)
	}
	require.Equal(t, ExitOK, h.run("execute", "-e", env, "-i", "enc_key", "uptime"), h.stdout.String()+h.stderr.String())
	assert.Equal(t, 1, strings.Count(h.stderr.String(), "Passphrase for key enc_key"), h.stderr.String())
	assert.Equal(t, 2, h.term.asked, "the passphrase and the password, once each")
	assert.Equal(t, []string{"keypass"}, passphrases)
}

func TestInterruptAtThePasswordPrompt(t *testing.T) {
	env := writeEnv(t, twoHosts)
	for _, args := range [][]string{
		{"debug", "-e", env},
		{"execute", "-e", env, "true"},
	} {
		t.Run(args[0], func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			h := newHarness(t, nil, []calyptos.Debugger{uptime("a")})
			stderr := &syncBuffer{}
			h.p.Stderr = stderr
			h.term.ttys = []any{h.p.Stdin}
			h.term.typing = make(chan struct{}) // never answered
			h.withSSH(func(cfg SSHConfig, e *calyptostest.Executor) {
				e.OnMatch("", ".").Err(fmt.Errorf("%w: %w", calyptos.ErrTransport, errFakeAuth))
			})
			go func() {
				assert.Eventually(t, func() bool { return strings.Contains(stderr.String(), "SSH password") }, 5*time.Second, time.Millisecond)
				cancel() // Ctrl-C while the password is asked
			}()
			assert.Equal(t, ExitInterrupted, h.runCtx(ctx, args...))
			assert.Contains(t, stderr.String(), "calyptos: interrupted")
			assert.NotContains(t, stderr.String(), "context canceled", "Ctrl-C at the prompt is no error of the terminal")
		})
	}
}

// TestExecuteEscapesHostOutput: a host's bytes never drive the reader's
// terminal: escape sequences and control characters on its stdout and
// stderr are shown as \xNN on stdout and in the --out text file.
func TestExecuteEscapesHostOutput(t *testing.T) {
	payloads := map[string]string{
		"osc 52 clipboard": "\x1b]52;c;ZWNobyBoaQ==\x07",
		"window title":     "\x1b]0;pwned\x07",
		"clear screen":     "\x1b[2J\x1b[H",
		"cursor movement":  "\x1b[1A\x1b[2K=== 127.0.0.9 (exit 0, 0.00s)",
		"carriage return":  "bad\rgood",
		"c1 csi":           "\u009b2J",
		"8-bit csi":        "\x9b2J",
		"8-bit osc":        "\x9d0;pwned\x9c",
	}
	for name, payload := range payloads {
		t.Run(name, func(t *testing.T) {
			env := writeEnv(t, twoHosts)
			out := filepath.Join(t.TempDir(), "out.txt")
			h := newHarness(t, nil, nil)
			h.withSSH(func(_ SSHConfig, e *calyptostest.Executor) {
				e.OnMatch("", ".").Stdout("x" + payload + "y\r\nz\n").Stderr(payload)
			})
			require.Equal(t, ExitOK, h.run("execute", "-e", env, "--out", out, "true"))
			file, err := os.ReadFile(out)
			require.NoError(t, err)
			for where, text := range map[string]string{"stdout": h.stdout.String(), "--out": string(file)} {
				assert.NotContains(t, text, "\x1b", where)
				assert.NotContains(t, text, "\r", where)
				assert.NotContains(t, text, "\x07", where)
				assert.NotContains(t, text, "\u009b", where)
				assert.True(t, utf8.ValidString(text), "%s: a byte that is not UTF-8 is escaped: %q", where, text)
				assert.Contains(t, text, "y\nz\n", "%s: a CRLF line end is a line end", where)
				assert.Contains(t, text, "--- stderr\n", where)
			}
			assert.Contains(t, h.stdout.String(), `\x`, "shown escaped")
		})
	}
}

// TestExecuteJSONDocument: the document written one host at a time is the
// one encoding/json writes for the whole ExecResult, schema_version first.
func TestExecuteJSONDocument(t *testing.T) {
	env := writeEnv(t, twoHosts)
	h := newHarness(t, nil, nil)
	h.withSSH(func(_ SSHConfig, e *calyptostest.Executor) {
		e.On("127.0.0.1", "id").Stdout("root\n\x00\x1b[2J")
		e.On("127.0.0.2", "id").Stderr("oops <&>").Exit(2)
	})
	require.Equal(t, ExitFailed, h.run("execute", "-e", env, "-o", "json", "id"))
	var res ExecResult
	require.NoError(t, json.Unmarshal(h.stdout.Bytes(), &res))
	assert.Equal(t, ExecSchemaVersion, res.SchemaVersion)
	assert.True(t, strings.HasPrefix(h.stdout.String(), "{\n  \"schema_version\": 1,\n"), h.stdout.String())
	want, err := json.MarshalIndent(res, "", "  ")
	require.NoError(t, err)
	assert.Equal(t, string(want)+"\n", h.stdout.String())
	require.Len(t, res.Hosts, 2)
	assert.Equal(t, "root\n\x00\x1b[2J", res.Hosts[0].Stdout, "JSON keeps the bytes, escaped by encoding/json")
}
