// Package factbatch builds the one shell script that gathers several facts
// on a host in one session, and reads its output back. It is shared by the
// runner (package calyptos), which builds and parses, and by the fake
// executor of calyptostest, which decodes a script and answers it the way
// a host would.
//
// The script is gather.sh, a POSIX sh file embedded here, where its
// comments say what each part does and why; Go writes only a header, the
// boundary and one line per fact. In short:
//
//   - Facts run one after another in a worker (a background subshell),
//     each eval'd there, with stdout and stderr in files of a private
//     directory (mode 700, in TMPDIR, XDG_RUNTIME_DIR, /dev/shm, /tmp or
//     /var/tmp), capped on the host by the file-size limit the worker
//     sets for it (ulimit -S -f, a little over its cap; SIGXFSZ is
//     ignored, so a fact that goes on writing gets EFBIG). A fact costs
//     its command's processes, no more.
//
//   - One watchdog ticks every second (every two seconds when the largest
//     bound is a minute or more): a fact still running after a tick
//     makes the script start another worker for the facts after it, so a
//     hung fact delays the others by a second or two; a fact past its own
//     bound, or past the largest bound from the start, is stopped with its
//     worker and their descendants (found by the shell in /proc, without a
//     process per descendant) and marked timed out; a fact that exits ends
//     its worker, and another takes the facts left. Workers take facts by
//     creating a claim file exclusively, so each runs once. The watchdog
//     removes the directory when the script ends, even one killed by
//     SIGKILL.
//
//   - When all are reaped, the script prints, after a line with a boundary
//     that is random per run, a marker, the watchdog's ticks so far and the
//     host's hard file-size limit:
//
//     BOUNDARY data MARKER TICKS HARDLIMIT
//     (per fact: its status line, MARKER, stdout, MARKER, stderr, MARKER)
//
//     The marker is random and made on the host after every fact has run,
//     and printed before any fact's output, so that nothing a fact prints
//     (nor another user of the host) can end its frame early or forge
//     another fact's result.
//
//   - A fact whose command is cat of one kernel file (under /proc or /sys)
//     runs no process: its worker checks that the file is readable, and
//     the cat that prints the frames reads it, after the others' frames.
//     The watchdog stops that cat when it is stuck on such a file (a hung
//     FUSE file) for two ticks: only those frames are lost.
//
// A host runs, besides the facts' own processes, mkdir, a worker (one more
// per slow or exiting fact), the watchdog, one sleep per tick, cat, and
// rm (exec'd by the watchdog in place).
package factbatch

import (
	"errors"
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
