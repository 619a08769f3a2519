// Package factbatch builds the one shell script that gathers several facts
// on a host in one session, and reads its output back. It is shared by the
// runner (package calyptos), which builds and parses, and by the fake
// executor of calyptostest, which decodes a script and answers it the way
// a host would.
//
// On the hosts a process costs milliseconds of CPU, so the script starts
// as few as it can: five in all (mkdir, the watchdog and its sleep, cat;
// rm at exit) whatever the number of facts, and per fact one process for
// a plain simple command ("cat /proc/meminfo", written into the script as
// it is) or a subshell running eval for any other, plus what the command
// itself starts. (A host with a finite hard file-size limit adds one
// process, a host with no /proc/sys/kernel/random/uuid three.)
//
// The commands run one after another, each in the background and waited
// for, with stdout and stderr in files of a private directory, capped on
// the host by the file-size limit it inherits (ulimit -S -f, a little over
// its cap; SIGXFSZ is ignored, so a command that goes on writing gets
// EFBIG and usually exits non-zero). One watchdog ticks every second: a
// command still running after a tick is left to run in the background
// while the next ones start (and once half the largest bound has passed,
// the rest all start without waiting); a command past its own bound, or
// past the largest bound from the start, is stopped with its descendants
// (on Linux, where /proc shows it is still the script's child, with its
// descendants, found by the shell in /proc, except one whose parent had
// already exited, which init adopted) and marked timed out. The watchdog ends
// with the script, even one killed by SIGKILL. When all are reaped, the
// script prints, after a line with a boundary that is random per run, a
// marker, the watchdog's ticks so far and the host's hard file-size limit:
//
//	BOUNDARY data MARKER TICKS HARDLIMIT
//	(per command: its status file, MARKER, stdout, MARKER, stderr, MARKER)
//
// one cat of every file, each followed by the marker file. The boundary
// is no secret (the script's command line and directory name show it to
// every user of the host); the marker is: random, made on the host after
// every command has run (a builtin read of the kernel's random UUID),
// kept in the private directory and printed before any command's output.
// So nothing a command prints, and nothing another user of the host
// plants in what it prints, can end its frame early or forge another
// command's result; only a process running as the login user, after the
// commands, could read it.
package factbatch

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
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
	// Truncated is set when the host cut stdout or stderr at the cap, or
	// at its own hard file-size limit.
	Truncated bool
	// Head and Tail are how long, at least, the script ran before the
	// command started and after it ended, in the whole seconds its
	// watchdog counted: the command ran within the session's time window
	// less these.
	Head, Tail time.Duration
	// Err is set when the output holds no complete frame for the command.
	Err error
}

// ErrNoFrame is the Err of a command whose frame is missing or cut short
// in the output (the session ended early, or the executor capped it).
var ErrNoFrame = errors.New("no complete result for this fact in the gathering output")

// EndedError is the Err of every command when the script ended before
// running any, saying why (it could not make its private directory). It
// matches ErrNoFrame.
type EndedError struct {
	// Reason is the script's own words, at most 200 bytes of one line.
	Reason string
}

// Error says that no frame came, and why.
func (e *EndedError) Error() string { return ErrNoFrame.Error() + ": the host said: " + e.Reason }

// Unwrap returns ErrNoFrame.
func (e *EndedError) Unwrap() error { return ErrNoFrame }

const header = "calyptos-facts v6"

// quote single-quotes s for a POSIX shell, always in the '...' form that
// Decode reads back.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// The script's fixed parts. Its variables start with _cf.
const (
	// _cfd, the private directory (absolute: a command may cd), is made
	// by one mkdir, in TMPDIR (or /tmp), else
	// /var/tmp, else /dev/shm: the boundary and the shell's PID make the
	// name unique, and mkdir fails on a name that exists. The EXIT trap
	// removes it. SIGXFSZ is ignored from here on, by the commands too: a
	// write past the cap fails with EFBIG. USR1 is the watchdog telling
	// the script to stop waiting for a slow command. The script's own
	// stderr goes to /dev/null: the shell's "Killed" notices for stopped
	// commands would otherwise reach the session, and, once the caller has
	// closed it, kill the script with SIGPIPE (every command has its own
	// stderr file, and the fatal line goes to stdout).
	scriptSetup = `exec 2>/dev/null; trap '[ -z "$_cfd" ] || rm -rf "$_cfd"' EXIT; trap '' XFSZ; trap '_cfi=1' USR1` + "\n" +
		`_cfm() { _cfd=$1/calyptos-facts.$_cfB.$$; case $_cfd in /*) ;; *) _cfd=$PWD/$_cfd;; esac; mkdir -m 700 "$_cfd" 2>/dev/null || { _cfd=; false; }; }` + "\n" +
		`_cfm "${TMPDIR:-/tmp}" || _cfm /var/tmp || _cfm /dev/shm || ` +
		`{ printf '%s fatal cannot create a private directory in $TMPDIR (or /tmp), /var/tmp or /dev/shm\n' "$_cfB"; exit 1; }` + "\n"
	// _cfl ID SECS CAP CMD sets the file-size limit the next command
	// inherits, CAP+1 bytes or a little more (ulimit -f counts 512-byte
	// blocks, 1024 in bash; -S keeps it raisable). The launch that follows
	// starts the command; SECS and CMD are there for Decode.
	scriptLimit = `_cfl() { ulimit -S -f $((($3+512)/512)) 2>/dev/null; }` + "\n" +
		// _cfN sets _cfR to the watchdog's tick count. dash and busybox
		// read a byte at a time, and the watchdog rewrites the file in
		// place once a second: two reads that agree are not torn.
		`_cfN() { read -r _cfR <"$_cfd/T"; while read -r _cfQ <"$_cfd/T" && [ "$_cfQ" != "$_cfR" ]; do _cfR=$_cfQ; done; [ -n "$_cfR" ] || _cfR=0; }` + "\n"
	// _cfs ID PID SECS raises the script's own limit again, lists a
	// started command for the watchdog (with the tick it started at) and
	// waits for it. If the watchdog interrupts the wait (the command is
	// slow), or half the largest bound has passed, the command is left
	// running and waited for at the end. A wait interrupted just as the
	// command ended is waited again: bash has reaped it already.
	scriptStart = `_cfs() { ulimit -S -f unlimited 2>/dev/null || { [ -n "$_cfh" ] || _cfh=$(ulimit -H -f); ulimit -S -f "$_cfh"; } 2>/dev/null; ` +
		`_cfN; _cfT=$_cfR; echo "$1 $2 $3 $_cfT" >>"$_cfd/run"; ` +
		`if [ "$_cfT" -ge "$_cfH" ]; then _cfP="$_cfP $1:$2:$_cfT"; return; fi; _cfi=0; wait "$2"; _cfx=$?; ` +
		`if [ "$_cfi" = 1 ]; then if kill -0 "$2" 2>/dev/null; then _cfP="$_cfP $1:$2:$_cfT"; return; fi; wait "$2"; _cfx=$?; fi; _cfe "$1" "$_cfx" "$_cfT"; }` + "\n"
	// _cfe ID EXIT TICK writes "ID.c": "EXIT TIMEDOUT TICK NOW" (the
	// watchdog's ticks when the command started and now), timed out when the
	// watchdog marked the command and it died of its SIGKILL (one that had
	// already exited, a zombie the kill does not reach, keeps its status).
	// A subshell's command writes its own status to "ID.x" when it
	// returns, which is right even where bash's wait has lost it.
	scriptEnd = `_cfe() { _cft=0; _cfs=$2; if [ -s "$_cfd/$1.x" ]; then read -r _cfs <"$_cfd/$1.x"; ` +
		`elif [ "$2" = 137 ] && [ -e "$_cfd/$1.t" ]; then _cft=1; fi; _cfN; echo "$_cfs $_cft $3 $_cfR" >"$_cfd/$1.c"; }` + "\n"
	// _cfa waits for the commands left running, in turn.
	scriptAwait = `_cfa() { for _cfj in $_cfP; do _cfq=${_cfj#*:}; _cfL=${_cfq#*:}; _cfq=${_cfq%%:*}; while :; do _cfi=0; wait "$_cfq"; _cfx=$?; [ "$_cfi" = 1 ] || break; ` +
		`kill -0 "$_cfq" 2>/dev/null && continue; wait "$_cfq"; _cfx=$?; break; done; _cfe "${_cfj%%:*}" "$_cfx" "$_cfL"; done; }` + "\n"
	// _cfk ID PID marks command ID timed out and stops it, once, and only
	// while PID is still the script's child (/proc/PID/stat's parent): a
	// PID the shell has freed may be another process's by now. _cfK PID
	// stops a process and its descendants without starting a process per
	// descendant (pgrep took seconds for a tree of hundreds, past the
	// session's deadline): it freezes PID, then, in passes over /proc read
	// by the shell until one finds nothing new, freezes every child of a
	// frozen process, so that none can start more; then kills them all
	// with one kill. A process whose parent exited before (init adopted
	// it) is not found.
	scriptKill = `_cfk() { [ -e "$_cfd/$1.t" ] && return; read -r _cfo <"/proc/$2/stat" || return; _cfo=${_cfo##*) }; set -- "$1" "$2" $_cfo; ` +
		`[ "$4" = "$$" ] || return; : >"$_cfd/$1.t"; _cfK "$2"; }` + "\n" +
		`_cfK() { kill -STOP "$1"; _cfg=" $1 "; _cfv=1; while [ -n "$_cfv" ]; do _cfv=; for _cff in /proc/[0-9]*/stat; do ` +
		`read -r _cfo <"$_cff" || continue; _cfo=${_cfo##*) }; set -- $_cfo; case $_cfg in *" $2 "*) ;; *) continue;; esac; ` +
		`_cff=${_cff#/proc/}; _cff=${_cff%/stat}; case $_cfg in *" $_cff "*) continue;; esac; kill -STOP "$_cff"; _cfg="$_cfg$_cff "; _cfv=1; done; done; ` +
		`kill -KILL $_cfg; }` + "\n"
	// _cfw MAX, the watchdog, ticks every second: it stops each command
	// not yet reaped that has run past its bound, or past MAX seconds
	// from the start, and tells the script (USR1) to stop waiting for the
	// newest command once it has run a tick. TERM ends it and its sleep;
	// it also ends, removing the directory, if the script died (SIGKILL
	// runs no EXIT trap), and in any case a little after MAX.
	scriptWatch = `_cfw() { _cfT=0; trap 'kill $_cfz 2>/dev/null; exit 0' TERM; while kill -0 $$ && [ "$_cfT" -le $(($1+2)) ]; do ` +
		`sleep 1 & _cfz=$!; wait $_cfz || exit 0; _cfT=$((_cfT+1)); echo $_cfT 1<>"$_cfd/T"; _cfn=; ` +
		`while read -r _cfi _cfq _cfb _cft; do [ -n "$_cft" ] || continue; [ -e "$_cfd/$_cfi.c" ] && continue; _cfn=$_cfi; ` +
		`if [ $((_cfT-_cft)) -gt "$_cfb" ] || [ "$_cfT" -ge "$1" ]; then _cfk "$_cfi" "$_cfq"; elif [ $((_cfT-_cft)) -ge 1 ]; then _cfn=$_cfi:$_cfq; fi; ` +
		`done <"$_cfd/run"; case $_cfn in *:*) kill -USR1 $$;; esac; done; kill -0 $$ || rm -rf "$_cfd"; } 2>/dev/null` + "\n"
)

// Script returns the command that runs cmds on a host, framed by boundary
// (letters and digits only).
func Script(boundary string, cmds []Cmd) string {
	var b strings.Builder
	n := 2048
	for _, c := range cmds {
		n += 2*len(c.Command) + 160
	}
	b.Grow(n)
	b.WriteString(": " + header + "\n_cfB=" + boundary + "\n")
	b.WriteString(scriptSetup + scriptLimit + scriptStart + scriptEnd + scriptAwait + scriptKill + scriptWatch)
	maxSecs := longest(cmds)
	fmt.Fprintf(&b, "_cfH=%d; : >\"$_cfd/run\"; echo 0 >\"$_cfd/T\"; _cfw %d >/dev/null </dev/null & _cfW=$!\n", max(1, maxSecs/2), maxSecs)
	for i, c := range cmds {
		s, cp := max(1, c.Seconds), max(1, c.Cap)
		q := quote(c.Command)
		fmt.Fprintf(&b, "_cfl %d %d %d %s; ", i, s, cp, q)
		if simple(c.Command) {
			b.WriteString(c.Command) // one process: the shell forks and execs it
		} else {
			// A subshell, not a bare eval: the shell would keep a copy of
			// the script's stdout for the redirected eval, and a process
			// the command leaves behind would hold the session open.
			fmt.Fprintf(&b, `_cfc=%s; ( _cfx="$_cfd/%d.x"; unset _cfd _cfB _cfP _cfW _cfH; eval "$_cfc"; echo $? >"$_cfx" )`, q, i)
		}
		fmt.Fprintf(&b, ` >"$_cfd/%d.O" 2>"$_cfd/%d.E" </dev/null & _cfs %d $! %d`+"\n", i, i, i, s)
	}
	b.WriteString("_cfa; kill $_cfW 2>/dev/null\n")
	writeFrames(&b, len(cmds))
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

// Bound is how long Script(boundary, cmds) runs on a host at most: its
// watchdog stops every command by the largest bound, and ends itself two
// ticks later; the frames take a little more.
func Bound(cmds []Cmd) time.Duration {
	return time.Duration(longest(cmds)+5) * time.Second
}

// writeFrames writes the end of the script: the marker, then the frames.
// The marker is random, made on the host after the commands ran, and
// printed before any of their output; where the kernel offers no random
// UUID, od reads 16 bytes of /dev/urandom.
func writeFrames(b *strings.Builder, n int) {
	b.WriteString(`read -r _cfM </proc/sys/kernel/random/uuid 2>/dev/null || _cfM=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n'); ` +
		`printf '%s' "$_cfM" >"$_cfd/m"` + "\n")
	// A session closed early (the caller gave up) makes the writes of the
	// frames fail instead of killing the script before its EXIT trap
	// removes the directory.
	b.WriteString(`trap '' PIPE; _cfN; printf '%s data %s %s ' "$_cfB" "$_cfM" "$_cfR"; ulimit -H -f; cat`)
	for i := range n {
		fmt.Fprintf(b, ` "$_cfd/%d.c" "$_cfd/m" "$_cfd/%d.O" "$_cfd/m" "$_cfd/%d.E" "$_cfd/m"`, i, i, i)
	}
	b.WriteString(" 2>/dev/null\n")
}

// validMarker reports whether m can be the marker of a frame: 32 hex
// digits at least, with dashes (a UUID) or not.
func validMarker(m string) bool {
	digits := 0
	for _, r := range m {
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'f':
			digits++
		case r != '-':
			return false
		}
	}
	return digits >= 32 && len(m) <= 64
}

// simple reports whether command is one plain simple command: words of
// letters, digits and _./%+:,@=- or single-quoted, separated by single
// blanks, the first a command name. Such a command is written into the
// script as it is and costs the host one process; any other runs through
// eval in a background subshell, which then forks it.
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
// the shell itself (which would keep a copy of the script's stdout, as
// above).
func reserved(w string) bool {
	switch w {
	case "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until", "for", "in", "function", "select", "time",
		"eval", ".", "source", "command", "builtin":
		return true
	}
	return false
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
	if len(boundary) < 2 {
		return res
	}
	pos, ok := lineAfter(out, boundary+" data ")
	if !ok {
		if at, fatal := lineAfter(out, boundary+" fatal "); fatal {
			msg, _, _ := strings.Cut(out[at:min(len(out), at+200)], "\n")
			err := &EndedError{Reason: msg}
			for i := range res {
				res[i].Err = err
			}
		}
		return res
	}
	nl := strings.IndexByte(out[pos:], '\n')
	if nl < 0 {
		return res
	}
	f := strings.Fields(out[pos : pos+nl])
	if len(f) != 3 || !validMarker(f[0]) {
		return res
	}
	marker, end, hard := f[0], tick(f[1]), hardLimit(f[2])
	data := out[pos+nl+1:]
	for i := range cmds {
		var body [3]string
		for k := range body {
			end := strings.Index(data, marker)
			if end < 0 {
				return res
			}
			body[k], data = data[:end], data[end+len(marker):]
		}
		res[i] = result(body, max(1, cmds[i].Cap), hard, end)
	}
	return res
}

// hardLimit reads the host's hard file-size limit, as ulimit -H -f
// printed it, in bytes: 0 for unlimited or unreadable. Shells count
// 512-byte blocks (bash 1024): the smaller unit is taken, so that a file
// the limit may have cut is never taken for a whole one.
func hardLimit(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n <= 0 || n > 1<<40 {
		return 0
	}
	return n * 512
}

// lineAfter returns the position after the first line start of out
// that begins with mark.
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

// result makes one command's Result of its status, stdout and stderr
// files. A file cut at the cap, or at the host's hard limit hard (when
// below the cap), is Truncated. end is the watchdog's last tick.
func result(body [3]string, capN, hard, end int) Result {
	f := strings.Fields(body[0])
	if len(f) != 2 && len(f) != 4 {
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
	if hard > 0 && hard <= capN && max(len(r.Stdout), len(r.Stderr)) >= hard {
		r.Truncated = true
	}
	if len(f) == 4 {
		// The tick read after a launch may be one the command started
		// before; the one read at its end, one it ended before. Ticks out
		// of order narrow nothing.
		start, stop := tick(f[2]), tick(f[3])
		if start >= 0 && start <= stop && stop <= end {
			r.Head = time.Duration(max(0, start-1)) * time.Second
			r.Tail = time.Duration(max(0, end-stop-1)) * time.Second
		}
	}
	return r
}

// tick reads a watchdog tick count: -1 if it is not one.
func tick(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 1<<20 {
		return -1
	}
	return n
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
		i := strings.Index(rest, "\n_cfl ")
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

// fakeMarker is the marker Encode writes, as a host would write a random
// one.
const fakeMarker = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"

// Encode writes the output a host gives for Script(boundary, cmds) when
// its commands produced results (stdout and stderr cut at its command's
// Cap plus one byte, as the host does). The fake executor uses it.
func Encode(boundary string, cmds []Cmd, results []Result) string {
	var b strings.Builder
	marker := fakeMarker
	n := 64
	for _, r := range results {
		n += len(r.Stdout) + len(r.Stderr) + 3*len(marker) + 8
	}
	b.Grow(n)
	b.WriteString(boundary + " data " + marker + " 0 unlimited\n")
	for i, r := range results {
		if i >= len(cmds) {
			break
		}
		t := "0"
		if r.TimedOut {
			t = "1"
		}
		c := max(1, cmds[i].Cap) + 1
		o, e := r.Stdout[:min(len(r.Stdout), c)], r.Stderr[:min(len(r.Stderr), c)]
		for _, x := range []string{strconv.Itoa(r.ExitCode) + " " + t + "\n", o, e} {
			b.WriteString(x)
			b.WriteString(marker)
		}
	}
	return b.String()
}
