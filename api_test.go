package calyptos_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos/internal/apigolden"
)

// TestAPI holds the exported API of every public package to the golden
// files under api/: a change there is a change of the public API, to be
// recorded in CHANGELOG.md. After such a change, regenerate them with
//
//	CALYPTOS_UPDATE_API=1 go test -run TestAPI .
//
// and commit the new files with the changelog entry.
func TestAPI(t *testing.T) {
	update := os.Getenv("CALYPTOS_UPDATE_API") == "1"
	dirs := publicPackages(t)
	require.NotEmpty(t, dirs)
	want := map[string]bool{}
	for _, dir := range dirs {
		lines, err := apigolden.Dump(dir)
		require.NoError(t, err, dir)
		golden := filepath.Join("api", apiFile(dir))
		want[golden] = true
		got := strings.Join(lines, "\n") + "\n"
		if update {
			require.NoError(t, os.MkdirAll("api", 0o755))
			require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
			continue
		}
		old, err := os.ReadFile(golden)
		require.NoError(t, err, "no golden API file for package %s: record it (see TestAPI's doc)", dir)
		added, removed := lineDiff(strings.Split(strings.TrimSpace(string(old)), "\n"), lines)
		assert.Empty(t, added, "%s: exported API added but not recorded in %s and CHANGELOG.md (see TestAPI's doc)", dir, golden)
		assert.Empty(t, removed, "%s: exported API removed or changed but not recorded in %s and CHANGELOG.md (see TestAPI's doc)", dir, golden)
	}
	files, _ := filepath.Glob(filepath.Join("api", "*.txt"))
	for _, f := range files {
		if !want[f] {
			if update {
				require.NoError(t, os.Remove(f))
				continue
			}
			t.Errorf("%s is the API of a package that is gone: record the removal in CHANGELOG.md and delete it", f)
		}
	}
}

// lineDiff returns the lines of b not in a, and of a not in b.
func lineDiff(a, b []string) (added, removed []string) {
	in := func(xs []string) map[string]bool {
		m := map[string]bool{}
		for _, x := range xs {
			m[x] = true
		}
		return m
	}
	ina, inb := in(a), in(b)
	for _, l := range b {
		if !ina[l] {
			added = append(added, l)
		}
	}
	for _, l := range a {
		if !inb[l] {
			removed = append(removed, l)
		}
	}
	return added, removed
}

// apiFile names a package's golden file: "calyptos.txt" for the root,
// "calyptos.report.txt" for report.
func apiFile(dir string) string {
	if dir == "." {
		return "calyptos.txt"
	}
	return "calyptos." + strings.ReplaceAll(filepath.ToSlash(dir), "/", ".") + ".txt"
}

// publicPackages lists the directories of importable packages: not
// internal, not commands, not examples or benchmarks.
func publicPackages(t *testing.T) []string {
	var dirs []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		switch d.Name() {
		case "internal", "testdata", "examples", "bench", "api", "docs", "scripts":
			return filepath.SkipDir
		}
		if path != "." && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if isLibrary(t, path) {
			dirs = append(dirs, path)
		}
		return nil
	})
	require.NoError(t, err)
	return dirs
}

// isLibrary reports whether dir holds a non-main package.
func isLibrary(t *testing.T, dir string) bool {
	if _, err := apigolden.Dump(dir); err != nil {
		return false // no Go files, or only tests
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, m := range matches {
		if strings.HasSuffix(m, "_test.go") {
			continue
		}
		b, err := os.ReadFile(m)
		require.NoError(t, err)
		return !strings.Contains(string(b), "\npackage main\n") && !strings.HasPrefix(string(b), "package main\n")
	}
	return false
}
