package factbatch

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/org/calyptos/internal/shellfile"
)

// header is the script's first line, after ": ": it says the wire format,
// which Decode reads back and the version of which changes with it.
const header = "calyptos-facts v11"

// gatherShell is the script's fixed part: its functions and set-up. See
// the file's own comments.
//
//go:embed gather.sh
var gatherShell string

// shellBody returns gather.sh as the host gets it: without its blank and
// comment lines (see shellfile.Code), stripped once.
var shellBody = sync.OnceValue(func() string { return shellfile.Code(gatherShell) })

// Script returns the command that runs cmds on a host, framed by boundary
// (letters and digits only): a header, gather.sh, and the lines that use
// it, one per command, each command written once (see gather.sh).
func Script(boundary string, cmds []Cmd) string {
	body := shellBody()
	var b strings.Builder
	n := len(body) + 128
	for _, c := range cmds {
		n += len(c.Command) + 64
	}
	b.Grow(n)
	b.WriteString(": " + header + "\ngather_boundary=" + boundary + "\n")
	b.WriteString(body)
	fmt.Fprintf(&b, "gather_begin %d %d %d %d\n", longest(cmds), len(cmds), output(cmds), step(cmds))
	if len(cmds) > 0 {
		// The commands are quoted on purpose: shellcheck's SC2016 does not
		// apply to them. (An empty group would be a syntax error.)
		b.WriteString("# shellcheck disable=SC2016\n{\n")
		for i, c := range cmds {
			fmt.Fprintf(&b, "gather_fact %d %d %d %s\n", i, max(1, c.Seconds), max(1, c.Cap), quote(c.Command))
		}
		b.WriteString("}\n")
	}
	for i, c := range cmds {
		if p, ok := kernelFile(c.Command); ok {
			fmt.Fprintf(&b, "gather_file %d %s\n", i, quote(p))
		}
	}
	b.WriteString("gather_run\ngather_finish\n")
	return b.String()
}

// longest is the largest bound of cmds, in seconds (at least 1).
func longest(cmds []Cmd) int {
	n := 1
	for _, c := range cmds {
		n = max(n, c.Seconds)
	}
	return n
}

// longStep is the largest bound from which the watchdog ticks every two
// seconds instead of every second (see gather_begin): a tick is a process
// on the host (a sleep), and a loaded host's runs last many ticks. A fact
// may then run up to 3 s past its bound instead of 1 s; a run that long has
// the time margin for it (remoteBound leaves a tenth of the deadline).
const longStep = 60

// step is how many seconds the watchdog of cmds' script ticks: 2 for a
// long run, else 1.
func step(cmds []Cmd) int {
	if longest(cmds) >= longStep {
		return 2
	}
	return 1
}

// output is the most that cmds can leave in the private directory, in
// bytes: each may fill its stdout and its stderr up to its cap.
func output(cmds []Cmd) int64 {
	var n int64
	for _, c := range cmds {
		if _, ok := kernelFile(c.Command); !ok {
			n += 2 * int64(max(1, c.Cap))
		}
	}
	return n
}

// kernelFile reports whether command is cat of one kernel file, a path
// under /proc or /sys in letters, digits and /._:- only (no "..", "." or
// empty element, not under /proc/self or /proc/thread-self but for its
// mountinfo and mounts), and returns the path. The script serves such a
// command without a process: the cat that prints the frames reads the
// file, after every other frame (see gather.sh). Its result is the same,
// but the file is read when the frames are printed, after the other facts
// ran, and sent whole (Parse cuts it at the cap).
func kernelFile(command string) (string, bool) {
	p, ok := strings.CutPrefix(command, "cat ")
	if !ok || !(strings.HasPrefix(p, "/proc/") || strings.HasPrefix(p, "/sys/")) {
		return "", false
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._:-", r)) {
			return "", false
		}
	}
	// Elements are plain names: no "..", and no "." or empty one that
	// could hide /proc/self or /proc/thread-self, which name the frames'
	// cat there (its command line and descriptors; its working directory
	// is the private directory), not the process cat runs in as a fact.
	for rest := p[1:]; ; {
		e, more, found := strings.Cut(rest, "/")
		if e == ".." || e == "." || e == "" {
			return "", false
		}
		if !found {
			break
		}
		rest = more
	}
	// The mount namespace's own files are the same in every process of
	// it (the checks' mounts fact reads /proc/self/mountinfo).
	if (under(p, "/proc/self") || under(p, "/proc/thread-self")) && p != "/proc/self/mountinfo" && p != "/proc/self/mounts" {
		return "", false
	}
	return p, true
}

// under reports whether path is dir or a path under it.
func under(path, dir string) bool {
	rest, ok := strings.CutPrefix(path, dir)
	return ok && (rest == "" || rest[0] == '/')
}

// wireOrder is the order in which the script prints the frames of cmds:
// the file facts' (see kernelFile) after the others, each part in the
// order of cmds.
func wireOrder(cmds []Cmd) []int {
	order := make([]int, 0, len(cmds))
	for _, files := range []bool{false, true} {
		for i, c := range cmds {
			if _, ok := kernelFile(c.Command); ok == files {
				order = append(order, i)
			}
		}
	}
	return order
}

// Bound is how long Script(boundary, cmds) runs on a host at most: its
// watchdog stops every command by the largest bound, and ends itself two
// ticks later; the frames take a little more.
func Bound(cmds []Cmd) time.Duration {
	return time.Duration(longest(cmds)+3+2*step(cmds)) * time.Second
}

// quote single-quotes s for a POSIX shell, always in the '...' form that
// Decode reads back.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
