package dpkgdb

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos/internal/shelltest"
)

// names are the packages the tests ask about: installed, with fields
// before Status; not installed (config files left, half-installed);
// installed for two architectures; removed by the journal; added by it;
// held; the last record of a file without its empty line; absent; named
// only in another package's description; blank; with shell characters.
var names = []string{"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "iota", "theta", "forged", "x y", "$(id)"}

// list runs dpkg_list PREFIX names under shell with the given PATH and
// admin directory.
func list(t *testing.T, shell, path, admin, prefix string) (string, error) {
	t.Helper()
	return listOf(t, shell, path, admin, prefix, names...)
}

// listOf is list with the names given; it fails (exit 9) if dpkg_list,
// run in the shell itself, leaves any function or variable behind.
func listOf(t *testing.T, shell, path, admin, prefix string, names ...string) (string, error) {
	t.Helper()
	script := Code() + `dpkg_list "$@"; s=$?; ` + Unset + `command -v dpkg_list >/dev/null && exit 9; ` +
		`[ -z "$(set | grep '^dpkg_')" ] || exit 9; exit $s`
	cmd := exec.Command(shell, append([]string{"-c", script, "sh", prefix}, names...)...)
	cmd.Env = []string{"PATH=" + path, "DPKG_ADMINDIR=" + admin}
	out, err := cmd.Output()
	return string(out), err
}

// oracle is what dpkg-query itself shows installed, as dpkg_list prints it.
func oracle(t *testing.T, admin, prefix string) string {
	t.Helper()
	out, _ := exec.Command("dpkg-query", "--admindir="+admin, "-W", "-f=${Status} ${Package} ${Version}\n", "--", "alpha", "beta", "gamma",
		"delta", "epsilon", "zeta", "eta", "iota", "theta", "forged").Output()
	var lines []string
	for line := range strings.Lines(string(out)) {
		if _, rest, ok := strings.Cut(line, " ok installed "); ok {
			lines = append(lines, prefix+rest)
		}
	}
	return strings.Join(lines, "")
}

func TestListMatchesDpkgQuery(t *testing.T) {
	if _, err := exec.LookPath("dpkg-query"); err != nil {
		t.Skip("dpkg-query is not installed: it is the oracle")
	}
	admin, err := filepath.Abs("testdata/admin")
	require.NoError(t, err)
	want := oracle(t, admin, "dpkg ")
	require.Equal(t, "dpkg alpha 1.0-1\ndpkg eta 9~rc1\ndpkg gamma 5.0\ndpkg gamma 5.0\ndpkg iota 3\ndpkg zeta 0.1\n", want, "the oracle itself")
	onlyDpkgQuery := t.TempDir()
	dq, err := exec.LookPath("dpkg-query")
	require.NoError(t, err)
	require.NoError(t, os.Symlink(dq, filepath.Join(onlyDpkgQuery, "dpkg-query")))
	for _, sh := range []string{"dash", "bash", "busybox"} {
		t.Run(sh, func(t *testing.T) {
			shell := shelltest.Path(t, sh)
			got, err := list(t, shell, os.Getenv("PATH"), admin, "dpkg ")
			require.NoError(t, err)
			assert.Equal(t, sorted(want), sorted(got), "awk")
			got, err = list(t, shell, onlyDpkgQuery, admin, "dpkg ")
			require.NoError(t, err)
			assert.Equal(t, sorted(want), sorted(got), "dpkg-query fallback")
		})
	}
}

func sorted(s string) []string {
	l := strings.Split(s, "\n")
	slices.Sort(l)
	return l
}

func TestListWithoutDatabase(t *testing.T) {
	sh := shelltest.Path(t, "dash")
	empty := t.TempDir()
	_, err := list(t, sh, os.Getenv("PATH"), empty, "")
	if _, dq := exec.LookPath("dpkg-query"); dq != nil {
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit, "no status file and no dpkg-query: dpkg_list fails")
		assert.Equal(t, 1, exit.ExitCode())
	}
	_, err = list(t, sh, empty, empty, "")
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "neither a database nor dpkg-query")
	assert.Equal(t, 1, exit.ExitCode())
}

func TestShellcheck(t *testing.T) {
	t.Run("dpkg.sh", func(t *testing.T) { shelltest.CheckPOSIX(t, Source) })
	t.Run("sent", func(t *testing.T) {
		shelltest.CheckPOSIX(t, "# shellcheck shell=sh\n"+Code()+"dpkg_list '' a b\n"+Unset)
	})
}

// onlyDpkgQuery is a PATH directory with dpkg-query and nothing else, for
// the fallback; the test skips without dpkg-query.
func onlyDpkgQuery(t *testing.T) string {
	t.Helper()
	dq, err := exec.LookPath("dpkg-query")
	if err != nil {
		shelltest.Path(t, "dpkg-query")
	}
	dir := t.TempDir()
	require.NoError(t, os.Symlink(dq, filepath.Join(dir, "dpkg-query")))
	return dir
}

// A name that starts with '-' is a name to dpkg-query, not an option that
// fails the whole query or moves its database.
func TestListFallbackDashNames(t *testing.T) {
	sh := shelltest.Path(t, "dash")
	path := onlyDpkgQuery(t)
	admin, err := filepath.Abs("testdata/admin")
	require.NoError(t, err)
	for _, name := range []string{"-x", "--admindir=/nonexistent", "--load-avail"} {
		got, err := listOf(t, sh, path, admin, "", name, "alpha")
		require.NoError(t, err, name)
		assert.Equal(t, "alpha 1.0-1\n", got, name)
	}
}

// dpkg reads only the journal files whose names are all digits (and fails
// on a directory): others are not part of the database.
func TestListJournalNames(t *testing.T) {
	sh := shelltest.Path(t, "dash")
	admin := t.TempDir()
	require.NoError(t, os.CopyFS(admin, os.DirFS("testdata/admin")))
	record := "Package: %s\nStatus: install ok installed\nVersion: 6\nArchitecture: amd64\n\n"
	for file, pkg := range map[string]string{"0002.new": "delta", "1x": "theta", "tmp.i": "forged"} {
		require.NoError(t, os.WriteFile(filepath.Join(admin, "updates", file), fmt.Appendf(nil, record, pkg), 0o644))
	}
	require.NoError(t, os.Mkdir(filepath.Join(admin, "updates", "0003"), 0o755))
	got, err := list(t, sh, os.Getenv("PATH"), admin, "")
	require.NoError(t, err)
	assert.Equal(t, sorted("alpha 1.0-1\neta 9~rc1\ngamma 5.0\ngamma 5.0\niota 3\nzeta 0.1\n"), sorted(got))
}
