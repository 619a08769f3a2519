package facts

import (
	"os/exec"
	"testing"

	"github.com/org/calyptos/internal/shelltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParsePackages(t *testing.T) {
	assert.Equal(t, map[string]bool{"ntp": true, "ntpdate": true, "chrony": false, "sos": true, "eucalyptus-sos-plugins": true},
		parsePackages(sample(t, "centos7", "packages")))
	assert.Equal(t, map[string]bool{"ntp": false}, parsePackages("garbage\npkg=ntp status=missing\n"))
}

func FuzzParsePackages(f *testing.F) {
	seed(f, "packages")
	f.Fuzz(func(t *testing.T, out string) {
		for p := range parsePackages(out) {
			if p == "" {
				t.Fatal("empty package name")
			}
		}
	})
}

// perPackageScript is the script packageScript replaced, which asked the
// databases once per package: the oracle of TestPackageScriptHere.
func perPackageScript(names ...string) string {
	return "for p in " + quoteAll(names) + "; do " +
		"if command -v rpm >/dev/null 2>&1 && rpm -q \"$p\" >/dev/null 2>&1; then s=installed; " +
		"elif command -v dpkg-query >/dev/null 2>&1 && dpkg-query -W -f='${Status}' \"$p\" 2>/dev/null | grep -q 'ok installed'; then s=installed; " +
		"else s=missing; fi; printf 'pkg=%s status=%s\\n' \"$p\" \"$s\"; done"
}

// TestPackageScriptHere runs packageScript against this machine's package
// database and compares it with asking once per package: installed
// packages, a missing one, one whose name is a prefix or suffix of an
// installed one's, and names with shell characters.
func TestPackageScriptHere(t *testing.T) {
	_, rpm := exec.LookPath("rpm")
	_, dpkg := exec.LookPath("dpkg-query")
	if rpm != nil && dpkg != nil {
		t.Skip("neither rpm nor dpkg-query here")
	}
	names := []string{"bash", "calyptos-no-such-package", "coreutils", "coreutil", "oreutils", "bas", "x'y $(echo bash)"}
	run := func(script string) string {
		out, err := exec.Command("sh", "-c", script).Output()
		require.NoError(t, err)
		return string(out)
	}
	want := run(perPackageScript(names...))
	assert.Equal(t, want, run(packageScript(names...)))
	assert.Equal(t, map[string]bool{"bash": true, "coreutils": true}, installedOnly(parsePackages(want)), "%s", want)
}

func installedOnly(m map[string]bool) map[string]bool {
	out := map[string]bool{}
	for k, v := range m {
		if v {
			out[k] = v
		}
	}
	return out
}

// TestPackageScriptShellcheck holds the command a host gets to
// shellcheck's POSIX sh rules.
func TestPackageScriptShellcheck(t *testing.T) {
	shelltest.CheckPOSIX(t, "# shellcheck shell=sh\n"+packageScript("ntp", "chrony"))
}
