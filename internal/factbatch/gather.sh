# shellcheck shell=sh
# The fact-gathering script (package factbatch): runs a host's facts in one
# session, each bounded in time and output, and prints their results framed
# so that no fact's output can forge another's. Go sends it with its full-line
# comments taken out, after two lines of its own:
#
#	: calyptos-facts v7
#	gather_boundary=BOUNDARY
#
# and before the lines that use it: one to begin, one per fact N (from 0, in
# order), one to finish:
#
#	gather_begin LONGEST
#	( gather_enter CAP; COMMAND ) >"$gather_dir/N.out" 2>"$gather_dir/N.err" </dev/null & gather_started N SECONDS
#	( gather_enter CAP; eval 'COMMAND' 3>&-; echo $? >&3 ) 3>"$gather_dir/N.exit" >"$gather_dir/N.out" 2>"$gather_dir/N.err" </dev/null & gather_started N SECONDS
#	gather_finish COUNT
#
# The first form is for one plain simple command ("cat /proc/meminfo"): the
# subshell ends with it, so the shell execs it in the subshell it forked and it
# costs one process. Any other command is eval'd, quoted once, in a subshell
# (the shell would keep a copy of the script's stdout for a redirected eval in
# the script itself, and a process the command leaves behind would hold the
# session open; in a subshell the command's syntax error, exit or cd is its
# own): one process more than the command's own. The subshell writes the
# command's status to N.exit (see gather_ended).
#
# Every variable of the script starts with gather_, every function with
# gather_; a fact sees none of the variables (gather_enter unsets them).
# On the hosts a process costs milliseconds of CPU: the script itself starts
# mkdir, the watchdog and one sleep per second it runs, cat; rm at the end is
# exec'd by the watchdog in place. (A host with no
# /proc/sys/kernel/random/uuid adds three: od, tr and a subshell.)
#
# What it prints, after what the host's start-up files print:
#
#	BOUNDARY data MARKER TICKS HARDLIMIT
#	(per fact: its status, MARKER, its stdout, MARKER, its stderr, MARKER)
#
# or, when it could not begin, "BOUNDARY fatal REASON". The boundary is no
# secret (the script's command line and directory name show it to every user
# of the host); the marker is: random, made on the host after every fact has
# run, kept in the private directory and printed before any fact's output.
# So nothing a fact prints, and nothing another user of the host plants in
# what it prints, can end its frame early or forge another fact's result.

# The script's own stderr goes to /dev/null: the shell's "Killed" notices for
# stopped facts would otherwise reach the session and, once the caller has
# closed it, kill the script with SIGPIPE (each fact has its own stderr file,
# and the fatal line goes to stdout). SIGXFSZ is ignored from here on, by the
# facts too: a write past a fact's cap fails with EFBIG. USR1 is the watchdog
# telling the script to stop waiting for a slow fact.
exec 2>/dev/null
trap gather_exit EXIT
trap '' XFSZ
trap 'gather_interrupted=1' USR1

# gather_exit, the EXIT trap, has the watchdog remove the private directory
# (it execs rm in place, which saves a fork) and waits for it, with USR1
# ignored so that the watchdog's last tick cannot cut the wait short; where
# the watchdog has gone already, or the wait ended early, it removes the
# directory itself.
gather_exit() {
	[ -n "$gather_dir" ] || return 0
	trap '' USR1
	if [ -n "$gather_watchdog" ] && kill "$gather_watchdog"; then
		wait "$gather_watchdog"
	fi
	[ ! -d "$gather_dir" ] || rm -rf "$gather_dir"
}

# gather_make_dir PARENT makes the private directory in PARENT: absolute (a
# fact may cd), mode 700, named after the boundary and the shell's PID, and
# new (mkdir fails on a name that exists). On failure gather_dir is empty.
gather_make_dir() {
	# gather_boundary is set by the line Go writes before this file.
	# shellcheck disable=SC2154
	gather_dir=$1/calyptos-facts.$gather_boundary.$$
	case $gather_dir in
	/*) ;;
	*) gather_dir=$PWD/$gather_dir ;;
	esac
	mkdir -m 700 "$gather_dir" 2>/dev/null || {
		gather_dir=
		return 1
	}
}

# gather_begin LONGEST makes the private directory, in TMPDIR (or /tmp), else
# /var/tmp, else /dev/shm, or says why it cannot and ends the script; then
# starts the watchdog for facts bounded by LONGEST seconds at most. Once half
# of LONGEST has passed, facts start without being waited for one by one: many
# quick facts that add up past LONGEST are not killed.
gather_begin() {
	gather_make_dir "${TMPDIR:-/tmp}" || gather_make_dir /var/tmp || gather_make_dir /dev/shm || {
		# The $ is the reason's text, not an expansion.
		# shellcheck disable=SC2016
		printf '%s fatal cannot create a private directory in $TMPDIR (or /tmp), /var/tmp or /dev/shm\n' "$gather_boundary"
		exit 1
	}
	gather_half=$(($1 / 2))
	[ "$gather_half" -ge 1 ] || gather_half=1
	gather_pending=
	: >"$gather_dir/run"
	: >"$gather_dir/ticks"
	gather_watch "$1" >/dev/null </dev/null &
	gather_watchdog=$!
}

# gather_enter CAP, in a fact's subshell before the fact, sets the file-size
# limit the fact inherits to CAP+1 bytes or a little more (ulimit -f counts
# 512-byte blocks, 1024 in bash; -S keeps it raisable; a host's lower hard
# limit stays) and unsets the script's variables, so that the fact sees the
# environment it would see under sh -c.
gather_enter() {
	# ulimit -S and -H are not in POSIX before 2024, but dash, bash, busybox
	# and ksh all have them.
	# shellcheck disable=SC3045
	ulimit -S -f $((($1 + 512) / 512)) 2>/dev/null
	unset gather_boundary gather_dir gather_watchdog gather_half gather_pending gather_interrupted \
		gather_tick gather_line gather_pid gather_status gather_timed_out gather_item gather_count gather_marker
}

# gather_read_tick sets gather_tick to the watchdog's ticks so far: the length
# of the ticks file, to which the watchdog adds one byte a second. A read that
# races with the watchdog's write sees the count before it, never a torn one.
gather_read_tick() {
	gather_line=
	read -r gather_line <"$gather_dir/ticks"
	gather_tick=${#gather_line}
}

# gather_started ID SECONDS, right after fact ID was started in the
# background ($! is its PID), lists it for the watchdog with the tick it
# started at, and waits for it, unless half the longest bound has passed. A
# fact the watchdog says is slow is left running and waited for at the end.
gather_started() {
	gather_pid=$!
	gather_read_tick
	echo "$1 $gather_pid $2 $gather_tick" >>"$gather_dir/run"
	if [ "$gather_tick" -lt "$gather_half" ] && gather_reap "$1" "$gather_pid" "$gather_tick" once; then
		return
	fi
	gather_pending="$gather_pending $1:$gather_pid:$gather_tick"
}

# gather_reap ID PID TICK [once] waits for fact ID and writes its status.
# A wait the watchdog's USR1 interrupted while the fact runs on returns 1 with
# "once", and waits again without; one interrupted just as the fact ended is
# waited again, which gives the status the shell reaped.
gather_reap() {
	while :; do
		gather_interrupted=0
		wait "$2"
		gather_status=$?
		[ "$gather_interrupted" = 1 ] || break
		if kill -0 "$2" 2>/dev/null; then
			[ -z "$4" ] || return 1
			continue
		fi
		wait "$2"
		gather_status=$?
		break
	done
	gather_ended "$1" "$gather_status" "$3"
}

# gather_ended ID EXIT TICK writes ID.status, "EXIT TIMEDOUT TICK NOW": the
# watchdog's ticks when the fact started and now, and timed out when the
# watchdog stopped the fact and it died of the SIGKILL (one that had exited
# already, a zombie the kill does not reach, keeps its own status). An eval'd
# fact's subshell writes the fact's status to ID.exit when it returns, which
# is right even where bash's wait has lost it (a wait interrupted by USR1 just
# as the fact ended); one that left with exit writes none.
gather_ended() {
	gather_status=$2
	gather_timed_out=0
	if [ -s "$gather_dir/$1.exit" ]; then
		read -r gather_status <"$gather_dir/$1.exit"
	elif [ "$2" = 137 ] && [ -e "$gather_dir/$1.killed" ]; then
		gather_timed_out=1
	fi
	gather_read_tick
	echo "$gather_status $gather_timed_out $3 $gather_tick" >"$gather_dir/$1.status"
}

# gather_stop ID PID marks fact ID timed out and stops it with its
# descendants, once, and only while PID is still the script's child (the
# parent in /proc/PID/stat): a PID the shell has reaped may be another
# process's by now.
gather_stop() {
	[ -e "$gather_dir/$1.killed" ] && return
	read -r gather_line <"/proc/$2/stat" || return
	gather_line=${gather_line##*) }
	# Word splitting of the stat fields is meant.
	# shellcheck disable=SC2086
	set -- "$1" "$2" $gather_line
	[ "$4" = "$$" ] || return
	: >"$gather_dir/$1.killed"
	gather_kill_tree "$2"
}

# gather_kill_tree PID kills a process and its descendants without starting a
# process per descendant (pgrep took seconds for a tree of hundreds, past the
# session's deadline): it freezes PID, then, in passes over /proc read by the
# shell until one finds nothing new, freezes every child of a frozen process,
# so that none can start more, and kills them all with one kill. A process
# whose parent exited before (init adopted it) is not found.
gather_kill_tree() {
	kill -STOP "$1"
	gather_tree=" $1 "
	gather_found=1
	while [ -n "$gather_found" ]; do
		gather_found=
		for gather_stat in /proc/[0-9]*/stat; do
			read -r gather_line <"$gather_stat" || continue
			gather_line=${gather_line##*) }
			# shellcheck disable=SC2086
			set -- $gather_line
			case $gather_tree in
			*" $2 "*) ;;
			*) continue ;;
			esac
			gather_stat=${gather_stat#/proc/}
			gather_stat=${gather_stat%/stat}
			case $gather_tree in
			*" $gather_stat "*) continue ;;
			esac
			kill -STOP "$gather_stat"
			gather_tree="$gather_tree$gather_stat "
			gather_found=1
		done
	done
	# One word per PID is meant.
	# shellcheck disable=SC2086
	kill -KILL $gather_tree
}

# gather_watch LONGEST, the watchdog, run in the background, ticks every
# second: it stops each fact not yet ended that has run past its bound, or
# past LONGEST seconds from the start, and tells the script (USR1) to stop
# waiting for the newest fact once it has run a tick. TERM (from the script's
# EXIT trap, or the session's end) ends it and its sleep and removes the
# private directory; so does the script's death (SIGKILL runs no EXIT trap),
# noticed within a tick; it ends by itself a little after LONGEST.
gather_watch() {
	gather_tick=0
	gather_sleep=
	trap 'kill "$gather_sleep"; exec rm -rf "$gather_dir"' TERM
	while kill -0 $$ && [ "$gather_tick" -le $(($1 + 2)) ]; do
		sleep 1 &
		gather_sleep=$!
		wait "$gather_sleep" || break
		gather_tick=$((gather_tick + 1))
		printf . >>"$gather_dir/ticks"
		gather_newest=
		while read -r gather_item gather_pid gather_secs gather_start; do
			[ -n "$gather_start" ] || continue
			[ -e "$gather_dir/$gather_item.status" ] && continue
			gather_newest=$gather_item
			if [ $((gather_tick - gather_start)) -gt "$gather_secs" ] || [ "$gather_tick" -ge "$1" ]; then
				gather_stop "$gather_item" "$gather_pid"
			elif [ $((gather_tick - gather_start)) -ge 1 ]; then
				gather_newest=$gather_item:$gather_pid
			fi
		done <"$gather_dir/run"
		case $gather_newest in
		*:*) kill -USR1 $$ ;;
		esac
	done
	kill -0 $$ || exec rm -rf "$gather_dir"
}

# gather_finish COUNT waits for the facts left running, in turn, then makes
# the marker (the kernel's random UUID, read by the shell, else 16 random
# bytes read by od) and prints the frames: one cat of every file, each
# followed by the marker file. A session closed early (the caller gave up)
# makes the writes fail instead of killing the script before its EXIT trap.
gather_finish() {
	for gather_item in $gather_pending; do
		gather_pid=${gather_item#*:}
		gather_tick=${gather_pid#*:}
		gather_pid=${gather_pid%%:*}
		gather_reap "${gather_item%%:*}" "$gather_pid" "$gather_tick"
	done
	read -r gather_marker </proc/sys/kernel/random/uuid || gather_marker=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
	printf '%s' "$gather_marker" >"$gather_dir/marker"
	trap '' PIPE
	gather_read_tick
	cd "$gather_dir" || exit 1
	gather_count=$1
	set --
	gather_item=0
	while [ "$gather_item" -lt "$gather_count" ]; do
		set -- "$@" "$gather_item.status" marker "$gather_item.out" marker "$gather_item.err" marker
		gather_item=$((gather_item + 1))
	done
	printf '%s data %s %s ' "$gather_boundary" "$gather_marker" "$gather_tick"
	# shellcheck disable=SC3045
	ulimit -H -f
	[ "$#" = 0 ] || cat "$@"
}
