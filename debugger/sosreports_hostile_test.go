package debugger

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
)

// A host that names its archive after a secret does not put the secret in
// a local file name: the files are stored under the redacted name, and
// the report shows the names that exist.
func TestSosreportsSecretNotInLocalName(t *testing.T) {
	for _, keep := range []bool{false, true} {
		t.Run(map[bool]string{false: "redacted", true: "unredacted kept"}[keep], func(t *testing.T) {
			dir := t.TempDir()
			e := calyptostest.NewExecutor(t)
			e.On(clc, sosCheckCommand()).Stdout("tool=yes\neucalyptus-sos-plugins=1.0\n")
			scriptSos(t, e, clc, "saved in:\n  /var/tmp/calyptos-sos.X/sosreport-"+sosSecret+"-1.tar.xz\n")
			e.OnMatch(clc, `^rm -`)
			rep := calyptostest.RunDebugger(t, clcRoles(), e, &EucalyptusSosreports{KeepUnredacted: keep, tempName: fixedName},
				calyptos.RunOptions{ArtifactsDir: dir, Secrets: []string{sosSecret}})
			var names []string
			require.NoError(t, filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
				names = append(names, p)
				return err
			}))
			require.NotEmpty(t, rep.Check("eucalyptus_sosreports").Artifacts, calyptostest.Dump(rep))
			for _, n := range names {
				assert.NotContains(t, n, sosSecret)
			}
			for _, a := range rep.Check("eucalyptus_sosreports").Artifacts {
				_, err := os.Stat(a.Path)
				assert.NoError(t, err, "the report names a file that exists: %s", a.Path)
			}
			for _, s := range statuses(rep) {
				if strings.Contains(s, "downloaded - ") {
					p := strings.SplitN(strings.SplitN(s, "downloaded - ", 2)[1], " (", 2)[0]
					_, err := os.Stat(p)
					assert.NoError(t, err, "the report names a file that exists: %s", s)
				}
			}
		})
	}
}
