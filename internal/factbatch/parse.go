package factbatch

import (
	"strconv"
	"strings"
	"time"
)

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

// Parse reads the output of Script(boundary, cmds): one Result per
// command, in the order of cmds (the frames come in wireOrder; see served
// for a file fact's). Text before the frame (a login banner printed by the
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
	errs, st := "", step(cmds)
	for _, i := range wireOrder(cmds) {
		var body [3]string
		for k := range body {
			end := strings.Index(data, marker)
			if end < 0 {
				return res
			}
			body[k], data = data[:end], data[end+len(marker):]
		}
		errs = served(&body, errs)
		res[i] = result(body, max(1, cmds[i].Cap), hard, end, st)
	}
	return res
}

// served turns the frame of a file fact the frames' cat served (its
// status ends in "file") into cat's own result: its stderr part is that
// cat's stderr so far, errs the part the served frame before had; what
// this file added is its error, and cat's exit 1. It returns the new errs.
func served(body *[3]string, errs string) string {
	if !strings.HasSuffix(strings.TrimRight(body[0], "\n"), " file") {
		return errs
	}
	f := strings.Fields(body[0])
	if len(f) != 5 || f[4] != "file" {
		return errs
	}
	all := body[2]
	body[2] = strings.TrimPrefix(all, errs)
	if body[2] != "" {
		f[0] = "1"
	}
	body[0] = strings.Join(f[:4], " ")
	return all
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
// below the cap), is Truncated. end is the seconds the watchdog counted
// in all, in ticks of step seconds.
func result(body [3]string, capN, hard, end, step int) Result {
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
		// The tick read after a launch may be the first after the command
		// started, the one read at its end the last before it ended: each
		// is a step off at most. Ticks out of order narrow nothing.
		start, stop := tick(f[2]), tick(f[3])
		if start >= 0 && start <= stop && stop <= end {
			r.Head = time.Duration(max(0, start-step)) * time.Second
			r.Tail = time.Duration(max(0, end-stop-step)) * time.Second
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
