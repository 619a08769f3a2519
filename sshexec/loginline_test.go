package sshexec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
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
// stdin a pipe kept open until the line ends when reaped, else a pipe
// that carries input and ends, as sshexec gives a self-bounded command.
func runLine(t *testing.T, shell, line, input string, reaped, leader bool) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, shell, "-c", line)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: leader}
	cmd.WaitDelay = time.Second
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "LC_ALL=C"}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if reaped {
		stdin, err := cmd.StdinPipe()
		require.NoError(t, err)
		defer stdin.Close()
	} else {
		cmd.Stdin = strings.NewReader(input) // a pipe, not a file
	}
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		require.NoError(t, err)
	}
	return out.String(), errb.String(), cmd.ProcessState.ExitCode()
}

// TestLoginLineEveryShell: the line means the same to every login shell:
// /bin/sh announces itself, then runs the command byte for byte, as it is
// or under the reaper, with the same output and exit status.
func TestLoginLineEveryShell(t *testing.T) {
	tricky := allBytes() + ` '\'' \\ \' ! !! %s %% $0 "x" ` + "`x`\n"
	scripts := []struct {
		name, script   string
		stdout, stderr string
		code           int
	}{
		{"every byte", "printf '%s' " + calyptos.ShellQuote(tricky), tricky, "", 0},
		{"plain", `echo "$0 $#" $((1+2)) "%d" "\$HOME" a\b; echo err >&2; exit 7`, "sh 0 3 %d $HOME ab\n", "err\n", 7},
		{"ends with a backslash", `echo a\`, "a\\\n", "", 0},
		{"encoded", `echo "$0 $#" 'q'; echo err >&2; exit 7`, "sh 0 q\n", "err\n", 7},
		{"leading dash", "-x 2>/dev/null || echo dash", "dash\n", "", 0},
		{"trailing newlines", "echo a\n\n\n", "a\n", "", 0},
		{"stdin empty", `cat; echo end`, "end\n", "", 0},
		{"multi-line script", "x=$(cat <<'E'\nline one!\nE\n)\necho \"$x\"\nexit 3\n", "line one!\n", "", 3},
		{"empty", "", "", "", 0},
	}
	for _, name := range loginShells {
		t.Run(name, func(t *testing.T) {
			shell := shelltest.Path(t, name)
			for _, s := range scripts {
				for _, reap := range []bool{false, true} {
					line, input := selfBoundedLine(s.script)
					if reap {
						line, input = reapedLine(s.script), ""
					}
					// Not a group leader: the reaper gets one with setsid.
					for _, leader := range []bool{true, false} {
						if !reap && !leader {
							continue
						}
						stdout, stderr, code := runLine(t, shell, line, input, reap, leader)
						what := fmt.Sprintf("%s reap=%v leader=%v", s.name, reap, leader)
						assert.Equal(t, s.stdout, stdout, what)
						assert.Equal(t, shMarker+"\n"+s.stderr, stderr, what)
						assert.Equal(t, s.code, code, what)
					}
				}
			}
		})
	}
}

// TestLoginLineAlphabet: whatever the command, the line holds nothing a
// login shell reads specially inside single quotes, and printf's reading
// of an encoded command gives the command back.
func TestLoginLineAlphabet(t *testing.T) {
	assert.True(t, plain(reaper), "the reaper goes as it is")
	assert.True(t, plain(decoder))
	assert.True(t, plain(stdinCode), "the code that reads a script from stdin goes as it is")
	assert.True(t, plain(`echo "\$HOME" a\b`))
	for _, s := range []string{`a\`, `a\\b`, "a'", "a!", "a\nb", "\x7f", "é"} {
		assert.False(t, plain(s), s)
	}
	for _, s := range []string{"", "true", allBytes(), "echo 'a' \\ %d", "%%%\\\\''!!\n\n", "-x", "-x'"} {
		checkLine(t, s)
	}
}

func FuzzLoginLine(f *testing.F) {
	for _, s := range []string{"", "true", allBytes(), "echo 'a' \\ %d", "\\0\\\\\\'", "%\x00%", "-%", "-'"} {
		f.Add(s)
	}
	f.Fuzz(checkLine)
}

// checkLine checks both lines of command: their shape, their alphabet,
// and that the command they carry is command.
func checkLine(t *testing.T, command string) {
	bounded, input := selfBoundedLine(command)
	if input != "" {
		want := command
		if oddTrailingBackslash(command) {
			want += `\` // a literal backslash at the end, doubled
		}
		assert.Equal(t, stdinToken+"\nexec 3<&-\n{\n"+want+"\n}\n", input, "the script goes on stdin as it is, in a group")
	}
	for _, line := range []string{reapedLine(command), bounded} {
		// exec /bin/sh -c 'DECODER' sh 'CODE' 'ARG'...: no word holds a
		// quote, so the quotes split the line into words and blanks.
		parts := strings.Split(line, "'")
		require.True(t, len(parts) >= 5 && len(parts)%2 == 1, "line shape: %q", line)
		require.Equal(t, "exec /bin/sh -c ", parts[0])
		require.Equal(t, decoder, parts[1])
		require.Equal(t, " sh ", parts[2])
		require.Equal(t, "", parts[len(parts)-1])
		for i := 4; i < len(parts)-1; i += 2 {
			require.Equal(t, " ", parts[i], "blank between words")
		}
		for i := 1; i < len(parts); i += 2 {
			require.True(t, plain(parts[i]), "word %q of %q", parts[i], line)
		}
		code, args := parts[3], []string{}
		for i := 5; i < len(parts); i += 2 {
			args = append(args, parts[i])
		}
		got := ""
		switch {
		case code == reaper && len(args) == 1:
			got = args[0]
		case code == reaper && len(args) == 2 && args[1] == "e":
			var err error
			got, err = printfFormat(args[0])
			require.NoError(t, err)
			assert.NotEqual(t, "-", args[0][:min(1, len(args[0]))], "printf would take a leading - for an option")
		case strings.HasPrefix(code, "set --; ") && len(args) == 0:
			got = strings.TrimPrefix(code, "set --; ")
		case code == stdinCode && len(args) == 1 && args[0] == stdinToken:
			got = strings.TrimSuffix(strings.TrimPrefix(input, stdinToken+"\nexec 3<&-\n{\n"), "\n}\n")
			if oddTrailingBackslash(command) {
				got = strings.TrimSuffix(got, `\`)
			}
		default:
			t.Fatalf("unexpected line %q", line)
		}
		assert.Equal(t, command, got)
	}
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

// Without /dev/fd, stdinCode reads the script with cat and evals it: the
// same output, status and empty stdin. (The test names a path that does
// not exist in place of /dev/fd/3.)
func TestStdinCodeWithoutDevFd(t *testing.T) {
	code := strings.Replace(stdinCode, "[ -p /dev/fd/3 ]", "[ -p /nonexistent/3 ]", 1)
	require.NotEqual(t, stdinCode, code)
	script := "x='it''s'\necho \"$x $0 $#\"\ncat; [ -e /dev/fd/3 ] && echo fd3; [ -c /dev/stdin ] && echo null\necho err >&2\nexit 6\n\n"
	for _, shell := range []string{"dash", "bash", "busybox"} {
		t.Run(shell, func(t *testing.T) {
			sh := shelltest.Path(t, shell)
			stdout, stderr, code := runLine(t, sh, loginLine(code, stdinToken), stdinToken+"\nexec 3<&-\n"+script, false, true)
			assert.Equal(t, "its sh 0\nnull\n", stdout, "stdin is /dev/null, and descriptor 3 closed")
			assert.Equal(t, shMarker+"\nerr\n", stderr)
			assert.Equal(t, 6, code)
		})
	}
}

// A script on stdin that reaches /bin/sh cut short (the call cancelled or
// the connection lost while sendScript still wrote: sshd then ends the
// pipe) runs none of it: no command before the cut, and no last line cut
// in the middle (`rm -rf /tmp/x/y` cut to `rm -rf /tmp/x`). Each of dash,
// bash and busybox plays /bin/sh.
func TestStdinScriptCutShortRunsNothing(t *testing.T) {
	script := "echo one\necho two; exit 3\n"
	line, input := selfBoundedLine(script)
	require.NotEmpty(t, input)
	for _, name := range []string{"dash", "bash", "busybox"} {
		t.Run(name, func(t *testing.T) {
			sh := shelltest.Path(t, name)
			l := strings.Replace(line, "exec /bin/sh ", "exec "+sh+" ", 1)
			stdout, _, code := runLine(t, shelltest.Path(t, "dash"), l, input, false, true)
			require.Equal(t, "one\ntwo\n", stdout, "the whole script runs")
			require.Equal(t, 3, code)
			for cut := len(stdinToken) + 1; cut < len(input)-1; cut++ { // input[:len(input)-1] is whole
				stdout, stderr, code := runLine(t, shelltest.Path(t, "dash"), l, input[:cut], false, true)
				assert.Empty(t, stdout, "cut at %d %q: %s", cut, input[:cut], stderr)
				assert.NotEqual(t, 3, code, "cut at %d", cut)
			}
		})
	}
}

// Some SSH servers give the session a socketpair, not a pipe, for its
// stdin. /dev/fd/3 then names a socket, which Linux will not open: the
// script must still run (through the cat fallback), not fail with
// "cannot open /dev/fd/3".
func TestStdinScriptOnSocket(t *testing.T) {
	line, input := selfBoundedLine("echo one\necho two; [ -e /dev/fd/3 ] || echo closed; exit 3\n")
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	require.NoError(t, err)
	ours, theirs := os.NewFile(uintptr(fds[0]), "ours"), os.NewFile(uintptr(fds[1]), "theirs")
	defer ours.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, shelltest.Path(t, "dash"), "-c", line)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "LC_ALL=C"}
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = theirs, &out, &errb
	require.NoError(t, cmd.Start())
	theirs.Close()
	_, err = ours.WriteString(input)
	require.NoError(t, err)
	require.NoError(t, syscall.Shutdown(fds[0], syscall.SHUT_WR))
	_ = cmd.Wait()
	assert.Equal(t, "one\ntwo\nclosed\n", out.String(), errb.String())
	assert.Equal(t, 3, cmd.ProcessState.ExitCode())
}
