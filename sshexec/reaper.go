package sshexec

import "github.com/org/calyptos"

// reaper is the POSIX sh script every command runs under ($1 is the
// command, $2 the script). OpenSSH refuses signal requests on root
// sessions, so the remote side ends a command itself: sshd makes each session's process a
// process-group leader (otherwise setsid(1) makes it one), and a watcher
// blocked reading the session's stdin, which the client keeps open until
// the command ends, sends the group SIGTERM when the channel closes (the
// deadline passed, the call was cancelled, the connection dropped), then
// SIGKILL two seconds later. The command itself runs in the login shell
// ($SHELL -c, as sshd runs it), in the foreground, with stdin /dev/null;
// its output and exit status are untouched (the script's own stderr is
// /dev/null and the command's redirections are made in a subshell, or sh
// would add "Killed" to stderr when the command is killed). Without a way
// to get a group of its own the command runs unwatched.
const reaper = `if kill -0 -$$ 2>/dev/null; then :; ` +
	`elif command -v setsid >/dev/null 2>&1; then exec setsid /bin/sh -c "$2" "$0" "$1" "$2"; ` +
	`else exec "${SHELL:-/bin/sh}" -c "$1" </dev/null; fi; ` +
	`exec 3<&0 </dev/null 4>&2 2>/dev/null; ` +
	`(while read -r _ <&3; do :; done; trap "" TERM; kill -s TERM -- -$$; ` +
	`exec /bin/sh -c "sleep 2; kill -s KILL -- -$$") >/dev/null 2>&1 4>&- & w=$!; ` +
	`(exec "${SHELL:-/bin/sh}" -c "$1" 2>&4 3<&- 4>&-); s=$?; kill $w 2>/dev/null; exit $s`

// reaped returns the remote command line that runs command under reaper,
// for the login shell to run. The script is also its own $2, so that the
// setsid fallback can run it again.
func reaped(command string) string {
	q := calyptos.ShellQuote(reaper)
	return "exec /bin/sh -c " + q + " sshexec " + calyptos.ShellQuote(command) + " " + q
}
