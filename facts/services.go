package facts

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/textparse"
)

// Services is the state of each named service, through systemd where the
// host booted with it (one systemctl show for every name) and through SysV
// init otherwise (service NAME status, chkconfig --list). A service the
// host does not know is in the list as not installed.
//
// It is a member of the services family: every Services fact of a run is
// gathered on a host with one command for all the names they ask.
func Services(names ...string) *calyptos.Fact[[]ServiceState] {
	return &calyptos.Fact[[]ServiceState]{Name: "services " + strings.Join(names, " "), Command: serviceScript(sortedKeys(names)...),
		Family: servicesFamily(), Keys: names,
		Parse: func(o calyptos.Output) ([]ServiceState, error) { return parseServices(o.Stdout), nil }}
}

// serviceScript returns one command that reports the state of each named
// service; parseServices reads its output. The SysV tools run with
// LC_ALL=C: chkconfig translates "on" and "off". Of the status output, the
// last non-blank line is kept: init scripts print their warnings first and
// their status line last.
func serviceScript(names ...string) string {
	// Where systemd says it booted the host, and where service(8) looks
	// for a SysV init script or an upstart job.
	return serviceScriptIn([4]string{"/run/systemd/system", "/etc/init.d", "/etc/rc.d/init.d", "/etc/init"}, names...)
}

// systemdShow is the one systemctl call of the systemd branch: the
// properties of every unit, a block of KEY=VALUE lines per unit named, in
// their order, blocks separated by an empty line (systemctl(1), "show").
const systemdShow = "systemctl show -p Id,LoadState,ActiveState,UnitFileState -- "

// serviceScriptIn is serviceScript with the systemd run directory, the
// init script and upstart job directories of dirs, which tests point at
// their own stand-ins. It runs on every host, where each process costs a
// few milliseconds, so it starts as few as it can.
//
// Under systemd, one systemctl show for every name, read by the shell
// (no sed, no per-unit is-active and is-enabled): block i is name i (an
// alias's Id is its target's, so Ids are not matched). Where the blocks
// do not match the names one to one (systemctl failed, a name was a
// pattern that matched several units or none), it asks is-active and
// is-enabled per unit as before.
//
// Under SysV: chkconfig is only run where it exists; a status text of one
// line needs no sed; service(8), itself a script, is only run for a
// service that has an init script or upstart job (without one it prints
// exactly "NAME: unrecognized service" and exits 1, SysV's and Debian's
// alike, which the script then says for it); and where there is no
// service(8) on the PATH (a user's PATH without /sbin), the shell's "not
// found" is asked for once, not once per service.
func serviceScriptIn(dirs [4]string, names ...string) string {
	q := quoteAll(names)
	sd, d, r, u := calyptos.ShellQuote(dirs[0]), calyptos.ShellQuote(dirs[1]), calyptos.ShellQuote(dirs[2]), calyptos.ShellQuote(dirs[3])
	return "if [ -d " + sd + " ] && command -v systemctl >/dev/null 2>&1; then nl='\n'; " +
		"set -- " + q + "; o=$(" + systemdShow + "\"$@\" 2>/dev/null)$nl$nl; w=; i=; l=; a=; e=; " +
		"while [ -n \"$o\" ]; do x=${o%%\"$nl\"*}; o=${o#*\"$nl\"}; case $x in " +
		"Id=*) i=1;; LoadState=*) l=${x#*=};; ActiveState=*) a=${x#*=};; UnitFileState=*) e=${x#*=};; " +
		"'') [ -n \"$i\" ] || continue; [ $# -gt 0 ] || { set -- x; break; }; " +
		"w=\"${w}unit=$1 init=systemd load=$l active=$a enabled=$e$nl\"; shift; i=; l=; a=; e=;; esac; done; " +
		"if [ $# = 0 ]; then printf '%s' \"$w\"; else " +
		"for s in " + q + "; do a=$(systemctl is-active \"$s\" 2>/dev/null); e=$(systemctl is-enabled \"$s\" 2>/dev/null); " +
		"printf 'unit=%s init=systemd active=%s enabled=%s\\n' \"$s\" \"${a%%\"$nl\"*}\" \"${e%%\"$nl\"*}\"; done; fi; " +
		"else nl='\n'; m=; c=; command -v chkconfig >/dev/null 2>&1 && c=1; v=; command -v service >/dev/null 2>&1 && v=1; " +
		"for s in " + q + "; do " +
		"if [ -n \"$v\" ] && [ ! -e " + d + "/\"$s\" ] && [ ! -e " + r + "/\"$s\" ] && [ ! -e " + u + "/\"$s.conf\" ]; then x=1; t=\"$s: unrecognized service\"; " +
		"elif [ -z \"$v\" ] && [ -n \"$m\" ]; then x=$mx; t=$m; " +
		"else o=$(LC_ALL=C service \"$s\" status 2>&1); x=$?; " +
		"case $o in *\"$nl\"*) t=$(printf '%s\\n' \"$o\" | sed '/^[[:space:]]*$/d' | tail -n 1);; *[![:space:]]*) t=$o;; *) t=;; esac; " +
		"[ -n \"$v\" ] || { m=$t; mx=$x; }; fi; " +
		"b=; [ -z \"$c\" ] || b=$(LC_ALL=C chkconfig --list \"$s\" 2>/dev/null | head -n 1 | tr -s ' \\t' ',,'); " +
		"printf 'unit=%s init=sysv status=%s boot=%s text=%s\\n' \"$s\" \"$x\" \"$b\" \"$t\"; done; fi"
}

// quoteAll shell-quotes every word and joins them with spaces.
func quoteAll(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = calyptos.ShellQuote(w)
	}
	return strings.Join(q, " ")
}

// chkconfig, as printed by serviceScript.

// ServiceState is what serviceScript found out about one service.
type ServiceState struct {
	Name      string
	Init      string // "systemd" or "sysv"
	Running   bool
	Installed bool
	// Enabled is "yes", "no" or "" when unknown.
	Enabled string
	// Detail is the raw state for messages: "active", "inactive",
	// "exit 3: eucalyptus-cloud is stopped".
	Detail string
}

// parseServices reads serviceScript's output: one line per service,
//
//	unit=NAME init=systemd load=STATE active=STATE enabled=STATE
//	unit=NAME init=sysv status=EXIT boot=NAME,0:off,1:off,2:on,... text=LAST LINE
func parseServices(out string) []ServiceState {
	var ss []ServiceState
	for line := range strings.Lines(out) {
		kv := textparse.ParseKV(line)
		name, ok := kv["unit"]
		if !ok || name == "" {
			continue
		}
		s := ServiceState{Name: name, Init: kv["init"]}
		switch s.Init {
		case "systemd":
			active, enabled := kv["active"], kv["enabled"]
			s.Running = active == "active" || active == "reloading"
			// systemctl show's LoadState says whether the unit exists;
			// is-enabled (the fallback, no load=) says it by its answer.
			installed := enabled != "" && enabled != "not-found"
			if load := kv["load"]; load != "" {
				installed = load != "not-found"
			}
			s.Installed = s.Running || installed
			switch enabled {
			case "enabled", "enabled-runtime", "static", "alias", "indirect", "generated":
				s.Enabled = "yes"
			case "disabled", "masked", "masked-runtime":
				s.Enabled = "no"
			}
			s.Detail = cmp.Or(active, "unknown")
			if !s.Installed {
				s.Detail = "not installed"
			}
		case "sysv":
			code, ok := textparse.Atoi(kv["status"])
			text := kv["text"]
			low := strings.ToLower(text)
			negative := strings.Contains(low, "not running") || strings.Contains(low, "stopped") ||
				strings.Contains(low, "dead") || strings.Contains(low, "unrecognized") || strings.Contains(low, "not found")
			s.Running = ok && code == 0 && !negative
			s.Installed = ok && code != 4 && code != 127 && !strings.Contains(low, "unrecognized") && !strings.Contains(low, "not found")
			s.Enabled = chkconfigEnabled(kv["boot"])
			s.Detail = fmt.Sprintf("exit %s", cmp.Or(kv["status"], "?"))
			if text != "" {
				s.Detail += ": " + text
			}
			if !s.Installed {
				s.Detail = "not installed (" + s.Detail + ")"
			}
		default:
			continue
		}
		ss = append(ss, s)
	}
	return ss
}

// chkconfigEnabled reads `chkconfig --list NAME` with blanks turned into
// commas ("ntpd,0:off,1:off,2:on,3:on,4:on,5:on,6:off"): enabled when
// runlevels 2 to 5 are all on, as the original required.
func chkconfigEnabled(boot string) string {
	if boot == "" {
		return ""
	}
	on := 0
	seen := 0
	for _, w := range strings.Split(boot, ",") {
		lvl, state, ok := strings.Cut(w, ":")
		if !ok || len(lvl) != 1 || lvl[0] < '2' || lvl[0] > '5' {
			continue
		}
		seen++
		if state == "on" {
			on++
		}
	}
	switch {
	case seen == 0:
		return ""
	case on == seen && seen == 4:
		return "yes"
	default:
		return "no"
	}
}
