package factbatch

import (
	_ "embed"
	"fmt"
	"strings"
	"time"

	"github.com/org/calyptos/internal/shellfile"
)

// header is the script's first line, after ": ": it says the wire format,
// which Decode reads back and the version of which changes with it.
const header = "calyptos-facts v7"

// gatherShell is the script's fixed part: its functions and set-up. See
// the file's own comments.
//
//go:embed gather.sh
var gatherShell string

// shellBody returns gather.sh as the host gets it: without its blank and
// comment lines (see shellfile.Code).
func shellBody() string { return shellfile.Code(gatherShell) }

// Script returns the command that runs cmds on a host, framed by boundary
// (letters and digits only): a header, gather.sh, and the lines that use
// it, one per command, each command written once (see gather.sh).
func Script(boundary string, cmds []Cmd) string {
	body := shellBody()
	var b strings.Builder
	n := len(body) + 128
	for _, c := range cmds {
		n += len(c.Command) + 128
	}
	b.Grow(n)
	b.WriteString(": " + header + "\ngather_boundary=" + boundary + "\n")
	b.WriteString(body)
	fmt.Fprintf(&b, "gather_begin %d\n", longest(cmds))
	for i, c := range cmds {
		fmt.Fprintf(&b, "( gather_enter %d; ", max(1, c.Cap))
		if simple(c.Command) {
			b.WriteString(c.Command + " )") // the subshell execs it: one process
		} else {
			b.WriteString("eval " + quote(c.Command) + evalTail(i))
		}
		b.WriteString(factTail(i))
		fmt.Fprintf(&b, "%d\n", max(1, c.Seconds))
	}
	fmt.Fprintf(&b, "gather_finish %d\n", len(cmds))
	return b.String()
}

// evalTail is what follows the quoted command i that is eval'd, up to its
// subshell's redirections: the subshell writes the command's exit status
// to N.exit (see gather_ended in gather.sh) through descriptor 3, which the
// command does not get.
func evalTail(i int) string {
	return fmt.Sprintf(` 3>&-; echo $? >&3 ) 3>"$gather_dir/%d.exit"`, i)
}

// factTail is what follows command i's subshell in its line, up to its
// bound.
func factTail(i int) string {
	return fmt.Sprintf(` >"$gather_dir/%d.out" 2>"$gather_dir/%d.err" </dev/null & gather_started %d `, i, i, i)
}

// longest is the largest bound of cmds, in seconds (at least 1).
func longest(cmds []Cmd) int {
	n := 1
	for _, c := range cmds {
		n = max(n, c.Seconds)
	}
	return n
}

// Bound is how long Script(boundary, cmds) runs on a host at most: its
// watchdog stops every command by the largest bound, and ends itself two
// ticks later; the frames take a little more.
func Bound(cmds []Cmd) time.Duration {
	return time.Duration(longest(cmds)+5) * time.Second
}

// quote single-quotes s for a POSIX shell, always in the '...' form that
// Decode reads back.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// simple reports whether command is one plain simple command: words of
// letters, digits and _./%+:,@=- or single-quoted, separated by single
// blanks, the first a command name. Such a command is written into the
// script as it is, last in its subshell, which the shell replaces with it:
// one process; any other is eval'd in the subshell, which then forks it.
func simple(command string) bool {
	first := true
	for rest := command; ; {
		if strings.HasPrefix(rest, "'") {
			end := strings.IndexByte(rest[1:], '\'')
			if end < 0 || first {
				return false
			}
			rest = rest[end+2:]
		} else {
			end := strings.IndexFunc(rest, func(r rune) bool { return !strings.ContainsRune(plainChars, r) })
			if end < 0 {
				end = len(rest)
			}
			w := rest[:end]
			rest = rest[end:]
			if w == "" || (first && (strings.ContainsAny(w, "=%+:,@") || reserved(w))) {
				return false
			}
		}
		first = false
		if rest == "" {
			return true
		}
		if rest[0] != ' ' || len(rest) == 1 {
			return false
		}
		rest = rest[1:]
	}
}

const plainChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./%+:,@=-"

// reserved reports whether w is one of the shell's reserved words, which
// cannot start a simple command, or a builtin that runs other commands in
// the shell itself (the subshell would fork them, as eval's: written as
// they are they gain nothing, and Decode could not read them back as one
// simple command).
func reserved(w string) bool {
	switch w {
	case "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until", "for", "in", "function", "select", "time",
		"eval", ".", "source", "command", "builtin":
		return true
	}
	return false
}
