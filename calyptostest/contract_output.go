package calyptostest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
)

// allBytes returns every byte value once, in order (or reversed).
func allBytes(reverse bool) string {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
		if reverse {
			b[i] = byte(255 - i)
		}
	}
	return string(b)
}

// printfBytes returns a POSIX sh command that prints s exactly, every
// byte written as an octal escape of printf's format.
func printfBytes(s string) string {
	var b strings.Builder
	b.WriteString("printf '")
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, `\%03o`, s[i])
	}
	b.WriteString("'")
	return b.String()
}

// numbered returns n lines of 16 bytes, "<prefix><number padded to
// 15-len(prefix) digits>\n", and the awk command that prints them.
func numbered(prefix string, n int) (text, command string) {
	format := fmt.Sprintf("%s%%0%dd\n", prefix, 15-len(prefix))
	var b strings.Builder
	b.Grow(16 * n)
	for i := range n {
		fmt.Fprintf(&b, format, i)
	}
	awkFormat := strings.ReplaceAll(format, "\n", `\n`)
	return b.String(), fmt.Sprintf(`awk 'BEGIN { for (i = 0; i < %d; i++) printf "%s", i }'`, n, awkFormat)
}

// outputCase is a command and the Output it must give.
type outputCase struct {
	name    string
	command string
	want    calyptos.Output
	// anyStderr: the shell's message differs between shells.
	anyStderr bool
}

func outputCases() []outputCase {
	quoted := "a'b \"c\" $HOME `id` \\ \n\t; | & * ? ~ -x \xff\xfe caf\xc3\xa9 %s %%"
	long, _ := numbered("L", 4096) // 64 KiB
	return []outputCase{
		{"no newline added", "printf a", calyptos.Output{Stdout: "a"}, false},
		{"newlines kept", `printf 'a\n\n\n'`, calyptos.Output{Stdout: "a\n\n\n"}, false},
		{"carriage returns kept", `printf 'a\r\nb\r\n'`, calyptos.Output{Stdout: "a\r\nb\r\n"}, false},
		{"blanks kept", `printf '  x  \n\t'`, calyptos.Output{Stdout: "  x  \n\t"}, false},
		{"every byte value", printfBytes(allBytes(false)) + "; " + printfBytes(allBytes(true)) + " >&2",
			calyptos.Output{Stdout: allBytes(false), Stderr: allBytes(true)}, false},
		{"streams apart", "printf o1; printf e1 >&2; printf o2; printf e2 >&2",
			calyptos.Output{Stdout: "o1o2", Stderr: "e1e2"}, false},
		{"exit 1", "exit 1", calyptos.Output{ExitCode: 1}, false},
		{"exit 42 with output", "printf out; printf err >&2; exit 42",
			calyptos.Output{Stdout: "out", Stderr: "err", ExitCode: 42}, false},
		{"exit 255", "exit 255", calyptos.Output{ExitCode: 255}, false},
		{"command not found is 127", "calyptos-contract-no-such-command", calyptos.Output{ExitCode: 127}, true},
		{"killed by a signal is 128+n", "kill -9 $$", calyptos.Output{ExitCode: 128 + 9}, false},
		{"stdin at its end", "cat; echo end", calyptos.Output{Stdout: "end\n"}, false},
		{"read gets end of file", "if read -r x; then echo read; else echo eof; fi", calyptos.Output{Stdout: "eof\n"}, false},
		{"no terminal", "test -t 0 || echo in; test -t 1 || echo out; test -t 2 || echo err",
			calyptos.Output{Stdout: "in\nout\nerr\n"}, false},
		{"no positional parameters", `echo "[$#]"`, calyptos.Output{Stdout: "[0]\n"}, false},
		{"shell-quoted text", "printf %s " + calyptos.ShellQuote(quoted), calyptos.Output{Stdout: quoted}, false},
		{"several lines", "a=2\nb=3\nif [ $((a * b)) -eq 6 ]; then\n\techo six\nfi\n", calyptos.Output{Stdout: "six\n"}, false},
		{"64 KiB command", "printf %s " + calyptos.ShellQuote(long), calyptos.Output{Stdout: long}, false},
	}
}

// testOutput: stdout, stderr and the exit status, exact.
func (s *suite) testOutput(t *testing.T) {
	ex := s.h.New(t)
	for _, tc := range outputCases() {
		s.sub(t, tc.name, func(t *testing.T) {
			out, err := s.run(t, s.ctx(t), ex, s.host(), tc.command)
			require.NoError(t, err, "a command that ran is an Output, whatever its exit status")
			if tc.anyStderr {
				out.Stderr = ""
			}
			if len(tc.want.Stdout) > 1024 {
				sameText(t, "stdout", tc.want.Stdout, out.Stdout)
				out.Stdout = tc.want.Stdout
			}
			assert.Equal(t, tc.want, out)
		})
	}
}

// testLargeOutput: megabytes on both streams, the one nobody reads first
// written first, come through whole or cut at a cap that is said.
func (s *suite) testLargeOutput(t *testing.T) {
	ex := s.h.New(t)
	stderr, errCmd := numbered("e", 1<<16)    // 1 MiB
	stdout, outCmd := numbered("o", 6<<20/16) // 6 MiB
	out, err := s.run(t, s.ctx(t), ex, s.host(), errCmd+" >&2; "+outCmd+"; exit 7")
	require.NoError(t, err)
	assert.Equal(t, 7, out.ExitCode, "the exit status after megabytes of output")
	if out.Truncated {
		t.Logf("output capped: kept %d of %d bytes of stdout, %d of %d of stderr", len(out.Stdout), len(stdout), len(out.Stderr), len(stderr))
		cutText(t, "stdout", stdout, out.Stdout)
		cutText(t, "stderr", stderr, out.Stderr)
		return
	}
	sameText(t, "stdout", stdout, out.Stdout)
	sameText(t, "stderr", stderr, out.Stderr)
}

// sameText fails t when got is not want, showing where they part.
func sameText(t *testing.T, what, want, got string) bool {
	t.Helper()
	if got == want {
		return true
	}
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	t.Errorf("%s differs from byte %d: got %d bytes (%s from there), want %d (%s)",
		what, i, len(got), short(got[i:]), len(want), short(want[i:]))
	return false
}

// cutText fails t unless got is want cut at a cap: a prefix of want,
// which one marker line may end.
func cutText(t *testing.T, what, want, got string) {
	t.Helper()
	if strings.HasPrefix(want, got) {
		return
	}
	kept := ""
	if i := strings.LastIndexByte(strings.TrimSuffix(got, "\n"), '\n'); i >= 0 {
		kept = got[:i]
	}
	if !strings.HasPrefix(want, kept) {
		t.Errorf("%s was cut, but what was kept (%d bytes) is not the start of what the command wrote, with at most a marker line after it", what, len(got))
	}
}
