package facts

import (
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/dpkgdb"
	"github.com/org/calyptos/internal/textparse"
)

// Packages says, for each named package, whether rpm or dpkg knows it as
// installed. Names are plain package names ("ntp"): no version,
// architecture ("libc6:amd64") or pattern.
// It is a member of the packages family: every Packages fact of a run is
// gathered on a host with one query for all the names they ask.
func Packages(names ...string) *calyptos.Fact[map[string]bool] {
	return &calyptos.Fact[map[string]bool]{Name: "packages " + strings.Join(names, " "), Command: packageScript(sortedKeys(names)...),
		Family: packagesFamily(), Keys: names,
		Parse: func(o calyptos.Output) (map[string]bool, error) { return parsePackages(o.Stdout), nil }}
}

// packageScript returns one command that prints, for each package,
// "pkg=NAME status=installed|missing": installed when rpm knows it, or
// when dpkg's database has it "ok installed". Each database is asked once
// for all the names (one rpm process, and one awk that reads dpkg's
// database: see internal/dpkgdb), and the shell matches the answers. The
// names become the positional parameters by a "for p in NAMES" loop, which
// the fake hosts of other packages' tests read the names from.
func packageScript(names ...string) string {
	return "set --; for p in " + quoteAll(names) + "; do set -- \"$@\" \"$p\"; done\n" + dpkgdb.Code() +
		"nl='\n'; r=; if command -v rpm >/dev/null 2>&1; then r=$(rpm -q --qf '%{NAME}\\n' \"$@\" 2>/dev/null); fi; d=$(dpkg_list '' \"$@\"); " +
		"for p; do case \"$nl$r$nl\" in *\"$nl$p$nl\"*) s=installed;; " +
		"*) case \"$nl$d\" in *\"$nl$p \"*) s=installed;; *) s=missing;; esac;; esac; " +
		"printf 'pkg=%s status=%s\\n' \"$p\" \"$s\"; done; " + dpkgdb.Unset
}

// parsePackages reads packageScript's "pkg=NAME status=installed|missing"
// lines into a map of name to installed.
func parsePackages(out string) map[string]bool {
	m := map[string]bool{}
	for line := range strings.Lines(out) {
		kv := textparse.ParseKV(line)
		if p := kv["pkg"]; p != "" {
			m[p] = kv["status"] == "installed"
		}
	}
	return m
}
