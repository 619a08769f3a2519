package facts

import (
	"cmp"
	_ "embed"
	"fmt"
	"strings"
	"sync"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/shellfile"
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
// service; parseServices reads its output. The program is services.sh,
// whose comments say what it does and why.
func serviceScript(names ...string) string {
	// Where systemd says it booted the host, and where service(8) looks
	// for a SysV init script or an upstart job.
	return serviceScriptIn([4]string{"/run/systemd/system", "/etc/init.d", "/etc/rc.d/init.d", "/etc/init"}, names...)
}

// servicesShell is the services fact's program; serviceScriptIn writes
// the line it starts with.
//
//go:embed services.sh
var servicesShell string

// serviceScriptIn is serviceScript with the systemd run directory, the
// init script and upstart job directories of dirs, which tests point at
// their own stand-ins. The names become the positional parameters by a
// "for s in NAMES" loop, which the fake hosts of other packages' tests
// read the names from.
func serviceScriptIn(dirs [4]string, names ...string) string {
	return "set --; for s in " + quoteAll(names) + "; do set -- \"$@\" \"$s\"; done; " +
		"services_systemd=" + calyptos.ShellQuote(dirs[0]) + " services_init_d=" + calyptos.ShellQuote(dirs[1]) +
		" services_rc_d=" + calyptos.ShellQuote(dirs[2]) + " services_upstart=" + calyptos.ShellQuote(dirs[3]) + "\n" +
		servicesCode()
}

// servicesCode is services.sh as hosts get it (see shellfile.Code),
// stripped once.
var servicesCode = sync.OnceValue(func() string { return shellfile.Code(servicesShell) })

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
