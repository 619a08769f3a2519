// Package shelltest finds the POSIX shells a test runs scripts under.
package shelltest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Path returns the path of shell name ("sh", "dash", "bash", "busybox"),
// to run as `PATH -c script`; busybox is reached through a link named sh,
// as it picks its applet by name. A missing shell skips the test, or
// fails it under CI=true, where .ci/run installs them all.
func Path(t testing.TB, name string) string {
	t.Helper()
	sh, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed (.ci/run installs it): %v", name, err)
		}
		t.Skipf("%s is not installed: %v", name, err)
	}
	if name != "busybox" {
		return sh
	}
	link := filepath.Join(t.TempDir(), "sh")
	if err := os.Symlink(sh, link); err != nil {
		t.Fatalf("link busybox as sh: %v", err)
	}
	return link
}

// Shellcheck returns the path of shellcheck (Debian's shellcheck package).
// Missing, it skips the test, or fails it under CI=true, where .ci/run
// installs it.
func Shellcheck(t testing.TB) string {
	t.Helper()
	sc, err := exec.LookPath("shellcheck")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shellcheck is not installed (Debian's shellcheck package; .ci/run installs it): %v", err)
		}
		t.Skipf("shellcheck is not installed: %v", err)
	}
	return sc
}

// CheckPOSIX runs shellcheck on script as POSIX sh, style warnings
// included, and fails the test with what it says.
func CheckPOSIX(t testing.TB, script string) {
	t.Helper()
	cmd := exec.Command(Shellcheck(t), "--shell=sh", "--severity=style", "-")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("shellcheck: %v\n%s", err, out)
	}
}
