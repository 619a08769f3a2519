// Package factbatch builds the one shell script that gathers several facts
// on a host in one session, and reads its framed output back. It is shared
// by the runner (package calyptos), which builds and parses, and by the
// fake executor of calyptostest, which decodes a script and answers it the
// way a host would.
//
// Each command runs in the background in its own `sh -c`, bounded on the
// host by timeout(1) where the host has a working one and by a watchdog
// that kills it otherwise, with its stdout, stderr and exit code captured
// into files of a private temporary directory. When all are done, each is
// printed as one frame: a header line
//
//	BOUNDARY ID EXIT TIMEDOUT OUTSIZE ERRSIZE OUTSHOWN ERRSHOWN
//
// followed by exactly OUTSHOWN bytes of stdout and ERRSHOWN bytes of
// stderr (each cut at the command's cap on the host). The boundary is
// random per run and the bodies are read by length, never scanned for a
// marker, so nothing a command prints can end its frame early or forge
// another command's result.
package factbatch

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Cmd is one command of a batch.
type Cmd struct {
	Command string
	// Seconds bounds the command on the host (at least 1).
	Seconds int
	// Cap is the most bytes of each of stdout and stderr kept (at least 1).
	Cap int
}

// Result is what one command of a batch produced.
type Result struct {
	Stdout, Stderr string
	ExitCode       int
	// TimedOut is set when the command was stopped at its time bound.
	TimedOut bool
	// Truncated is set when the host cut stdout or stderr at the cap.
	Truncated bool
	// Err is set when the output holds no complete frame for the command.
	Err error
}

// ErrNoFrame is the Err of a command whose frame is missing or cut short
// in the output (the session ended early, or the executor capped it).
var ErrNoFrame = errors.New("no complete result for this fact in the gathering output")

const header = "calyptos-facts v1"

// quote single-quotes s for a POSIX shell, always in the '...' form that
// Decode reads back.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// Script returns the command that runs cmds on a host, framed by boundary
// (letters and digits only).
func Script(boundary string, cmds []Cmd) string {
	var b strings.Builder
	n := 2048
	for _, c := range cmds {
		n += len(c.Command) + 64
	}
	b.Grow(n)
	b.WriteString(": " + header + "\nB=" + boundary + "\n")
	b.WriteString(`d=$(mktemp -d "${TMPDIR:-/tmp}/calyptos-facts.XXXXXX") || { printf '%s fatal cannot create a temporary directory\n' "$B"; exit 1; }` + "\n")
	b.WriteString(`trap 'rm -rf "$d"' EXIT` + "\n")
	b.WriteString(`if command -v timeout >/dev/null 2>&1 && timeout 1 true >/dev/null 2>&1; then T=1; else T=; fi` + "\n")
	// r ID SECS CAP CMD: run CMD bounded to SECS; "$d/ID.t" marks a
	// command stopped at its bound (exit 124 of timeout, or the watchdog).
	b.WriteString(`r() { if [ -n "$T" ]; then timeout "$2" sh -c "$4" >"$d/$1.o" 2>"$d/$1.e" </dev/null; c=$?; [ "$c" = 124 ] && : >"$d/$1.t"; ` +
		`else sh -c "$4" >"$d/$1.o" 2>"$d/$1.e" </dev/null & p=$!; ( sleep "$2"; : >"$d/$1.t"; kill -9 "$p" ) >/dev/null 2>&1 & w=$!; ` +
		`wait "$p"; c=$?; kill "$w" 2>/dev/null; fi; echo "$c" >"$d/$1.c"; }` + "\n")
	// o ID CAP: print the frame of command ID.
	b.WriteString(`o() { c=$(cat "$d/$1.c" 2>/dev/null); t=0; [ -e "$d/$1.t" ] && t=1; ` +
		`head -c "$2" "$d/$1.o" >"$d/$1.O" 2>/dev/null; head -c "$2" "$d/$1.e" >"$d/$1.E" 2>/dev/null; ` +
		`printf '%s %s %s %s %s %s %s %s\n' "$B" "$1" "${c:-x}" "$t" $(wc -c <"$d/$1.o") $(wc -c <"$d/$1.e") $(wc -c <"$d/$1.O") $(wc -c <"$d/$1.E"); ` +
		`cat "$d/$1.O" "$d/$1.E"; }` + "\n")
	for i, c := range cmds {
		fmt.Fprintf(&b, "r %d %d %d %s &\n", i, max(1, c.Seconds), max(1, c.Cap), quote(c.Command))
	}
	b.WriteString("wait\n")
	for i, c := range cmds {
		fmt.Fprintf(&b, "o %d %d\n", i, max(1, c.Cap))
	}
	b.WriteString(`printf '%s end\n' "$B"` + "\n")
	return b.String()
}

// Parse reads the output of Script(boundary, cmds): one Result per
// command, in order. Text before the first frame (a login banner printed
// by the host's shell start-up files) is skipped; a command without a
// complete frame gets Err. It never panics, whatever out holds.
func Parse(boundary string, cmds []Cmd, out string) []Result {
	res := make([]Result, len(cmds))
	for i := range res {
		res[i].Err = ErrNoFrame
	}
	mark := boundary + " "
	pos := strings.Index(out, mark)
	for pos > 0 && out[pos-1] != '\n' {
		next := strings.Index(out[pos+1:], mark)
		if next < 0 {
			return res
		}
		pos += 1 + next
	}
	if pos < 0 || boundary == "" {
		return res
	}
	for pos < len(out) && strings.HasPrefix(out[pos:], mark) {
		nl := strings.IndexByte(out[pos:], '\n')
		if nl < 0 {
			return res
		}
		f, ok := fields7(out[pos+len(mark) : pos+nl])
		pos += nl + 1
		if !ok {
			return res // "end", "fatal ..." or a broken header
		}
		var n [7]int
		for j, s := range f {
			if j == 2 && s == "x" {
				n[j] = -1
				continue
			}
			v, err := strconv.Atoi(s)
			if err != nil || v < 0 || (j != 2 && v > 1<<40) {
				return res
			}
			n[j] = v
		}
		id, oShown, eShown := n[0], n[5], n[6]
		if id >= len(cmds) || oShown > len(out)-pos || eShown > len(out)-pos-oShown {
			return res
		}
		r := Result{
			Stdout:    out[pos : pos+oShown],
			Stderr:    out[pos+oShown : pos+oShown+eShown],
			ExitCode:  n[1],
			TimedOut:  n[2] == 1,
			Truncated: n[3] > oShown || n[4] > eShown,
		}
		if n[1] < 0 || n[1] > 255 {
			r.ExitCode = -1
		}
		res[id] = r
		pos += oShown + eShown
	}
	return res
}

// fields7 splits a frame header's numbers (after the boundary) into its
// seven space-separated fields, without allocating.
func fields7(s string) (f [7]string, ok bool) {
	for i := range f {
		s = strings.TrimLeft(s, " ")
		j := strings.IndexByte(s, ' ')
		if j < 0 {
			j = len(s)
		}
		if j == 0 {
			return f, false
		}
		f[i], s = s[:j], s[j:]
	}
	return f, strings.TrimSpace(s) == ""
}

// Decode reads back the boundary and commands of a script made by Script;
// ok is false for any other command. The fake executor uses it.
func Decode(script string) (boundary string, cmds []Cmd, ok bool) {
	rest, ok := strings.CutPrefix(script, ": "+header+"\nB=")
	if !ok {
		return "", nil, false
	}
	boundary, rest, _ = strings.Cut(rest, "\n")
	for {
		i := strings.Index(rest, "\nr ")
		if i < 0 {
			break
		}
		rest = rest[i+3:]
		f := strings.SplitN(rest, " ", 4)
		if len(f) < 4 {
			return "", nil, false
		}
		secs, err1 := strconv.Atoi(f[1])
		cp, err2 := strconv.Atoi(f[2])
		cmd, n, uok := unquote(f[3])
		if err1 != nil || err2 != nil || !uok {
			return "", nil, false
		}
		cmds = append(cmds, Cmd{Command: cmd, Seconds: secs, Cap: cp})
		rest = f[3][n:]
	}
	return boundary, cmds, true
}

// unquote reads one word quoted by quote at the start of s and returns it
// and the bytes it took.
func unquote(s string) (string, int, bool) {
	var b strings.Builder
	pos := 0
	for {
		if pos >= len(s) || s[pos] != '\'' {
			return "", 0, false
		}
		j := strings.IndexByte(s[pos+1:], '\'')
		if j < 0 {
			return "", 0, false
		}
		b.WriteString(s[pos+1 : pos+1+j])
		pos += j + 2
		if !strings.HasPrefix(s[pos:], `\''`) {
			return b.String(), pos, true
		}
		b.WriteByte('\'')
		pos += 2
	}
}

// Encode writes the output a host gives for Script(boundary, cmds) when
// its commands produced results (each cut at its command's Cap). The fake
// executor uses it.
func Encode(boundary string, cmds []Cmd, results []Result) string {
	var b strings.Builder
	n := 64
	for _, r := range results {
		n += len(r.Stdout) + len(r.Stderr) + 64
	}
	b.Grow(n)
	for i, r := range results {
		if i >= len(cmds) {
			break
		}
		o, e := r.Stdout, r.Stderr
		capN := max(1, cmds[i].Cap)
		if len(o) > capN {
			o = o[:capN]
		}
		if len(e) > capN {
			e = e[:capN]
		}
		t := 0
		if r.TimedOut {
			t = 1
		}
		fmt.Fprintf(&b, "%s %d %d %d %d %d %d %d\n", boundary, i, r.ExitCode, t, len(r.Stdout), len(r.Stderr), len(o), len(e))
		b.WriteString(o)
		b.WriteString(e)
	}
	b.WriteString(boundary + " end\n")
	return b.String()
}
