#!/usr/bin/env bash
# Comparative benchmark of calyptos execute/debug against a Go floor,
# parallel-ssh and ansible, on loopback sshd hosts. See bench/README.md.
#
#   bash bench/run.sh                   # N=100 and 200, P=50, K=5
#   bash bench/run.sh -n 20 -k 1        # a quick try
#   bash bench/run.sh -h                # every harness flag
#
# Needs root: it installs Debian packages when missing, creates a temporary
# login user for the loopback hosts, and starts sshd processes (stopped on
# exit, however the run ends).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(id -u) -ne 0 ]]; then
	echo "bench/run.sh: run as root (apt-get, useradd and sshd need it)" >&2
	exit 2
fi

missing=()
[[ -x /usr/sbin/sshd ]] || missing+=(openssh-server)
command -v ssh >/dev/null || missing+=(openssh-client)
command -v parallel-ssh >/dev/null || missing+=(pssh)
command -v ansible >/dev/null || missing+=(ansible-core)
[[ -x /usr/bin/time ]] || missing+=(time) # GNU time reports each tool's peak RSS
if ((${#missing[@]})); then
	echo "bench/run.sh: apt-get update, then install ${missing[*]}" >&2
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

work=$(mktemp -d /tmp/calyptos-bench.XXXXXX)
cleanup() {
	# The harness stops its sshd processes itself; this catches a harness
	# that was killed before it could.
	if [[ -s $work/sshd.pids ]]; then
		while read -r pid; do
			if [[ $(cat "/proc/$pid/comm" 2>/dev/null) == sshd ]]; then
				kill -9 "$pid" 2>/dev/null || true
			fi
		done <"$work/sshd.pids"
	fi
	rm -rf "$work"
}
trap cleanup EXIT

echo "bench/run.sh: building (binaries are timed, never 'go run')" >&2
go build -o "$work/floor" ./bench/floor
go build -o "$work/harness" ./bench/harness
calyptos=""
if go build -o "$work/calyptos" ./examples/calyptos 2>"$work/build.log"; then
	calyptos=$work/calyptos
else
	echo "bench/run.sh: the calyptos CLI does not build; measuring the other tools only:" >&2
	cat "$work/build.log" >&2
fi

mkdir -p "$work/run"
"$work/harness" -floor "$work/floor" -calyptos "$calyptos" \
	-pidfile "$work/sshd.pids" -work "$work/run" -out bench/results "$@"
