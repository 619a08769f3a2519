// Package shelltest finds the POSIX shells a test runs scripts under.
package shelltest

import (
	"os"
	"os/exec"
	"path/filepath"
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
