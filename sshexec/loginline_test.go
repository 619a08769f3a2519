package sshexec

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/shelltest"
)

// loginShells are the login shells the line must mean the same to.
var loginShells = []string{"sh", "dash", "bash", "zsh", "tcsh", "csh", "fish", "busybox"}

// allBytes is every byte but NUL, which no command line can hold.
func allBytes() string {
	var b []byte
	for c := 1; c < 256; c++ {
		b = append(b, byte(c))
	}
	return string(b)
}

// runLine runs line as sshd would: `shell -c line`, in a process group of
// its own when leader (otherwise the reaper gets one with setsid), with
// stdin a pipe kept open until the line ends.
func runLine(t *testing.T, shell, line string, leader bool) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, shell, "-c", line)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: leader}
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "LC_ALL=C"}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	defer stdin.Close()
	err = cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		require.NoError(t, err)
	}
	return out.String(), errb.String(), cmd.ProcessState.ExitCode()
}

// TestLoginLineEveryShell: the line means the same to every login shell:
// /bin/sh announces itself, then runs the script byte for byte, as it is
// or under the reaper, with the same output and exit status.
func TestLoginLineEveryShell(t *testing.T) {
	tricky := allBytes() + ` '\'' \\ \' ! !! %s %% $0 "x" ` + "`x`\n"
	scripts := []struct {
		name, script   string
		reap           bool
		stdout, stderr string
		code           int
	}{
		{"every byte", "printf '%s' " + calyptos.ShellQuote(tricky), false, tricky, "", 0},
		{"every byte reaped", "printf '%s' " + calyptos.ShellQuote(tricky), true, tricky, "", 0},
		{"no arguments, named sh", `echo "$0 $#"; echo err >&2; exit 7`, false, "sh 0\n", "err\n", 7},
		{"reaped: no arguments, named sh", `echo "$0 $#"; echo err >&2; exit 7`, true, "sh 0\n", "err\n", 7},
		{"reaped: stdin empty", `cat; echo end`, true, "end\n", "", 0},
		{"multi-line script", "x=$(cat <<'E'\nline one!\nE\n)\necho \"$x\"\nexit 3\n", false, "line one!\n", "", 3},
	}
	for _, name := range loginShells {
		t.Run(name, func(t *testing.T) {
			shell := shelltest.Path(t, name)
			for _, s := range scripts {
				t.Run(s.name, func(t *testing.T) {
					script := asIs(s.script)
					if s.reap {
						script = reaped(s.script)
					}
					for _, leader := range []bool{true, false} {
						stdout, stderr, code := runLine(t, shell, loginLine(script), leader)
						assert.Equal(t, s.stdout, stdout, "leader %v", leader)
						assert.Equal(t, shMarker+"\n"+s.stderr, stderr, "leader %v", leader)
						assert.Equal(t, s.code, code, "leader %v", leader)
					}
				})
			}
		})
	}
}

// TestLoginLineAlphabet: whatever the script, the line holds nothing a
// login shell reads specially inside single quotes, and printf's reading
// of the encoded script gives the script back.
func TestLoginLineAlphabet(t *testing.T) {
	for _, s := range []string{"", "true", allBytes(), reaped("echo 'a' \\ %d"), "%%%\\\\''!!\n\n"} {
		checkLine(t, s)
	}
}

func FuzzLoginLine(f *testing.F) {
	for _, s := range []string{"", "true", allBytes(), reaped("echo 'a' \\ %d"), "\\0\\\\\\'", "%\x00%"} {
		f.Add(s)
	}
	f.Fuzz(checkLine)
}

// checkLine checks the line of script: its shape, its alphabet, and that
// the encoded script decodes to script.
func checkLine(t *testing.T, script string) {
	line := loginLine(script)
	head := "exec /bin/sh -c '" + decoder + "' sh '"
	require.True(t, strings.HasPrefix(line, head) && strings.HasSuffix(line, "'"), "line shape: %q", line)
	enc := line[len(head) : len(line)-1]
	for _, part := range []string{decoder, enc} {
		assert.NotContains(t, part, "'")
		assert.NotContains(t, part, "!")
		assert.NotContains(t, part, "\n")
		assert.NotContains(t, part, `\\`)
		for i := 0; i < len(part); i++ {
			assert.True(t, part[i] >= 0x20 && part[i] < 0x7f, "byte %#x at %d of %q", part[i], i, part)
		}
	}
	got, err := printfFormat(enc)
	require.NoError(t, err)
	assert.Equal(t, script, got)
}

// printfFormat is what POSIX printf prints for a format with no
// conversions: \ddd octal escapes and %% only, as encode writes them.
func printfFormat(f string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		switch f[i] {
		case '%':
			if i+1 >= len(f) || f[i+1] != '%' {
				return "", errors.New("lone %")
			}
			b.WriteByte('%')
			i++
		case '\\':
			if i+4 > len(f) {
				return "", errors.New("short escape")
			}
			v := 0
			for _, d := range f[i+1 : i+4] {
				if d < '0' || d > '7' {
					return "", errors.New("not octal")
				}
				v = v*8 + int(d-'0')
			}
			b.WriteByte(byte(v))
			i += 3
		default:
			b.WriteByte(f[i])
		}
	}
	return b.String(), nil
}
