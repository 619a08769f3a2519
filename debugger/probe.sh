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
# Where bash exists, a batch is one bash, which forks one job that
# connects to each target in turn with its /dev/tcp: a batch whose targets
# all answer within a quarter of a second costs two processes whatever its
# size. A quarter of a second after it started, each target the job has not
# reached yet gets a job of its own, all connecting at once, as if each had
# had its own from the start: so a target that hangs (a firewall that drops
# packets) delays those after it by a quarter of a second at most (a second
# with bash 4's clock, see below). bash reads the jobs' lines from a pipe
# until each target has one or SECONDS have passed, kills the jobs left,
# reports each target with no line as timed out (exit 124), and prints
# every line at once at the end, and exits 3. A bash that ended otherwise,
# even with 0 (SHELLOPTS=noexec from the environment, a stand-in script),
# printed no line: each target is then a probe error (exit 127), not a
# timeout that would point at a firewall, nor a target with no line.
# Elsewhere each target costs one nc -z -w. The tool runs with LC_ALL=C so
# that its message ("Connection refused") reads the same whatever the
# host's language, and the message's newlines become blanks, so that each
# probe is one line.

# probe_with_bash is the program bash runs: $1 is SECONDS, then ADDRESS
# PORT pairs. A job is one process (its connection is a redirection of
# true, a regular built-in whose failed redirection ends no shell), so
# that one kill stops it, still blocked in connect.
#
# A job writes bash's error messages, then a "result JOB INDEX STATUS"
# line (JOB is the index it started at),
# to the pipe, each in one write, so that the lines of jobs never mix. No
# subshell captures the messages (a fork of bash costs a host some 6 ms of
# CPU): the program gives each target the messages that name it,
# "/dev/tcp/ADDRESS/PORT: Connection refused" and one "line N: ADDRESS:
# Name or service not known" (never bash's "connect: ..." line, which names
# nothing, and is dropped as it comes: kept, every target's search went
# through one per target before it); a message given is dropped, so that
# no target gets another's.
# The first job, once its targets are handed out, is killed when its last
# one reports; it may have started the next already. So a job names its
# messages with its index (BASH_ARGV0=probeJOB, bash 5 and later), and a
# target gets only the messages of its owner (the job whose result counts),
# as "probe: ...": not those of another attempt, which may have met
# another answer. (bash 4 cannot name them: there a message both attempts
# gave alike is given once.) The lines waiting in the pipe are
# read before the targets are handed out (so that a program slow to read,
# on a loaded host, does not hand out targets the job has done) and
# before the deadline is called (so that a result that came in time
# counts), for 250 ms past the deadline at most (none with bash 4's clock,
# whose deadline is late already; never with bash 3, whose read -t 0 may
# wait for a line). A line is read as its
# first byte, within the time left, then the rest: a read that timed out
# in the middle of a line would have lost its start.
#
# The pipe is opened for reading and writing, so that it never reads as
# ended: read -t is the timer, with no sleep or timeout process. It is a
# here-string's pipe (bash 5.1 and later; no process) once a line written
# to it reads back, else a process substitution's. The clock is in
# microseconds, from EPOCHREALTIME (bash 5), else from SECONDS, whose whole
# seconds make the deadline up to a second late, never early; an
# EPOCHREALTIME that a bash before 5 imported from the environment would
# be a fixed time, so it is unset there. Only a read that timed out
# (status above 128) is the deadline; one that failed otherwise (bash 3
# rejects a fraction) is an error.
#
# Jobs are started in one place, not a function (bash names the messages
# of code in a function "environment", not "probe"): first job 0 for
# every target (through=0, width=count), then at the hand-out one job per
# target after the one job 0 is on (through=count, width=1).
#
# BASH_ENV is emptied and set -e and -u are off, whatever the environment
# says, so that no start-up file runs and no option ends the program
# before it has killed its jobs. got (the targets reported) is unset: an
# exported got=1 is got[0] to bash, and would drop target 0's line.
# shellcheck disable=SC2016 # bash, not this shell, expands it
probe_with_bash='set +eu
tagged=
case $BASH_VERSION in
[1-4].*) unset EPOCHREALTIME ;;
*) tagged=1 ;;
esac
{ exec 8<<<"" && exec 9<>/dev/fd/8 && [ -p /dev/fd/9 ] && read -r -u 9 _ && printf "\n" >&9 && read -r -u 9 _; } 2>/dev/null || exec 9<> <(:) || exit 127
exec 8<&-
newline="
"
seconds=$1
shift
count=0
while [ $# -gt 1 ]; do
	address[count]=$1
	port[count]=$2
	count=$((count + 1))
	shift 2
done
report() {
	message=
	named=
	tag="probe$3: "
	[ -n "$tagged" ] || tag="probe: "
	rest=$errors
	errors=
	while [ -n "$rest" ]; do
		error=${rest%%"$newline"*}
		rest=${rest#*"$newline"}
		case $error in
		"$tag"*"/dev/tcp/${address[$1]}/${port[$1]}: "*)
			error="probe: ${error#"$tag"}"
			case " $message " in
			*" $error "*) ;;
			*) message="$message $error" ;;
			esac
			;;
		*"/dev/tcp/${address[$1]}/${port[$1]}: "*) ;;
		"$tag""line "[0-9]*": ${address[$1]}: "*)
			if [ -z "$named" ]; then
				named=1
				message="$message probe: ${error#"$tag"}"
			else
				errors="$errors$error$newline"
			fi
			;;
		*) errors="$errors$error$newline" ;;
		esac
	done
	lines="${lines}probe ${address[$1]} ${port[$1]} $2 ${message# }$newline"
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
grace=$((end + 250000))
[ -n "$EPOCHREALTIME" ] || grace=$end
case $BASH_VERSION in
[1-3].*) grace=0 ;;
esac
soon=$((now + 250000))
left=$count
unset got
missing="124 timed out after ${seconds}s"
lines=
errors=
next=0
spread=
start=0
width=$count
through=0
while :; do
	while [ "$start" -le "$through" ] && [ "$start" -lt "$count" ]; do
		last=$((start + width - 1))
		{
			BASH_ARGV0=probe$start
			index=$start
			while [ "$index" -le "$last" ]; do
				{ true 3<>"/dev/tcp/${address[index]}/${port[index]}"; } 2>&9
				printf "result %s %s %s\n" "$start" "$index" "$?" >&9
				index=$((index + 1))
			done
		} &
		pid[start]=$!
		start=$((start + 1))
	done
	[ "$left" -gt 0 ] || break
	now
	limit=$end
	[ -n "$spread" ] || [ "$soon" -ge "$end" ] || limit=$soon
	wait=$((limit - now))
	if [ "$wait" -le 0 ] && [ "$now" -lt "$grace" ] && read -t 0 -u 9; then
		wait=10000
	elif [ "$wait" -le 0 ]; then
		[ "$limit" = "$end" ] && break
		spread=$next
		start=$((next + 1))
		width=1
		through=$count
		continue
	fi
	printf -v wait "%d.%06d" $((wait / 1000000)) $((wait % 1000000))
	IFS= read -r -t "$wait" -n 1 -u 9 line
	status=$?
	[ "$status" -gt 128 ] && continue
	[ "$status" = 0 ] && [ -n "$line" ] && IFS= read -r -t 1 -u 9 more || {
		[ "$status" = 0 ] && [ -z "$line" ] && continue
		missing="127 the probe tool failed: it could not read its pipe"
		break
	}
	line=$line$more
	case $line in
	"result "*)
		line=${line#result }
		case $line in
		*[!0-9\ ]* | "") continue ;;
		esac
		from=${line%% *}
		line=${line#* }
		index=${line%% *}
		[ "$index" -lt "$count" ] && [ -z "${got[index]}" ] || continue
		if [ -z "$spread" ] || [ "$index" -le "$spread" ]; then
			[ "$from" = 0 ] || continue
		else
			[ "$from" = "$index" ] || continue
		fi
		got[index]=1
		report "$index" "${line#* }" "$from"
		left=$((left - 1))
		if [ -z "$spread" ]; then
			next=$((index + 1))
		elif [ "$index" = "$spread" ]; then
			kill -KILL "${pid[0]}" 2>/dev/null
		fi
		;;
	"probe: connect: "* | "probe"[0-9]": connect: "* | "probe"[0-9][0-9]": connect: "*) ;;
	*) errors="$errors$line$newline" ;;
	esac
done
index=0
while [ "$index" -lt "$count" ]; do
	if [ -z "${got[index]}" ]; then
		lines="${lines}probe ${address[index]} ${port[index]} $missing$newline"
		kill -KILL "${pid[index]:-${pid[0]}}" 2>/dev/null
	fi
	index=$((index + 1))
done
printf "%s" "$lines"
exit 3'

# probe_batch SECONDS ADDRESS PORT ... probes each target for at most
# SECONDS and prints its line.
probe_batch() {
	probe_seconds=$1
	shift
	if command -v bash >/dev/null 2>&1; then
		LC_ALL=C BASH_ENV='' bash -c "$probe_with_bash" probe "$probe_seconds" "$@" 2>/dev/null
		probe_status=$?
		# 3: the program ran to its end (0 may be a bash that ran nothing).
		[ "$probe_status" = 3 ] || probe_failed "$probe_status" "$@"
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

# probe_failed STATUS ADDRESS PORT ... prints a probe error for each
# target of a batch whose bash ended without printing its lines.
probe_failed() {
	probe_status=$1
	shift
	while [ $# -gt 1 ]; do
		printf 'probe %s %s 127 the probe tool failed: bash exited %s\n' "$1" "$2" "$probe_status"
		shift 2
	done
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
	unset -f probe_batch probe_failed probe_with_nc probe_end
}
