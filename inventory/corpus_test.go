package inventory

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The corpus: each directory of testdata/ is one case, holding
//
//	inventory*     the inventory (a file, or the directory inventory.d)
//	group_vars/, host_vars/   beside it, when the case has them
//	ansible.json   what `ansible-inventory -i INVENTORY --list` printed
//	error.txt      for a case calyptos refuses: a line of the error
//	ansible.txt    for a case Ansible refuses too: "fails"
//
// TestCorpus compares Load with the recorded output; TestAgainstAnsible
// runs ansible-inventory itself and compares with both. `go test -run
// TestAgainstAnsible -record` rewrites the recordings.

var record = flag.Bool("record", false, "rewrite testdata/*/ansible.json from ansible-inventory")

// corpusCase is one directory of the corpus.
type corpusCase struct {
	name, dir, inventory string
	wantErr              string // a line of the error, "" for none
	ansibleFails         bool
}

func corpus(t *testing.T) []corpusCase {
	t.Helper()
	dirs, err := filepath.Glob("testdata/*")
	require.NoError(t, err)
	var out []corpusCase
	for _, dir := range dirs {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() || filepath.Base(dir) == "fuzz" {
			continue // testdata/fuzz holds the fuzz targets' regression inputs
		}
		c := corpusCase{name: filepath.Base(dir), dir: dir}
		invs, _ := filepath.Glob(filepath.Join(dir, "inventory*"))
		require.Len(t, invs, 1, "case %s: one inventory*", dir)
		c.inventory = invs[0]
		if b, err := os.ReadFile(filepath.Join(dir, "error.txt")); err == nil {
			c.wantErr = strings.TrimSpace(string(b))
		}
		if b, err := os.ReadFile(filepath.Join(dir, "ansible.txt")); err == nil {
			c.ansibleFails = strings.TrimSpace(string(b)) == "fails"
		}
		out = append(out, c)
	}
	require.NotEmpty(t, out)
	return out
}

// TestCorpus checks every case against its recorded ansible-inventory
// output, without Ansible.
func TestCorpus(t *testing.T) {
	for _, c := range corpus(t) {
		t.Run(c.name, func(t *testing.T) {
			inv, err := Load(c.inventory)
			if c.wantErr != "" {
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrInvalid)
				assert.Contains(t, err.Error(), c.wantErr)
				return
			}
			require.NoError(t, err)
			want, err := os.ReadFile(filepath.Join(c.dir, "ansible.json"))
			require.NoError(t, err, "record it with -record")
			assert.Empty(t, diffViews(ansibleView(t, want), ourView(inv)))
		})
	}
}

// ansibleInventory runs ansible-inventory --list on path, isolated from
// the user's configuration, failing when an inventory source cannot be
// parsed. It skips the test when Ansible is missing, except under
// CI=true.
func ansibleInventory(t *testing.T, path string) ([]byte, error) {
	t.Helper()
	bin, err := exec.LookPath("ansible-inventory")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("ansible-inventory is not installed (CI installs ansible-core): %v", err)
		}
		t.Skipf("ansible-inventory is not installed: %v", err)
	}
	abs, err := filepath.Abs(path)
	require.NoError(t, err)
	home := t.TempDir()
	cfg := filepath.Join(home, "ansible.cfg")
	require.NoError(t, os.WriteFile(cfg, nil, 0o600))
	cmd := exec.Command(bin, "-i", abs, "--list")
	cmd.Dir = home
	cmd.Env = append(os.Environ(), "HOME="+home, "ANSIBLE_CONFIG="+cfg, "ANSIBLE_NOCOLOR=1",
		"ANSIBLE_INVENTORY_UNPARSED_FAILED=true", "ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED=true",
		"ANSIBLE_LOCAL_TEMP="+filepath.Join(home, "tmp"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Logf("ansible-inventory: %v\n%s", err, stderr.String())
	}
	return out, err
}

// listJSONAsScript runs the --list JSON of a case through
// ansible-inventory as an inventory script prints it: Ansible reads such
// JSON only from a script.
func listJSONAsScript(t *testing.T, path string) string {
	abs, err := filepath.Abs(path)
	require.NoError(t, err)
	script := filepath.Join(t.TempDir(), "inventory.sh")
	require.NoError(t, os.WriteFile(script, []byte("#!/bin/sh\nexec cat '"+abs+"'\n"), 0o700))
	return script
}

// TestAgainstAnsible is the differential test: ansible-inventory itself
// on every case, compared with Load and with the recording.
func TestAgainstAnsible(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Ansible once per case")
	}
	for _, c := range corpus(t) {
		t.Run(c.name, func(t *testing.T) {
			path := c.inventory
			if strings.HasSuffix(path, ".json") && isListJSON(t, path) {
				path = listJSONAsScript(t, path)
			}
			out, err := ansibleInventory(t, path)
			if c.ansibleFails {
				assert.Error(t, err, "Ansible accepts this case: update ansible.txt")
				return
			}
			require.NoError(t, err)
			rec := filepath.Join(c.dir, "ansible.json")
			if *record {
				require.NoError(t, os.WriteFile(rec, out, 0o644))
			}
			recorded, err := os.ReadFile(rec)
			require.NoError(t, err, "record it with -record")
			assert.Empty(t, diffViews(ansibleView(t, recorded), ansibleView(t, out)), "the recording is out of date: -record")
			if c.wantErr != "" {
				return // a case Ansible accepts and calyptos refuses, see doc.go
			}
			inv, err := Load(c.inventory)
			require.NoError(t, err)
			assert.Empty(t, diffViews(ansibleView(t, out), ourView(inv)))
		})
	}
}

func isListJSON(t *testing.T, path string) bool {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return bytes.Contains(b, []byte(`"_meta"`))
}
