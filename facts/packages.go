package facts

import (
	"strings"

	"github.com/org/calyptos"
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
// when dpkg's status for it ends in "ok installed". Each package database
// is asked once for all the names (one rpm and one dpkg-query process,
// where they exist), and the shell matches the answers.
func packageScript(names ...string) string {
	q := quoteAll(names)
	return "nl='\n'; r=; d=; " +
		"if command -v rpm >/dev/null 2>&1; then r=$(rpm -q --qf '%{NAME}\\n' " + q + " 2>/dev/null); fi; " +
		"if command -v dpkg-query >/dev/null 2>&1; then d=$(dpkg-query -W -f='${Status} ${Package}\\n' " + q + " 2>/dev/null); fi; " +
		"for p in " + q + "; do case \"$nl$r$nl\" in *\"$nl$p$nl\"*) s=installed;; " +
		"*) case \"$nl$d$nl\" in *\" ok installed $p$nl\"*) s=installed;; *) s=missing;; esac;; esac; " +
		"printf 'pkg=%s status=%s\\n' \"$p\" \"$s\"; done"
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
