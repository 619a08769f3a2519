# shellcheck shell=sh
# The fact-gathering script (package factbatch): runs a host's facts in one
# session, each bounded in time and output, and prints their results framed
# so that no fact's output can forge another's. Go sends it with its full-line
# comments taken out, after two lines of its own:
#
#	: calyptos-facts v11
#	gather_boundary=BOUNDARY
#
# and before the lines that use it: one to begin, one per fact N (from 0, in
# order) with its bound in seconds, its output cap and its command quoted
# once, one to run them and one to finish:
#
#	gather_begin LONGEST COUNT OUTPUT STEP
#	gather_fact N SECONDS CAP 'COMMAND'
#	gather_file N 'PATH'   (for a fact whose command is cat PATH, see below)
#	gather_run
#	gather_finish
#
# The facts run one after another in a worker, a background subshell of the
# script, each eval'd there with its output in files of a private directory,
# so that a fact costs the host its command's own processes and no more (on
# the hosts a process costs milliseconds of CPU: a subshell per fact made a
# node controller's facts cost twice their commands). Before each fact the
# worker restores what a fact may have changed of its shell (the working
# directory, PATH, IFS, umask, the options and traps); a fact must not use
# names that start with gather_, nor leave functions, exported variables or
# set -n behind. A fact still running at the watchdog's next tick (every
# second, or every two in a long run) makes the script start another worker
# for the facts after it, so that a slow or hung fact delays the others by
# a second or two; a fact past its bound is
# stopped with its worker and marked timed out; a fact that exits ends its
# worker with its status, and another worker takes the facts left. Workers
# take a fact by creating N.claim exclusively (noclobber), so that each fact
# runs once.
#
# A fact whose command is cat of one kernel file (Go writes gather_file for
# it: a path under /proc or /sys) costs no process: its worker only checks
# that the file is readable, and the cat that prints the frames reads it,
# after the others' frames, so that a file that hangs (a FUSE file such as
# lxcfs's /proc/meminfo) loses only these; the watchdog stops that cat when
# it has been stuck on such a file for two ticks.
#
# Besides the facts' own processes the script starts mkdir, a worker, the
# watchdog and one sleep per tick, and cat; rm at the end is exec'd
# by the watchdog in place. (A host with no /proc/sys/kernel/random/uuid adds
# three: od, tr and a subshell.)
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
# telling the script that a fact is slow (see gather_run). The EXIT trap's
# names are cleared first: one taken from the environment would name what
# the trap removes and kills.
exec 2>/dev/null
gather_dir=
gather_watchdog=
gather_framing=
trap gather_exit EXIT
trap '' XFSZ
trap 'gather_interrupted=1' USR1

# gather_exit, the EXIT trap, has the watchdog remove the private directory
# (it execs rm in place, which saves a fork) and waits for it, with USR1
# ignored so that the watchdog's last tick cannot cut the wait short; where
# the watchdog has gone already, or the wait ended early, it removes the
# directory itself. A frames' cat not yet reaped (a signal ended the script
# while it was stuck on a kernel file) is killed.
gather_exit() {
	[ -n "$gather_dir" ] || return 0
	trap '' USR1
	[ -z "$gather_framing" ] || kill -KILL "$gather_framing"
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

# gather_begin LONGEST COUNT OUTPUT STEP makes the private directory, in the
# first of these where it can: TMPDIR (the user's choice), XDG_RUNTIME_DIR
# (the login's own tmpfs, where systemd makes one), /dev/shm, /tmp, /var/tmp;
# or says why it cannot and ends the script. Then it starts the watchdog
# for COUNT facts bounded by LONGEST seconds at most. A tmpfs spares the
# host's disk and the script's CPU: on ext4 each fact's four files cost a
# millisecond to create and remove. /dev/shm is skipped when the facts
# could write more than 32 MiB (OUTPUT, their stdout and stderr caps added
# up): it is memory shared with every user and with services such as
# PostgreSQL, and a container's is often 64 MiB. The watchdog ticks every
# STEP seconds (1 or 2; Go gives 2 to long runs, whose time margin holds a
# coarser bound: a tick is a process, and a loaded host's runs are long),
# and the ticks file gains STEP bytes a tick: it counts seconds.
gather_begin() {
	gather_step=2
	gather_dots=..
	[ "$4" = 2 ] || {
		gather_step=1
		gather_dots=.
	}
	gather_shm=/dev/shm
	[ "$3" -le 33554432 ] || gather_shm=
	for gather_parent in "$TMPDIR" "$XDG_RUNTIME_DIR" "$gather_shm" /tmp /var/tmp; do
		[ -n "$gather_parent" ] && gather_make_dir "$gather_parent" && break
	done
	[ -n "$gather_dir" ] || {
		# The $ is the reason's text, not an expansion.
		# shellcheck disable=SC2016
		printf '%s fatal cannot create a private directory in $TMPDIR, $XDG_RUNTIME_DIR, /dev/shm, /tmp or /var/tmp\n' "$gather_boundary"
		exit 1
	}
	gather_count=$2
	gather_half=$(($1 / 2))
	gather_home=$PWD
	gather_path=$PATH
	# Through a file: $(umask) would fork a subshell, a millisecond of the
	# host's CPU.
	umask >"$gather_dir/umask"
	read -r gather_umask <"$gather_dir/umask"
	gather_workers=0
	gather_pids=
	gather_files=
	# With true, not : (a special built-in: its failed redirection would
	# end the script without a word).
	{ true >"$gather_dir/ticks" && true >"$gather_dir/workers" && true >"$gather_dir/marker" && true >"$gather_dir/cat.err"; } || gather_cannot_write
	gather_watch "$1" "$2" >/dev/null </dev/null &
	gather_watchdog=$!
}

# gather_cannot_write ends the script with the reason its private directory
# failed it: full (no space or no inode left), or removed by a fact.
gather_cannot_write() {
	printf '%s fatal cannot write in the private directory %s (full, or removed?)\n' "$gather_boundary" "$gather_dir"
	exit 1
}

# gather_fact N SECONDS CAP COMMAND keeps fact N for the workers; it is no
# file fact unless gather_file says so (not a gather_file_N from the
# environment).
gather_fact() {
	eval "gather_command_$1=\$4 gather_seconds_$1=\$2 gather_cap_$1=\$3 gather_file_$1="
}

# gather_file N PATH makes fact N, whose command is cat PATH, a file fact
# (see the top of this file); Go checked PATH: under /proc or /sys, in
# letters, digits and /._:- only.
gather_file() {
	eval "gather_file_$1=\$2"
	gather_files="$gather_files $1"
}

# gather_spawn starts worker number gather_workers and lists its PID for
# the watchdog; gather_newest_left keeps how many facts were not taken
# then (gather_left).
gather_spawn() {
	gather_worker "$gather_workers" &
	gather_newest=$!
	gather_newest_left=$gather_left
	gather_newest_id=$gather_workers
	# A worker the watchdog cannot find (the list's write failed: a full
	# directory) could not be stopped: it is stopped now.
	echo "$gather_workers $gather_newest" >>"$gather_dir/workers" || gather_kill_tree "$gather_newest"
	gather_pids="$gather_pids $gather_workers:$gather_newest"
	gather_workers=$((gather_workers + 1))
}

# gather_worker K, worker K, runs in turn every fact no worker has taken,
# with /dev/null for stdin, stdout and stderr, set with exec: redirections
# of the call would be undone when it returns, from copies a fact may close
# (exec 10>&- 11>&- 12>&-), and busybox sh then loops for ever on the error,
# after the watchdog has stopped watching.
gather_worker() {
	exec >/dev/null 2>&1 </dev/null
	gather_worker_id=$1
	unset gather_boundary
	gather_item=0
	while [ "$gather_item" -lt "$gather_count" ]; do
		if gather_claim "$gather_item"; then
			gather_run_fact "$gather_item"
		fi
		gather_item=$((gather_item + 1))
	done
}

# gather_claim N takes fact N: set -C creates N.claim with O_EXCL, which
# fails where another worker made it first. (With true, not :, whose failed
# redirection would end the shell: : is a special built-in.) The worker's
# own commands around a fact (this claim, the cd and the ulimit) send their
# stderr to /dev/null themselves, though the worker's is /dev/null: in
# bash, a fact that closes the descriptors where bash saved the worker's
# stdout and stderr (exec 10>&- 11>&- 12>&-) leaves them on its own files,
# and these messages would land in its frame.
gather_claim() {
	set -C
	true 2>/dev/null >"$gather_dir/$1.claim"
	gather_claimed=$?
	set +C
	[ "$gather_claimed" = 0 ] || return 1
}

# gather_run_fact N writes to N.claim, for the watchdog, the worker, the
# fact's bound and the tick it starts at; restores the shell state a fact may
# have changed; sets the file-size limit the fact runs under to CAP+1 bytes
# or a little more (ulimit -f counts 512-byte blocks, 1024 in bash; -S keeps
# it raisable; a host's lower hard limit stays); runs it; and writes
# N.status: "EXIT 0 START END", the watchdog's ticks when it started and
# ended. Each file it writes is small: the limit holds for its writes too.
# gather_fact set the fact's variables, through eval.
# shellcheck disable=SC2154
gather_run_fact() {
	gather_n=$1
	eval "gather_command=\$gather_command_$1 gather_seconds=\$gather_seconds_$1 gather_cap=\$gather_cap_$1"
	gather_read_tick
	gather_start=$gather_tick
	echo "$gather_worker_id $gather_seconds $gather_start" >"$gather_dir/$gather_n.claim" || exit 125
	# A file fact whose file is readable is left to the frames' cat, which
	# gather_finish tells by the status' last word; else its cat runs.
	eval "gather_kfile=\${gather_file_$1-}"
	if [ -n "$gather_kfile" ] && [ -f "$gather_kfile" ] && [ -r "$gather_kfile" ]; then
		echo "0 0 $gather_start $gather_start file" >"$gather_dir/$gather_n.status" || exit 125
		return 0
	fi
	gather_reset
	# ulimit -S and -H are not in POSIX before 2024, but dash, bash, busybox
	# and ksh all have them.
	# shellcheck disable=SC3045
	ulimit -S -f $(((gather_cap + 512) / 512)) 2>/dev/null
	# The fact sees neither the private directory's name nor arguments.
	set -- "$gather_n" "$gather_dir" "$gather_start"
	unset gather_dir gather_n gather_start
	gather_eval >"$2/$1.out" 2>"$2/$1.err" </dev/null
	gather_status=$?
	gather_n=$1 gather_dir=$2 gather_start=$3
	trap - EXIT HUP INT QUIT TERM ALRM USR1 USR2
	gather_read_tick
	# A fact that lowered the hard file-size limit leaves a worker that
	# cannot write: it ends, main writes the status, another worker goes on.
	echo "$gather_status 0 $gather_start $gather_tick" >"$gather_dir/$gather_n.status" || exit "$gather_status"
}

# gather_reset restores, before a fact, what an earlier fact may have
# changed of the worker's shell: the working directory, PATH, IFS, umask,
# the options and the traps (SIGXFSZ stays ignored). Functions and exported
# variables a fact defines are not undone.
gather_reset() {
	cd "$gather_home" 2>/dev/null || cd /
	PATH=$gather_path
	IFS=' 	
'
	umask "$gather_umask"
	set +e +f +u +v +x +a
	trap - EXIT HUP INT QUIT TERM ALRM USR1 USR2
	trap '' XFSZ
}

# gather_eval runs the fact's command in the worker's shell, in a function
# of its own, without arguments: a return in it is its status.
# shellcheck disable=SC2154
gather_eval() {
	eval "$gather_command"
}

# gather_run runs the facts: it starts a worker and waits for the newest
# one; when the watchdog says (USR1) that a fact has run a tick, it starts
# another for the facts not yet taken; when a worker ends before every fact
# was taken (a fact exited, or was stopped), another takes the rest, unless
# that worker took none: where claims fail (no inode left, or a directory a
# fact made read-only) the facts left are lost, not tried by worker after
# worker for ever. Then it waits for every worker, and writes the status of
# a fact whose worker ended in it.
gather_run() {
	gather_left=$gather_count
	gather_spawn
	while :; do
		gather_interrupted=0
		wait "$gather_newest"
		gather_status=$?
		if [ "$gather_interrupted" = 1 ]; then
			if kill -0 "$gather_newest" 2>/dev/null; then
				gather_more
				continue
			fi
			wait "$gather_newest"
			gather_status=$?
		fi
		gather_settle "$gather_newest_id" "$gather_status"
		gather_untaken || break
		[ "$gather_left" -lt "$gather_newest_left" ] || break
		gather_spawn
	done
	for gather_entry in $gather_pids; do
		gather_reap "${gather_entry#*:}"
		gather_settle "${gather_entry%%:*}" "$gather_status"
	done
}

# gather_reap PID waits for the script's child PID to end, through the
# watchdog's USR1, and sets gather_status to its exit.
gather_reap() {
	while :; do
		gather_interrupted=0
		wait "$1"
		gather_status=$?
		[ "$gather_interrupted" = 1 ] && kill -0 "$1" 2>/dev/null && continue
		return 0
	done
}

# gather_more starts another worker for the facts not taken yet, or, once
# half of the longest bound has passed, one for each of them: many quick
# facts that add up past the longest bound then run side by side instead of
# being stopped. gather_left stays the count of facts not taken, which
# gather_spawn keeps for gather_run.
gather_more() {
	gather_untaken || return 0
	gather_read_tick
	gather_new=1
	[ "$gather_tick" -lt "$gather_half" ] || gather_new=$gather_left
	while [ "$gather_new" -gt 0 ]; do
		gather_spawn
		gather_new=$((gather_new - 1))
	done
}

# gather_untaken reports whether a fact is not taken yet, and sets
# gather_left to how many are not.
gather_untaken() {
	gather_left=0
	gather_i=0
	while [ "$gather_i" -lt "$gather_count" ]; do
		[ -e "$gather_dir/$gather_i.claim" ] || gather_left=$((gather_left + 1))
		gather_i=$((gather_i + 1))
	done
	[ "$gather_left" -gt 0 ]
}

# gather_settle K EXIT writes the status of the facts worker K took and did
# not finish: the worker's EXIT (a fact's exit), timed out when the watchdog
# stopped it and it died of the SIGKILL.
gather_settle() {
	gather_i=0
	while [ "$gather_i" -lt "$gather_count" ]; do
		if [ ! -s "$gather_dir/$gather_i.status" ] && read -r gather_k gather_secs gather_start <"$gather_dir/$gather_i.claim" && [ "$gather_k" = "$1" ]; then
			gather_timed_out=0
			[ "$2" != 137 ] || [ ! -e "$gather_dir/$gather_i.killed" ] || gather_timed_out=1
			gather_read_tick
			echo "$2 $gather_timed_out $gather_start $gather_tick" >"$gather_dir/$gather_i.status"
		fi
		gather_i=$((gather_i + 1))
	done 2>/dev/null
}

# gather_read_tick sets gather_tick to the seconds the watchdog counted so
# far: the length of the ticks file, to which it adds one byte a second (two
# every two seconds when STEP is 2). A read that races with the watchdog's
# write sees the count before it, never a torn one.
gather_read_tick() {
	gather_line=
	read -r gather_line <"$gather_dir/ticks"
	gather_tick=${#gather_line}
}

# gather_stop N K marks fact N timed out and adds worker K, which runs it,
# to gather_stopping, the workers this tick stops with their descendants:
# once, and only while the worker's PID is still the script's child (the
# parent in /proc/PID/stat): a PID the shell has reaped may be another
# process's by now.
gather_stop() {
	[ -e "$gather_dir/$1.killed" ] && return
	gather_pid=
	while read -r gather_k gather_p; do
		[ "$gather_k" != "$2" ] || gather_pid=$gather_p
	done <"$gather_dir/workers"
	[ -n "$gather_pid" ] && gather_stat "$gather_pid" && [ "$gather_ppid" = "$$" ] || return
	# true, not :, whose failed redirection (no inode left) would end the
	# watchdog and leave the fact running for ever.
	true >"$gather_dir/$1.killed"
	gather_stopping="$gather_stopping $gather_pid"
}

# gather_stat PID sets gather_state, gather_ppid and gather_sid to the
# state, parent and session of process PID, read from /proc/PID/stat after
# the command's name (which may hold blanks and parentheses); it fails
# where PID is gone.
gather_stat() {
	read -r gather_line <"/proc/$1/stat" || return
	gather_line=${gather_line##*) }
	# Word splitting of the stat fields is meant.
	# shellcheck disable=SC2086
	set -- $gather_line
	gather_state=$1 gather_ppid=$2 gather_sid=$4
}

# gather_kill_tree PID... kills processes and their descendants without
# starting a process per descendant (pgrep took seconds for a tree of
# hundreds, past the session's deadline), in one walk for all of them (a walk
# each stalled the watchdog's ticks when a hundred facts hung): it freezes
# the PIDs, then, in passes until one finds nothing new, freezes every child
# of a frozen process, so that none can start more, and kills them all with
# one kill. A process whose parent exited before (init adopted it) is not
# found.
gather_kill_tree() {
	kill -STOP "$@"
	gather_tree=" $* "
	gather_found=1
	while [ -n "$gather_found" ]; do
		gather_found=
		if [ -e "/proc/$1/task/$1/children" ]; then
			gather_children_pass
		else
			gather_proc_pass
		fi
	done
	# One word per PID is meant.
	# shellcheck disable=SC2086
	kill -KILL $gather_tree
}

# gather_children_pass freezes the children of the processes in gather_tree
# that are not in it yet, read from each one's /proc/PID/task/*/children
# (exact once the process is frozen): reads in proportion to the tree, where
# a host with thousands of processes made a walk of /proc take seconds.
gather_children_pass() {
	# One word per PID is meant.
	# shellcheck disable=SC2086
	for gather_pid in $gather_tree; do
		for gather_file in "/proc/$gather_pid/task/"*/children; do
			gather_line=
			read -r gather_line <"$gather_file"
			for gather_child in $gather_line; do
				gather_freeze "$gather_child"
			done
		done
	done
}

# gather_proc_pass does what gather_children_pass does where the kernel has
# no children files: it reads the parent of every process in /proc.
gather_proc_pass() {
	for gather_stat in /proc/[0-9]*/stat; do
		read -r gather_line <"$gather_stat" || continue
		# The parent is the field after the state, after the command's name.
		gather_line=${gather_line##*) ? }
		case $gather_tree in
		*" ${gather_line%% *} "*) ;;
		*) continue ;;
		esac
		gather_stat=${gather_stat#/proc/}
		gather_freeze "${gather_stat%/stat}"
	done
}

# gather_freeze PID stops PID and adds it to gather_tree, unless it is there.
gather_freeze() {
	case $gather_tree in
	*" $1 "*) return ;;
	esac
	kill -STOP "$1"
	gather_tree="$gather_tree$1 "
	gather_found=1
}

# gather_watch LONGEST COUNT, the watchdog, run in the background, ticks
# every STEP seconds (see gather_begin): it stops each fact not yet ended
# that has run past its bound (at the first tick where the fact has run
# that long for sure: at most STEP+1 seconds late), or past LONGEST seconds
# from the start, and tells the script (USR1)
# once the newest fact started has run a tick, or at every tick once half of
# LONGEST has passed (so that many quick facts that add up past LONGEST run
# side by side instead of being stopped). TERM (from the script's EXIT
# trap, or the session's end) ends it and its sleep and removes the private
# directory; so does the script's death (SIGKILL runs no EXIT trap), noticed
# within a tick; it ends by itself a little after LONGEST, unless the frames
# are printing then (see gather_guard).
gather_watch() {
	gather_half=$(($1 / 2))
	gather_tick=0
	gather_sleep=
	trap 'kill "$gather_sleep"; exec rm -rf "$gather_dir"' TERM
	gather_was=-
	gather_same=0
	gather_mount=
	while kill -0 $$ && { [ "$gather_tick" -le $(($1 + 2 * gather_step)) ] || [ -s "$gather_dir/framing" ]; }; do
		sleep "$gather_step" &
		gather_sleep=$!
		wait "$gather_sleep" || break
		gather_tick=$((gather_tick + gather_step))
		printf %s "$gather_dots" >>"$gather_dir/ticks"
		gather_newest=
		gather_stopping=
		gather_i=0
		gather_done=0
		while [ "$gather_i" -lt "$2" ]; do
			if [ -s "$gather_dir/$gather_i.status" ]; then
				gather_done=$((gather_done + 1))
			elif read -r gather_k gather_secs gather_start <"$gather_dir/$gather_i.claim" && [ -n "$gather_start" ]; then
				gather_newest=$gather_i
				if [ $((gather_tick - gather_start)) -gt $((gather_secs + gather_step - 1)) ] || [ "$gather_tick" -ge "$1" ]; then
					gather_stop "$gather_i" "$gather_k"
				elif [ $((gather_tick - gather_start)) -ge 1 ] || [ "$gather_tick" -ge "$gather_half" ]; then
					gather_newest=$gather_i:slow
				fi
			fi
			gather_i=$((gather_i + 1))
		done 2>/dev/null
		# One word per PID is meant.
		# shellcheck disable=SC2086
		[ -z "$gather_stopping" ] || gather_kill_tree $gather_stopping 2>/dev/null
		[ ! -s "$gather_dir/framing" ] || gather_guard "$1" 2>/dev/null
		case $gather_newest in
		*:*) kill -USR1 $$ ;;
		esac
		# Every fact has its status: a USR1 also ends a wait of the script
		# for a worker that bash reaped while it ran the USR1 trap, which
		# bash can prolong until another child ends (this watchdog, past
		# LONGEST).
		[ "$gather_done" != "$2" ] || kill -USR1 $$
	done
	kill -0 $$ && return
	gather_orphans
	exec rm -rf "$gather_dir"
}

# gather_guard LONGEST, at a tick while the frames print, stops the cat that
# prints them when it has been stuck on a kernel file for two ticks (a hung FUSE
# file, say): not running, with its input (fd 3: 0 to 2 are taken) not in
# the private directory, or not open yet, and at the same offset, at three
# ticks in a row. The frames after, the file facts' own, are lost, and the
# script ends instead of waiting for ever. It reads only /proc/PID/stat and
# /proc/PID/fdinfo/3, never the file itself, which could hang the watchdog
# too. The cost: a cat that blocks writing a kernel file's frame to a
# reader that took nothing for two ticks is stopped as well. A cat still
# on a kernel file two ticks past LONGEST (one that never ends: /proc/kcore,
# a trace_pipe) is stopped too, as the fact's own cat would have been: the
# script keeps its bound. Kernels without mnt_id in fdinfo (before 3.15)
# have no guard.
gather_guard() {
	gather_limit=$(($1 + 2 * gather_step))
	read -r gather_cat <"$gather_dir/framing" && gather_stat "$gather_cat" && [ "$gather_ppid" = "$$" ] || return
	[ -n "$gather_mount" ] || gather_own_mount
	gather_fdinfo "$gather_cat" 3
	if [ -n "$gather_mount" ] && [ -n "$gather_info" ] && [ "${gather_info%% *}" != "$gather_mount" ] && [ "$gather_tick" -gt "$gather_limit" ]; then
		kill -KILL "$gather_cat"
		return
	fi
	if [ "$gather_state" = R ] || [ -z "$gather_mount" ] || [ "${gather_info%% *}" = "$gather_mount" ] || [ "${gather_info:-open}" != "$gather_was" ]; then
		gather_was=${gather_info:-open}
		gather_same=0
		return
	fi
	gather_same=$((gather_same + 1))
	[ "$gather_same" -lt 2 ] || kill -KILL "$gather_cat"
}

# gather_own_mount sets gather_mount to the mnt_id of the private
# directory's mount, from a file of it that the watchdog opens.
gather_own_mount() {
	exec 8<"$gather_dir/ticks" || return
	gather_fdinfo self 8
	exec 8<&-
	gather_mount=${gather_info%% *}
}

# gather_fdinfo PID FD sets gather_info to "MOUNT OFFSET", the mnt_id and
# pos of file descriptor FD of process PID, or to nothing.
gather_fdinfo() {
	gather_info=
	gather_pos=
	gather_mnt=
	while read -r gather_k gather_v; do
		case $gather_k in
		pos:) gather_pos=$gather_v ;;
		mnt_id:) gather_mnt=$gather_v ;;
		esac
	done <"/proc/$1/fdinfo/$2"
	[ -z "$gather_mnt" ] || gather_info="$gather_mnt $gather_pos"
}

# gather_orphans, in the watchdog once the script has died, stops every
# worker still running, and the frames' cat (stuck on a kernel file, it
# would stay for ever), with their descendants: only a PID still in the
# watchdog's own session, so as not to kill a process that reused it.
gather_orphans() {
	gather_stat self || return
	gather_session=$gather_sid
	gather_stopping=
	while read -r gather_k gather_pid; do
		gather_orphan "$gather_pid"
	done <"$gather_dir/workers"
	! read -r gather_pid <"$gather_dir/framing" || gather_orphan "$gather_pid"
	# shellcheck disable=SC2086
	[ -z "$gather_stopping" ] || gather_kill_tree $gather_stopping
}

# gather_orphan PID adds PID to gather_stopping when it is in the session
# gather_session.
gather_orphan() {
	gather_stat "$1" && [ "$gather_sid" = "$gather_session" ] || return
	gather_stopping="$gather_stopping $1"
}

# gather_frame N sets gather_args to the files of fact N's frame, in the
# private directory (the working directory then): its status, its stdout
# and its stderr, each followed by the marker. An empty stdout or stderr
# file is left out, which prints the same bytes and spares the cat a file
# (most facts print nothing on stderr). The names are words (N is digits)
# that match no pattern, and IFS is the default one: no shell imports it.
gather_frame() {
	gather_args="$1.status marker"
	[ ! -s "$1.out" ] || gather_args="$gather_args $1.out"
	gather_args="$gather_args marker"
	[ ! -s "$1.err" ] || gather_args="$gather_args $1.err"
	gather_args="$gather_args marker"
}

# gather_finish makes the marker (the kernel's random UUID, read by the
# shell, else 16 random bytes read by od) and prints the frames: one cat of
# every file, each followed by the marker file (made empty by gather_begin,
# so that a directory with no inode left still has it; one that cannot be
# written ends the script with the reason: frames without it cannot be
# read), the file facts' last (see the top of this file). A session closed early
# (the caller gave up) makes the writes fail instead of killing the script
# before its EXIT trap. The cat runs in the background, its PID in the
# framing file when it reads kernel files, for gather_guard, which reads its
# input at descriptor 3 (closed for it: the script may have inherited one).
# A file fact's frame is its status with "file" last, the file, and the
# cat's stderr so far (cat.err, made by gather_begin): Parse takes what the
# frame before added to it for this file's error, as cat's exit 1. glibc's
# cat takes a 128 KiB buffer per file, which malloc maps and unmaps each
# time past its mmap threshold: the two settings keep it in the heap, which
# cuts what a file costs the cat by ~60% (a fact's frame has up to six);
# other libcs ignore them.
gather_finish() {
	read -r gather_marker </proc/sys/kernel/random/uuid || gather_marker=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
	printf '%s' "$gather_marker" >"$gather_dir/marker" || gather_cannot_write
	trap '' PIPE
	gather_read_tick
	cd "$gather_dir" || exit 1
	set --
	gather_item=0
	while [ "$gather_item" -lt "$gather_count" ]; do
		# gather_args splits into its words, as meant: see gather_frame.
		# shellcheck disable=SC2086
		case " $gather_files " in
		*" $gather_item "*) ;;
		*) gather_frame "$gather_item" && set -- "$@" $gather_args ;;
		esac
		gather_item=$((gather_item + 1))
	done
	gather_kfiles=
	for gather_item in $gather_files; do
		# gather_file set the fact's path, through eval.
		# shellcheck disable=SC2154
		eval "gather_kfile=\$gather_file_$gather_item"
		gather_line=
		read -r gather_line <"$gather_item.status"
		# gather_args splits into its words, as meant: see gather_frame.
		# shellcheck disable=SC2086
		case $gather_line in
		*" file")
			echo "0 0 $gather_tick $gather_tick file" >"$gather_item.status" || gather_cannot_write
			set -- "$@" "$gather_item.status" marker "$gather_kfile" marker cat.err marker
			gather_kfiles=1
			;;
		*) gather_frame "$gather_item" && set -- "$@" $gather_args ;;
		esac
	done
	printf '%s data %s %s ' "$gather_boundary" "$gather_marker" "$gather_tick"
	# shellcheck disable=SC3045
	ulimit -H -f
	[ "$#" != 0 ] || return 0
	MALLOC_MMAP_THRESHOLD_=1048576 MALLOC_TRIM_THRESHOLD_=4194304 cat "$@" 3<&- 2>cat.err &
	gather_framing=$!
	[ -z "$gather_kfiles" ] || echo "$!" >framing
	gather_reap "$!"
	gather_framing=
	return "$gather_status"
}
