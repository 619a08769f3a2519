# shellcheck shell=sh
# The reachability probe (debugger.ProbeTCP), run on each source host by
# its login shell. Go appends one line per target after this file:
#
#	probe_tcp ADDRESS PORT SECONDS &    (or without "&", then "wait",
#	                                     at the end of each batch)
#
# probe_tcp ADDRESS PORT SECONDS tries one TCP connection for at most
# SECONDS and prints one line:
#
#	probe ADDRESS PORT EXIT MESSAGE
#
# with bash's /dev/tcp under timeout, or nc -z -w where bash or timeout
# is missing. The tool runs with LC_ALL=C so that its message
# ("Connection refused") reads the same whatever the host's language;
# the message's newlines become blanks, without starting a process, so
# that each probe is one line.
probe_tcp() {
	newline='
'
	if command -v timeout >/dev/null 2>&1 && command -v bash >/dev/null 2>&1; then
		# bash, not this shell, expands $1 and $2: the address and port.
		# shellcheck disable=SC2016
		message=$(LC_ALL=C timeout "$3" bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>&1)
		status=$?
	elif command -v nc >/dev/null 2>&1; then
		message=$(LC_ALL=C nc -z -w "$3" "$1" "$2" 2>&1)
		status=$?
	else
		message='no probe tool: need bash and timeout, or nc'
		status=127
	fi
	while :; do
		case $message in
		*"$newline"*) message="${message%%"$newline"*} ${message#*"$newline"}" ;;
		*) break ;;
		esac
	done
	printf 'probe %s %s %s %s\n' "$1" "$2" "$status" "$message"
}
