package facts

import (
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/textparse"
)

// Packages says, for each named package, whether rpm or dpkg knows it as
// installed.
func Packages(names ...string) *calyptos.Fact[map[string]bool] {
	return &calyptos.Fact[map[string]bool]{Name: "packages " + strings.Join(names, " "), Command: packageScript(names...),
		Parse: func(o calyptos.Output) (map[string]bool, error) { return parsePackages(o.Stdout), nil }}
}

// packageScript returns one command that prints, for each package,
// "pkg=NAME status=installed|missing".
func packageScript(names ...string) string {
	return "for p in " + quoteAll(names) + "; do " +
		"if command -v rpm >/dev/null 2>&1 && rpm -q \"$p\" >/dev/null 2>&1; then s=installed; " +
		"elif command -v dpkg-query >/dev/null 2>&1 && dpkg-query -W -f='${Status}' \"$p\" 2>/dev/null | grep -q 'ok installed'; then s=installed; " +
		"else s=missing; fi; printf 'pkg=%s status=%s\\n' \"$p\" \"$s\"; done"
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
