// Package factbatch builds the one shell script that gathers several facts
// on a host in one session, and reads its output back. It is shared by the
// runner (package calyptos), which builds and parses, and by the fake
// executor of calyptostest, which decodes a script and answers it the way
// a host would.
//
// The script costs the host about one fork per fact plus seven processes
// in all, whatever the number of facts: every command starts at once in a
// subshell of the script (eval, no exec of sh, timeout or head), with its
// stdout and stderr in files of a private temporary directory, capped on
// the host by the subshell's file-size limit (ulimit -f, a little over
// the cap; SIGXFSZ is ignored, so a command that goes on writing gets
// EFBIG and usually exits non-zero). One watchdog process sleeps to each
// distinct time bound and stops the commands of that bound still running
// (the command's subshell and its direct children are killed; the command
// is marked timed out). When all have ended, cp snapshots the output
// files, so that a process a command left behind cannot change what is
// framed, and the script prints, framed by lines starting with a boundary
// that is random per run:
//
//	BOUNDARY sizes
//	(wc -c of every file: per command its status, stdout and stderr)
//	BOUNDARY data
//	(every file, in command order)
//	BOUNDARY end
//
// The bodies are read by the lengths wc printed, never scanned for a
// marker, so nothing a command prints can end its frame early or forge
// another command's result.
package factbatch

import (
	"errors"
	"fmt"
	"maps"
	"slices"
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

const header = "calyptos-facts v4"

// quote single-quotes s for a POSIX shell, always in the '...' form that
// Decode reads back.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// The script's fixed parts. Its variables start with _cf; a command sees
// no positional parameter.
const (
	// _cfd is the private directory (absolute: a command may cd), with s/
	// for the snapshot; the EXIT trap removes it.
	scriptSetup = `trap '[ -z "$_cfd" ] || rm -rf "$_cfd"' EXIT` + "\n" +
		`_cfd=$(mktemp -d "${TMPDIR:-/tmp}/calyptos-facts.XXXXXX") && case $_cfd in /*) ;; *) _cfd=$PWD/$_cfd;; esac && mkdir "$_cfd/s" || ` +
		`{ printf '%s fatal cannot create a temporary directory\n' "$_cfB"; exit 1; }` + "\n"
	// _cfr ID SECS CAP CMD starts CMD in a background subshell whose
	// files may grow to CAP+1 bytes (ulimit -f counts 512-byte blocks,
	// or 1024 in bash); "ID.x" gets CMD's status when it returns.
	scriptRun = `_cfr() { ( _cfi=$1; trap '' XFSZ; ulimit -f $((($3+512)/512)) 2>/dev/null; _cfc=$4; set --; eval "$_cfc"; echo $? >"$_cfd/$_cfi.x" ) ` +
		`>"$_cfd/$1.O" 2>"$_cfd/$1.E" </dev/null & }` + "\n"
	// _cfk ID... (the watchdog, at a bound) stops the commands that have
	// neither returned nor been reaped, marking them timed out.
	scriptKill = `_cfk() { for _cfi; do [ -e "$_cfd/$_cfi.x" ] || [ -e "$_cfd/$_cfi.c" ] || { : >"$_cfd/$_cfi.t"; eval "_cfq=\$_cfp$_cfi"; ` +
		`kill -STOP $_cfq; pkill -KILL -P $_cfq; kill -KILL $_cfq; } 2>/dev/null; done; }` + "\n"
	// _cfz ID reaps command ID and writes "ID.c": "EXIT TIMEDOUT".
	scriptReap = `_cfz() { eval "wait \$_cfp$1"; _cfs=$?; [ -e "$_cfd/$1.x" ] && read -r _cfy <"$_cfd/$1.x" && _cfs=$_cfy; _cft=0; ` +
		`[ -e "$_cfd/$1.t" ] && _cft=1; echo "$_cfs $_cft" >"$_cfd/$1.c"; }` + "\n"
)

// Script returns the command that runs cmds on a host, framed by boundary
// (letters and digits only).
func Script(boundary string, cmds []Cmd) string {
	var b strings.Builder
	n := 1024
	for _, c := range cmds {
		n += len(c.Command) + 160
	}
	b.Grow(n)
	b.WriteString(": " + header + "\n_cfB=" + boundary + "\n")
	b.WriteString(scriptSetup + scriptRun + scriptKill + scriptReap)
	bounds := map[int][]int{} // ids by bound
	for i, c := range cmds {
		s := max(1, c.Seconds)
		fmt.Fprintf(&b, "_cfr %d %d %d %s; _cfp%d=$!\n", i, s, max(1, c.Cap), quote(c.Command), i)
		bounds[s] = append(bounds[s], i)
	}
	writeWatchdog(&b, bounds)
	for i := range cmds {
		fmt.Fprintf(&b, "_cfz %d\n", i)
	}
	b.WriteString("kill $_cfW 2>/dev/null\n")
	var snap, files strings.Builder
	for i := range cmds {
		fmt.Fprintf(&snap, ` "$_cfd/%d.O" "$_cfd/%d.E"`, i, i)
		fmt.Fprintf(&files, ` "$_cfd/%d.c" "$_cfd/s/%d.O" "$_cfd/s/%d.E"`, i, i, i)
	}
	b.WriteString("cp" + snap.String() + ` "$_cfd/s/" 2>/dev/null` + "\n")
	b.WriteString(`printf '%s sizes\n' "$_cfB"; wc -c` + files.String() + " 2>/dev/null\n")
	b.WriteString(`printf '%s data\n' "$_cfB"; cat` + files.String() + " 2>/dev/null\n")
	b.WriteString(`printf '%s end\n' "$_cfB"` + "\n")
	return b.String()
}

// writeWatchdog writes the one background process that sleeps to each
// bound in turn and stops that bound's commands still running. The
// script ends it with TERM when every command has returned; it then
// kills its sleep too.
func writeWatchdog(b *strings.Builder, bounds map[int][]int) {
	secs := slices.Sorted(maps.Keys(bounds))
	b.WriteString(`( trap 'kill $_cfs 2>/dev/null; exit 0' TERM`)
	last := 0
	for _, s := range secs {
		fmt.Fprintf(b, "; sleep %d & _cfs=$!; wait $_cfs && _cfk", s-last)
		for _, i := range bounds[s] {
			fmt.Fprintf(b, " %d", i)
		}
		last = s
	}
	b.WriteString(" ) >/dev/null 2>&1 </dev/null & _cfW=$!\n")
}

// Parse reads the output of Script(boundary, cmds): one Result per
// command, in order. Text before the frame (a login banner printed by the
// host's shell start-up files) is skipped; a command without a complete
// result gets Err. It never panics, whatever out holds.
func Parse(boundary string, cmds []Cmd, out string) []Result {
	res := make([]Result, len(cmds))
	for i := range res {
		res[i].Err = ErrNoFrame
	}
	if boundary == "" {
		return res
	}
	pos, ok := lineAfter(out, boundary+" sizes\n")
	if !ok {
		return res
	}
	sizes := make([][3]int, len(cmds))
	dataMark := boundary + " data\n"
	for {
		if strings.HasPrefix(out[pos:], dataMark) {
			pos += len(dataMark)
			break
		}
		nl := strings.IndexByte(out[pos:], '\n')
		if nl < 0 {
			return res
		}
		i, kind, n, ok := sizeLine(out[pos:pos+nl], len(cmds))
		if ok {
			sizes[i][kind] = n
		}
		pos += nl + 1
	}
	for i := range cmds {
		var body [3]string
		for k, n := range sizes[i] {
			if n > len(out)-pos {
				return res
			}
			body[k], pos = out[pos:pos+n], pos+n
		}
		res[i] = result(body, max(1, cmds[i].Cap))
	}
	return res
}

// lineAfter returns the position after the first line of out that is
// mark (a line, with its newline).
func lineAfter(out, mark string) (int, bool) {
	for from := 0; ; {
		i := strings.Index(out[from:], mark)
		if i < 0 {
			return 0, false
		}
		i += from
		if i == 0 || out[i-1] == '\n' {
			return i + len(mark), true
		}
		from = i + 1
	}
}

// sizeLine reads one line of wc -c: "SIZE .../ID.KIND".
func sizeLine(line string, n int) (id, kind, size int, ok bool) {
	line = strings.TrimLeft(line, " \t")
	sp := strings.IndexAny(line, " \t")
	slash := strings.LastIndexByte(line, '/')
	if sp <= 0 || slash < sp {
		return 0, 0, 0, false
	}
	size, err := strconv.Atoi(line[:sp])
	name := line[slash+1:]
	dot := strings.IndexByte(name, '.')
	if err != nil || size < 0 || dot <= 0 || dot != len(name)-2 {
		return 0, 0, 0, false
	}
	id, err = strconv.Atoi(name[:dot])
	kind = strings.IndexByte("cOE", name[dot+1])
	if err != nil || id < 0 || id >= n || kind < 0 {
		return 0, 0, 0, false
	}
	return id, kind, size, true
}

// result makes one command's Result of its status, stdout and stderr
// files.
func result(body [3]string, capN int) Result {
	f := strings.Fields(body[0])
	if len(f) != 2 {
		return Result{Err: ErrNoFrame}
	}
	code, err := strconv.Atoi(f[0])
	if err != nil || code < 0 || code > 255 {
		code = -1
	}
	r := Result{Stdout: body[1], Stderr: body[2], ExitCode: code, TimedOut: f[1] == "1"}
	if len(r.Stdout) > capN {
		r.Stdout, r.Truncated = r.Stdout[:capN], true
	}
	if len(r.Stderr) > capN {
		r.Stderr, r.Truncated = r.Stderr[:capN], true
	}
	return r
}

// Decode reads back the boundary and commands of a script made by Script;
// ok is false for any other command. The fake executor uses it.
func Decode(script string) (boundary string, cmds []Cmd, ok bool) {
	rest, ok := strings.CutPrefix(script, ": "+header+"\n_cfB=")
	if !ok {
		return "", nil, false
	}
	boundary, rest, _ = strings.Cut(rest, "\n")
	for {
		i := strings.Index(rest, "\n_cfr ")
		if i < 0 {
			break
		}
		rest = rest[i+6:]
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
// its commands produced results (stdout and stderr cut at its command's
// Cap plus one byte, as the host does). The fake executor uses it.
func Encode(boundary string, cmds []Cmd, results []Result) string {
	var b strings.Builder
	n := 64
	for _, r := range results {
		n += len(r.Stdout) + len(r.Stderr) + 96
	}
	b.Grow(n)
	bodies := make([][3]string, 0, len(results))
	b.WriteString(boundary + " sizes\n")
	for i, r := range results {
		if i >= len(cmds) {
			break
		}
		t := 0
		if r.TimedOut {
			t = 1
		}
		o, e, c := r.Stdout, r.Stderr, max(1, cmds[i].Cap)+1
		o, e = o[:min(len(o), c)], e[:min(len(e), c)]
		body := [3]string{strconv.Itoa(r.ExitCode) + " " + strconv.Itoa(t) + "\n", o, e}
		var line []byte
		for k, x := range body {
			line = strconv.AppendInt(line[:0], int64(len(x)), 10)
			line = append(line, " /fake/"...)
			line = strconv.AppendInt(line, int64(i), 10)
			line = append(line, '.', "cOE"[k], '\n')
			b.Write(line)
		}
		bodies = append(bodies, body)
	}
	b.WriteString(boundary + " data\n")
	for _, body := range bodies {
		for _, x := range body {
			b.WriteString(x)
		}
	}
	b.WriteString(boundary + " end\n")
	return b.String()
}
