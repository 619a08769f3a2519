# shellcheck shell=sh
# dpkg_list PREFIX NAME... prints "PREFIXNAME VERSION" for each installed
# instance (one per architecture) of the named packages in dpkg's database,
# and fails where the host has no dpkg database. Installed is what
# dpkg-query -W shows as "WANT ok installed".
#
# It reads the database with awk instead of asking dpkg-query: dpkg-query
# parses every package's record and costs a host about 20 ms of CPU where
# awk, matching a few names, costs 4 (Debian 12, 880 packages). The
# database is the status file, then the journal dpkg has not folded into it
# yet (updates/NNNN, in order, each record replacing the one before for its
# package and architecture), as dpkg-query reads them; DPKG_ADMINDIR moves
# it, as it moves dpkg's. Without awk, or without a readable status file,
# it asks dpkg-query.
#
# Names with blanks are never package names and are left out.
dpkg_list() {
	dpkg_prefix=$1
	shift
	dpkg_dir=${DPKG_ADMINDIR:-/var/lib/dpkg}
	if [ -r "$dpkg_dir/status" ] && command -v awk >/dev/null 2>&1; then
		dpkg_names=
		for dpkg_name in "$@"; do
			dpkg_names="$dpkg_names$dpkg_name
"
		done
		set -- "$dpkg_dir/status"
		# Only names of digits alone, as dpkg reads (not 0001.new).
		for dpkg_update in "$dpkg_dir"/updates/[0-9]*; do
			case ${dpkg_update##*/} in
			*[!0-9]*) ;;
			*) [ ! -f "$dpkg_update" ] || set -- "$@" "$dpkg_update" ;;
			esac
		done
		dpkg_names=$dpkg_names dpkg_prefix=$dpkg_prefix LC_ALL=C awk "$dpkg_awk" "$@" 2>/dev/null
	elif command -v dpkg-query >/dev/null 2>&1; then
		dpkg_names=$(dpkg-query -W -f='${Status} ${Package} ${Version}\n' -- "$@" 2>/dev/null)
		while [ -n "$dpkg_names" ]; do
			dpkg_line=${dpkg_names%%"
"*}
			dpkg_names=${dpkg_names#"$dpkg_line"}
			dpkg_names=${dpkg_names#"
"}
			case $dpkg_line in
			*" ok installed "*) printf '%s%s\n' "$dpkg_prefix" "${dpkg_line#* ok installed }" ;;
			esac
		done
	else
		return 1
	fi
}

# dpkg_awk is the program that reads the database: records are blocks of
# "Field: value" lines (a line that starts with a blank continues a
# value), separated by empty lines; a file's end ends a record too.
# shellcheck disable=SC2016 # awk's $0, not the shell's
dpkg_awk='
BEGIN {
	n = split(ENVIRON["dpkg_names"], names, "\n")
	for (i = 1; i <= n; i++)
		if (names[i] != "" && names[i] !~ /[ \t]/)
			wanted[names[i]] = 1
	prefix = ENVIRON["dpkg_prefix"]
}
FNR == 1 { record_end() }
/^$/ { record_end(); next }
/^Package:/ { package = field_value(); next }
/^Status:/ { status = field_value(); next }
/^Version:/ { version = field_value(); next }
/^Architecture:/ { arch = field_value(); next }
END {
	record_end()
	for (i = 1; i <= count; i++)
		if (shown[order[i]] != "")
			print shown[order[i]]
}
function field_value(v) {
	v = $0
	sub(/^[^:]*:[ \t]*/, "", v)
	sub(/[ \t\r]+$/, "", v)
	return v
}
function record_end(id, words) {
	if (package in wanted) {
		id = package SUBSEP arch
		if (!(id in shown))
			order[++count] = id
		split(status, words, " ")
		gsub(/[ \t]/, "", version)
		shown[id] = (words[2] == "ok" && words[3] == "installed") ? prefix package " " version : ""
	}
	package = status = version = arch = ""
}
'
