# shellcheck shell=sh
# The services fact (facts.Services): one line per service named, with its
# state, through systemd where the host booted with it, through SysV init
# otherwise. It runs on every host, where each process costs a few
# milliseconds, so it starts as few as it can. Go sends it without its
# comment lines, after a line that sets the names as the positional
# parameters and the directories it looks in (tests point them at their own
# stand-ins):
#
#	set --; for s in NAME...; do set -- "$@" "$s"; done; services_systemd=DIR services_init_d=DIR services_rc_d=DIR services_upstart=DIR
#
# It prints, per name, in order:
#
#	unit=NAME init=systemd load=STATE active=STATE enabled=STATE
#	unit=NAME init=systemd active=STATE enabled=STATE          (fallback)
#	unit=NAME init=sysv status=EXIT boot=CHKCONFIG text=LAST LINE
#
# Its variables are the fact's own: it runs in the fact's subshell.

newline='
'

# services_show NAME... prints the systemd lines of every name from one
# systemctl show (systemctl(1), "show": a block of KEY=VALUE lines per unit
# named, in their order, separated by an empty line), read by the shell with
# no sed: block i is name i (an alias's Id is its target's, so Ids are not
# matched). It fails, printing nothing, where the blocks do not match the
# names one to one (systemctl failed, a name was a pattern that matched
# several units or none).
services_show() {
	shown=$(systemctl show -p Id,LoadState,ActiveState,UnitFileState -- "$@" 2>/dev/null)$newline$newline
	lines=
	has_id=
	load=
	active=
	enabled=
	while [ -n "$shown" ]; do
		line=${shown%%"$newline"*}
		shown=${shown#*"$newline"}
		case $line in
		Id=*) has_id=1 ;;
		LoadState=*) load=${line#*=} ;;
		ActiveState=*) active=${line#*=} ;;
		UnitFileState=*) enabled=${line#*=} ;;
		'')
			[ -n "$has_id" ] || continue
			[ $# -gt 0 ] || return 1
			lines="${lines}unit=$1 init=systemd load=$load active=$active enabled=$enabled$newline"
			shift
			has_id=
			load=
			active=
			enabled=
			;;
		esac
	done
	[ $# = 0 ] || return 1
	printf '%s' "$lines"
}

# services_systemd is set by the line Go writes before this file.
# shellcheck disable=SC2154
if [ -d "$services_systemd" ] && command -v systemctl >/dev/null 2>&1; then
	# Under systemd, one systemctl show for every name; where it does not
	# answer one to one, is-active and is-enabled per unit, as before.
	services_show "$@" || for s in "$@"; do
		active=$(systemctl is-active "$s" 2>/dev/null)
		enabled=$(systemctl is-enabled "$s" 2>/dev/null)
		printf 'unit=%s init=systemd active=%s enabled=%s\n' "$s" "${active%%"$newline"*}" "${enabled%%"$newline"*}"
	done
else
	# Otherwise, the SysV lines of every name (here, not in a function:
	# bash would name the script "environment" in its "not found"). The
	# tools run with LC_ALL=C (chkconfig translates "on" and "off");
	# chkconfig is only run where it exists; service(8), itself a script, is
	# only run for a service that has an init script or upstart job (without
	# one it prints exactly "NAME: unrecognized service" and exits 1, SysV's
	# and Debian's alike, which is then said for it); where there is no
	# service(8) on the PATH (a user's PATH without /sbin), the shell's "not
	# found" is asked for once, not once per service. Of the status output,
	# the last non-blank line is kept: init scripts print their warnings
	# first and their status line last; a text of one line needs no sed.
	missing_text=
	has_chkconfig=
	command -v chkconfig >/dev/null 2>&1 && has_chkconfig=1
	has_service=
	command -v service >/dev/null 2>&1 && has_service=1
	# services_init_d, _rc_d and _upstart are set by the line Go writes
	# before this file.
	# shellcheck disable=SC2154
	for s in "$@"; do
		if [ -n "$has_service" ] && [ ! -e "$services_init_d/$s" ] && [ ! -e "$services_rc_d/$s" ] && [ ! -e "$services_upstart/$s.conf" ]; then
			status=1
			text="$s: unrecognized service"
		elif [ -z "$has_service" ] && [ -n "$missing_text" ]; then
			status=$missing_status
			text=$missing_text
		else
			said=$(LC_ALL=C service "$s" status 2>&1)
			status=$?
			case $said in
			*"$newline"*) text=$(printf '%s\n' "$said" | sed '/^[[:space:]]*$/d' | tail -n 1) ;;
			*[![:space:]]*) text=$said ;;
			*) text= ;;
			esac
			if [ -z "$has_service" ]; then
				missing_text=$text
				missing_status=$status
			fi
		fi
		boot=
		[ -z "$has_chkconfig" ] || boot=$(LC_ALL=C chkconfig --list "$s" 2>/dev/null | head -n 1 | tr -s ' \t' ',,')
		printf 'unit=%s init=sysv status=%s boot=%s text=%s\n' "$s" "$status" "$boot" "$text"
	done
fi
