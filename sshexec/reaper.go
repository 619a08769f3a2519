package sshexec

import "github.com/org/calyptos"

// reaper is the POSIX sh script every command runs under, in the /bin/sh
// that the login shell became (see loginLine); $1 is the command and $2
// the encoded script itself. OpenSSH refuses signal requests on root
// sessions, so the remote side ends a command itself: sshd makes each
// session's process a process-group leader (otherwise setsid(1) makes it
// one, running the script again), and a watcher blocked reading the
// session's stdin, which the client keeps open until the command ends,
// sends the group SIGTERM when the channel closes (the deadline passed,
// the call was cancelled, the connection dropped), then SIGKILL two
// seconds later. The command runs under /bin/sh -c, in the foreground,
// with the environment the login shell exported and stdin /dev/null; its
// output and exit status are untouched (the script's own stderr is
// /dev/null and the command's redirections are made in a subshell, or sh
// would add "Killed" to stderr when the command is killed). The script
// sets no variable before the command runs, so a variable the login shell
// exported reaches the command unchanged. Without a way to get a group of
// its own the command runs unwatched.
const reaper = `if kill -0 -$$ 2>/dev/null; then :; ` +
	`elif command -v setsid >/dev/null 2>&1; then exec setsid /bin/sh -c 'eval "$(printf "$1")"' sh "$2"; ` +
	`else exec /bin/sh -c "$1" sh </dev/null; fi; ` +
	`exec 3<&0 </dev/null 4>&2 2>/dev/null; ` +
	`(while read -r _ <&3; do :; done; trap "" TERM; kill -s TERM -- -$$; ` +
	`exec /bin/sh -c "sleep 2; kill -s KILL -- -$$") >/dev/null 2>&1 4>&- & ` +
	`(exec /bin/sh -c "$1" sh 2>&4 3<&- 4>&-); s=$?; kill $! 2>/dev/null; exit $s`

// reaped returns the script that runs command under reaper.
func reaped(command string) string {
	return `set -- ` + calyptos.ShellQuote(command) + ` "$1"; ` + reaper
}

// asIs returns the script that runs script as it is, in the same /bin/sh,
// with no positional parameters (a self-bounded command).
func asIs(script string) string {
	return "set --; " + script
}
