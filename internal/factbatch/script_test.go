package factbatch

import (
	"strings"
	"testing"

	"github.com/org/calyptos/internal/shelltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// trickyCmds are commands that Decode must read back from their one copy
// in the script: quoted words that hold what the script's lines hold,
// compound commands with quotes and newlines.
func trickyCmds() []Cmd {
	return []Cmd{
		{Command: `printf '%s\n' ' ) >"$gather_dir/0.out" 2>"$gather_dir/0.err" </dev/null & gather_started 0 5'`, Seconds: 5, Cap: 100},
		{Command: "echo 'a\nb' | tr a c", Seconds: 2, Cap: 20},
		{Command: `eval "echo x"; echo 'eval '\'' 3>&-'`, Seconds: 3, Cap: 30},
		{Command: "uname -m", Seconds: 1, Cap: 1},
	}
}

func TestDecodeReadsOneCopy(t *testing.T) {
	cmds := trickyCmds()
	script := Script(testBoundary, cmds)
	assert.Equal(t, 1, strings.Count(script, "tr a c"), "each command is in the script once")
	assert.Contains(t, script, "\ngather_fact 3 1 1 'uname -m'\n")
	b, got, ok := Decode(script)
	require.True(t, ok)
	assert.Equal(t, testBoundary, b)
	assert.Equal(t, cmds, got)
	for name, bad := range map[string]string{
		"old header":  strings.Replace(script, header, "calyptos-facts v6", 1),
		"no begin":    strings.Replace(script, "\ngather_begin ", "\ngather_start ", 1),
		"bad cap":     strings.Replace(script, "gather_fact 0 5 100 ", "gather_fact 0 5 x ", 1),
		"bad bound":   strings.Replace(script, "gather_fact 3 1 1 ", "gather_fact 3 y 1 ", 1),
		"cut quote":   script[:strings.Index(script, "tr a c")],
		"wrong index": strings.Replace(script, "gather_fact 1 ", "gather_fact 7 ", 1),
		"bad count":   strings.Replace(script, "gather_begin 5 4 ", "gather_begin 5 x ", 1),
		"no output":   strings.Replace(script, "gather_begin 5 4 ", "gather_begin 5 4\n", 1),
	} {
		_, _, ok := Decode(bad)
		assert.False(t, ok, name)
	}
}

// The tricky commands run as they read.
func TestScriptRunsTrickyCommands(t *testing.T) {
	cmds := trickyCmds()
	res := Parse(testBoundary, cmds, runScript(t, "sh", Script(testBoundary, cmds)))
	assert.Equal(t, ` ) >"$gather_dir/0.out" 2>"$gather_dir/0.err" </dev/null & gather_started 0 5`+"\n", res[0].Stdout)
	assert.Equal(t, "c\nb\n", res[1].Stdout)
	assert.Equal(t, "x\neval ' 3>&-\n", res[2].Stdout)
	assert.True(t, res[3].Truncated)
}

func FuzzDecode(f *testing.F) {
	for _, c := range append(testCmds(), trickyCmds()...) {
		f.Add(c.Command)
	}
	f.Add("")
	f.Add("'")
	f.Fuzz(func(t *testing.T, command string) {
		cmds := []Cmd{{Command: command, Seconds: 3, Cap: 7}, {Command: "uname -m", Seconds: 1, Cap: 1}}
		script := Script(testBoundary, cmds)
		_, got, ok := Decode(script)
		if !ok || len(got) != 2 || got[0] != cmds[0] || got[1] != cmds[1] {
			t.Fatalf("Decode(Script(%q)) = %q, %v", command, got, ok)
		}
		// Any text: no panic.
		Decode(": " + header + "\ngather_boundary=x\ngather_begin 1\n( gather_enter " + command)
	})
}

// representativeCmds are commands like those of the facts: simple ones,
// with single-quoted words, and compound ones, with quotes, newlines and
// command substitutions.
func representativeCmds() []Cmd {
	return []Cmd{
		{Command: "cat /proc/meminfo", Seconds: 10, Cap: 1 << 18},
		{Command: "stat -c '%U %G %a %n' -- /var/lib/eucalyptus /var/log/eucalyptus", Seconds: 10, Cap: 1 << 18},
		{Command: "cat /etc/os-release 2>/dev/null || cat /etc/system-release 2>/dev/null || cat /etc/redhat-release", Seconds: 10, Cap: 1 << 18},
		{Command: "nl='\n'; d=$(dpkg-query -W -f='${Status} ${Package}\\n' chrony 2>/dev/null); case \"$nl$d$nl\" in *' ok installed chrony'*) s=installed;; *) s=missing;; esac; printf 'pkg=%s status=%s\\n' chrony \"$s\"", Seconds: 30, Cap: 1 << 18},
	}
}

// gather.sh as it is, and a script as a host gets it (its comments gone,
// the lines Go writes for simple and eval'd commands added), keep to
// shellcheck's POSIX sh rules, style warnings included.
func TestScriptShellcheck(t *testing.T) {
	for name, script := range map[string]string{
		"gather.sh": gatherShell,
		"script":    Script(testBoundary, representativeCmds()),
		"no facts":  Script(testBoundary, nil),
	} {
		t.Run(name, func(t *testing.T) { shelltest.CheckPOSIX(t, script) })
	}
}

// What the host gets of gather.sh is its code: no comment but shellcheck's
// directives, no blank line.
func TestShellBodyDropsComments(t *testing.T) {
	body := shellBody()
	assert.Less(t, len(body), len(gatherShell)*2/3)
	for line := range strings.Lines(body) {
		code := strings.TrimSpace(line)
		assert.NotEmpty(t, code)
		if strings.HasPrefix(code, "#") {
			assert.True(t, strings.HasPrefix(code, "# shellcheck "), "%q", line)
		}
	}
	assert.Contains(t, body, "gather_finish() {")
}
