package sshexec

import "strings"

// reaper is the POSIX sh script every command runs under, in the /bin/sh
// that the login shell became (see loginLine); $1 is the script itself,
// $2 the command, and $3 "e" when the command is encoded.
//
// OpenSSH refuses signal requests on root sessions, so the remote side
// ends a command itself: sshd makes each session's process a
// process-group leader (otherwise setsid(1) makes it one, running the
// script again), and a watcher blocked reading the session's stdin, which
// the client keeps open until the command ends, sends the group SIGTERM
// when the channel closes (the deadline passed, the call was cancelled,
// the connection dropped), then SIGKILL two seconds later. The watcher is
// started twice removed, so that it is no job or child of the shell that
// runs the command (whose `wait` would wait for it). When the command
// ended by itself first, sshd has reaped the session's process before it
// closes the channel, and the watcher leaves quietly: what the command
// left in the background runs on, as with ssh.
//
// The command then runs in this same shell, the session's process, as
// the login shell runs a command for ssh: eval'd with no positional
// parameters, $0 "sh", the environment the login shell exported, stdin
// /dev/null, no other descriptor open, stdout and stderr the session's.
// The script sets no variable, so a variable the login shell exported
// reaches the command unchanged. Without a way to get a group of its own
// the command runs unwatched.
//
// It is plain (see loginLine) and forks nothing to decode a plain
// command: the watcher (and the short-lived process that starts it) is
// all it adds to the exec of /bin/sh.
const reaper = `case $3 in e) set -- "$1" "$(printf "$2"; echo .)"; set -- "$1" "${2%.}";; esac; ` +
	`if kill -0 -$$ 2>/dev/null; then :; ` +
	`elif command -v setsid >/dev/null 2>&1; then exec setsid /bin/sh -c "$1" sh "$1" "$2"; ` +
	`else exec /bin/sh -c -- "$2" sh </dev/null; fi; ` +
	`exec 3<&0 </dev/null; ` +
	`( (while read -r _ <&3; do :; done; kill -0 $$ || exit; trap "" TERM; kill -s TERM -- -$$; ` +
	`exec /bin/sh -c "sleep 2; kill -s KILL -- -$$") >/dev/null 2>&1 & ); ` +
	`exec 3<&-; eval "set --; $2"`

// reapedLine returns the login line that runs command under reaper.
func reapedLine(command string) string {
	if plain(command) {
		return loginLine(reaper, command)
	}
	return loginLine(reaper, encoded(command), "e")
}

// selfBoundedLine returns the login line that runs script as it is, in
// the /bin/sh the login shell became, with no positional parameters and
// stdin at its end, and what to send on the session's stdin ("" for
// nothing). A short plain script goes in the line. Any other goes on stdin
// behind stdinToken (see stdinCode): it needs no encoding there, no
// process to decode it, and no room in an argument (maxArgLen).
func selfBoundedLine(script string) (line, stdin string) {
	if plain(script) && len(script) <= maxPlainScript {
		return loginLine("set --; " + script), ""
	}
	// An odd backslash at the very end is a literal one: doubled, it does
	// not join the group's closing line.
	if oddTrailingBackslash(script) {
		script += `\`
	}
	return loginLine(stdinCode, stdinToken), stdinToken + "\nexec 3<&-\n{\n" + script + "\n}\n"
}

// oddTrailingBackslash reports whether s ends in an odd run of
// backslashes, the last of which would escape what follows s.
func oddTrailingBackslash(s string) bool {
	return (len(s)-len(strings.TrimRight(s, `\`)))%2 == 1
}

// maxPlainScript is the longest plain script sent in the login line,
// where it needs no token read and no open of /dev/fd/3; a longer one goes
// on stdin, which has no length limit.
const maxPlainScript = 4 << 10

// stdinToken is the first line of a script sent on stdin. /bin/sh reads it
// byte by byte before anything else: a login shell whose start-up file
// read the session's stdin took some of the script, and /bin/sh then
// refuses to run the rest (stdinRefused).
const stdinToken = "calyptos-script-7d41c2"

// stdinRefused is what /bin/sh says, exiting 125, when the script on its
// stdin does not begin with stdinToken.
const stdinRefused = "sshexec: the script did not reach /bin/sh whole on its stdin: a start-up file of the login shell read it"

// stdinCode runs the script that follows stdinToken on stdin ($2 is the
// token): it moves the pipe to descriptor 3, gives the script /dev/null
// as stdin, and sources the pipe through /dev/fd/3, which the shell reads
// on a descriptor of its own, closed for what it runs. The script's first
// line, which Go adds, closes descriptor 3, so the script's commands see
// only stdin, stdout and stderr; Go also puts the script in a { } group,
// which the shell parses whole before it runs any of it: a script cut
// short (the call cancelled or the connection lost while it was sent) is
// a syntax error and runs nothing, not its first part. Without /dev/fd,
// or when stdin is not a pipe (a socketpair, which Linux will not open
// through /dev/fd), the shell reads the script with cat and evals it.
const stdinCode = `IFS= read -r t; [ "$t" = "$2" ] || { echo "` + stdinRefused + `" >&2; exit 125; }; ` +
	`exec 3<&0 </dev/null; set --; ` +
	`if [ -p /dev/fd/3 ]; then . /dev/fd/3; else t=$(cat <&3; echo .); exec 3<&-; eval "${t%.}"; fi`
