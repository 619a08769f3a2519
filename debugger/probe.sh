# shellcheck shell=sh
# The reachability probe (debugger.ProbeTCP), run on each source host,
# usually inside its fact-gathering session. Go appends one line per batch
# of at most 32 targets that share a time limit:
#
#	probe_batch SECONDS ADDRESS PORT [ADDRESS PORT ...]
#
# and each batch prints one line per target:
#
#	probe ADDRESS PORT EXIT MESSAGE
#
# then "probe_end" removes the functions (the script runs in the gathering
# worker's shell, which later facts share).
#
# Where bash exists, a batch costs one process whatever its size: one bash
# opens every connection at once with its /dev/tcp, each in a forked job,
# and reads their lines from a pipe until each has written one or SECONDS
# have passed; it then kills the jobs left, and each target with no line is
# reported as timed out (exit 124). A bash that ended otherwise without a
# line for every target is a probe error (exit 127), not a timeout that
# would point at a firewall. Elsewhere each target costs one nc -z -w. The
# tool runs with LC_ALL=C so that its message ("Connection refused") reads
# the same whatever the host's language, and the message's newlines become
# blanks, so that each probe is one line.

# probe_with_bash is the program bash runs: $1 is SECONDS, then ADDRESS
# PORT pairs. Each job is its own process group (set -m), so that one kill
# per job stops it, still blocked in connect.
#
# A job connects with a redirection of true (a regular built-in: its failed
# redirection ends no shell, POSIX mode or not) and writes bash's error
# messages, then a "result ADDRESS PORT STATUS" line, to the pipe, each in
# one write, so that the lines of jobs never mix. No subshell captures the
# messages (a fork of bash costs a host some 6 ms of CPU): the program gives
# each target the messages that name it, "/dev/tcp/ADDRESS/PORT: Connection
# refused" and one "line N: ADDRESS: Name or service not known" (never
# bash's "connect: ..." line, which names nothing); a message given is
# dropped, so that no target gets another's.
#
# The pipe is a process substitution opened for reading and writing, so
# that it never reads as ended: read -t is the timer, with no sleep or
# timeout process. The deadline is in microseconds, from EPOCHREALTIME
# (bash 5), else from SECONDS, whose whole seconds make it up to a second
# late, never early; an EPOCHREALTIME that a bash before 5 imported from
# the environment would be a fixed time, so it is unset there. Only a read
# that timed out (status above 128) is the deadline; one that failed
# otherwise (bash 3 rejects a fraction) is an error.
#
# BASH_ENV is emptied and set -e and -u are off, whatever the environment
# says, so that no start-up file runs and no option ends the program
# before it has killed its jobs.
# shellcheck disable=SC2016 # bash, not this shell, expands it
probe_with_bash='set -m +eu
case $BASH_VERSION in
[1-4].*) unset EPOCHREALTIME ;;
esac
exec 8<> <(:) || exit 127
newline="
"
seconds=$1
shift
left=0
result=124
while [ $# -gt 1 ]; do
	{
		{ true 3<>"/dev/tcp/$1/$2"; } 2>&8
		printf "result %s %s %s\n" "$1" "$2" "$?" >&8
	} &
	left=$((left + 1))
	shift 2
done
report() {
	address=${1%% *}
	port=${1#* }
	status=${port#* }
	port=${port%% *}
	message=
	named=
	rest=$errors
	errors=
	while [ -n "$rest" ]; do
		error=${rest%%"$newline"*}
		rest=${rest#*"$newline"}
		case $error in
		*"/dev/tcp/$address/$port: "*) message="$message $error" ;;
		*": line "[0-9]*": $address: "*)
			if [ -z "$named" ]; then
				named=1
				message="$message $error"
			else
				errors="$errors$error$newline"
			fi
			;;
		*) errors="$errors$error$newline" ;;
		esac
	done
	printf "probe %s %s %s %s\n" "$address" "$port" "$status" "${message# }"
}
now() {
	if [ -n "$EPOCHREALTIME" ]; then
		now=${EPOCHREALTIME/[.,]/}
	else
		now=$((SECONDS * 1000000))
	fi
}
now
end=$((now + seconds * 1000000))
[ -n "$EPOCHREALTIME" ] || end=$((end + 1000000))
while [ "$left" -gt 0 ]; do
	now
	wait=$((end - now))
	[ "$wait" -gt 0 ] || break
	printf -v wait "%d.%06d" $((wait / 1000000)) $((wait % 1000000))
	IFS= read -r -t "$wait" -u 8 line
	status=$?
	[ "$status" -gt 128 ] && break
	[ "$status" = 0 ] || { result=127; break; }
	case $line in
	"result "*)
		report "${line#result }"
		left=$((left - 1))
		;;
	*) errors="$errors$line$newline" ;;
	esac
done
[ "$left" = 0 ] && exit 0
for job in $(jobs -p); do
	kill -KILL -- "-$job"
done
exit "$result"'

# probe_batch SECONDS ADDRESS PORT ... probes each target for at most
# SECONDS and prints its line.
probe_batch() {
	probe_seconds=$1
	shift
	if command -v bash >/dev/null 2>&1; then
		probe_lines=$(LC_ALL=C BASH_ENV='' bash -c "$probe_with_bash" probe "$probe_seconds" "$@" 2>/dev/null)
		probe_status=$?
		[ -z "$probe_lines" ] || printf '%s\n' "$probe_lines"
		case $probe_status in
		124) probe_missing="124 timed out after ${probe_seconds}s" ;;
		*) probe_missing="127 the probe tool failed: bash exited $probe_status" ;;
		esac
		while [ $# -gt 1 ]; do
			case $probe_lines in
			*"probe $1 $2 "*) ;;
			*) printf 'probe %s %s %s\n' "$1" "$2" "$probe_missing" ;;
			esac
			shift 2
		done
	elif command -v nc >/dev/null 2>&1; then
		# Only its own jobs: the worker may hold an earlier fact's.
		probe_pids=
		while [ $# -gt 1 ]; do
			probe_with_nc "$probe_seconds" "$1" "$2" &
			probe_pids="$probe_pids $!"
			shift 2
		done
		# One word per PID is meant.
		# shellcheck disable=SC2086
		wait $probe_pids
	else
		while [ $# -gt 1 ]; do
			printf 'probe %s %s 127 no probe tool: need bash or nc\n' "$1" "$2"
			shift 2
		done
	fi
}

# probe_with_nc SECONDS ADDRESS PORT probes one target with nc -z -w.
probe_with_nc() {
	probe_message=$(LC_ALL=C nc -z -w "$1" "$2" "$3" 2>&1)
	probe_status=$?
	probe_newline='
'
	while :; do
		case $probe_message in
		*"$probe_newline"*) probe_message="${probe_message%%"$probe_newline"*} ${probe_message#*"$probe_newline"}" ;;
		*) break ;;
		esac
	done
	printf 'probe %s %s %s %s\n' "$2" "$3" "$probe_status" "$probe_message"
}

# probe_end removes the probe's functions from the shell.
probe_end() {
	unset -f probe_batch probe_with_nc probe_end
}
