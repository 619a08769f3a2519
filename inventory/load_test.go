package inventory

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeFiles writes files (path: content) under a temporary directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, content := range files {
		full := filepath.Join(dir, p)
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(content), 0o644))
	}
	return dir
}

func TestLoadRefuses(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"script/inventory.py":        "#!/usr/bin/env python3\nprint('{}')\n",
		"dir/inventory.d/a.yml":      "all:\n  hosts: {a: }\n",
		"dir/inventory.d/dyn.sh":     "#!/bin/sh\necho '{}'\n",
		"vault/hosts":                "[g]\nh\n",
		"vault/group_vars/g.yml":     "$ANSIBLE_VAULT;1.1;AES256\n3030\n",
		"plugin/aws_ec2.yml":         "plugin: amazon.aws.aws_ec2\n",
		"bigvars/hosts":              "[g]\nh\n",
		"bigvars/group_vars/all.yml": "x: 1\n" + strings.Repeat("#", maxFileSize),
	})
	require.NoError(t, os.Chmod(filepath.Join(dir, "script/inventory.py"), 0o755))
	require.NoError(t, os.Chmod(filepath.Join(dir, "dir/inventory.d/dyn.sh"), 0o755))
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	tests := []struct{ path, want string }{
		{"script/inventory.py", "script/inventory.py is executable: Ansible would run it as an inventory script, and calyptos runs nothing: run `ansible-inventory -i"},
		{"dir/inventory.d", "dyn.sh is executable"},
		{"vault/hosts", "vault/group_vars/g.yml:1: the vars file is vault-encrypted"},
		{"plugin/aws_ec2.yml", "aws_ec2.yml:1:1: this is the configuration of the inventory plugin amazon.aws.aws_ec2, not an inventory"},
		{"bigvars/hosts", "all.yml is larger than 16 MiB"},
		{"fifo", "fifo is a named pipe (FIFO), not a regular file"},
		{"/dev/null", "/dev/null is a device, not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			p := tt.path
			if !filepath.IsAbs(p) {
				p = filepath.Join(dir, p)
			}
			done := make(chan error, 1)
			go func() {
				_, err := Load(p)
				done <- err
			}()
			select {
			case err := <-done:
				assert.ErrorIs(t, err, ErrInvalid)
				assert.ErrorContains(t, err, tt.want)
			case <-time.After(10 * time.Second):
				if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
					f.Close()
				}
				t.Fatal("Load blocked")
			}
		})
	}
	_, err := Load(filepath.Join(dir, "missing"))
	var pe *fs.PathError
	assert.ErrorAs(t, err, &pe)
	assert.NotErrorIs(t, err, ErrInvalid)
}

// TestLoadDirectory: a directory inventory, its vars beside its files.
func TestLoadDirectory(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"inv/01.yml":             "web:\n  hosts: {w1: }\n",
		"inv/02":                 "[db]\nd1\n",
		"inv/03.ini":             "[ignored]\nx\n",
		"inv/notes.txt":          "not read\n",
		"inv/sub/04.yaml":        "all:\n  hosts: {s1: }\n",
		"inv/group_vars/web.yml": "v: web\n",
		"inv/host_vars/d1.json":  `{"ansible_host": "192.0.2.7"}`,
	})
	inv, err := Load(filepath.Join(dir, "inv"))
	require.NoError(t, err)
	assert.Equal(t, []string{"d1", "s1", "w1"}, inv.RoleBuilder().All())
	assert.Equal(t, []string{"all", "db", "ungrouped", "web"}, inv.Groups())
	w1, _ := inv.Host("w1")
	assert.Equal(t, "web", w1.Vars["v"])
	d1, _ := inv.Host("d1")
	assert.Equal(t, "192.0.2.7", d1.Address)
}

// TestConnectionVarPositions: a refused connection variable is named where
// it is written, in a vars file too.
func TestConnectionVarPositions(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"hosts":             "[g]\nh\n",
		"host_vars/h.yml":   "x: 1\nansible_port: 0\n",
		"group_vars/g.json": "{\n  \"ansible_host\": \"{{ x }}\"\n}\n",
	})
	_, err := Load(filepath.Join(dir, "hosts"))
	require.Error(t, err)
	assert.ErrorContains(t, err, filepath.Join(dir, "group_vars/g.json")+`:2:3: host "h": ansible_host "{{ x }}" is a template`)
	assert.ErrorContains(t, err, filepath.Join(dir, "host_vars/h.yml")+`:2:1: host "h": ansible_port: the port 0 is not from 1 to 65535`)
}

func TestBounds(t *testing.T) {
	var chain strings.Builder
	for i := 1; i <= 2000; i++ {
		fmt.Fprintf(&chain, "[g%d:children]\ng%d\n", i, i-1)
	}
	chain.WriteString("[g0]\nh[0:2500]\n")
	var bomb strings.Builder
	bomb.WriteString("all:\n  vars:\n    a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 8; i++ {
		fmt.Fprintf(&bomb, "    a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	tests := []struct {
		name, file, data, want string
	}{
		{"a range past the host bound", "hosts", "[g]\nweb[0:99999999]\n", "hosts:2:1: too many hosts: the ranges of \"web[0:99999999]\" stand for more than the 100000 hosts"},
		{"two ranges past it", "hosts", "a[0:60000]\nb[0:60000]\n", "hosts:2:1: too many hosts"},
		{"hosts in YAML past it", "inv.yml", "all:\n  hosts:\n    a[0:60000]:\n    b[0:60000]:\n", "inv.yml:4:5: too many hosts"},
		{"YAML nodes", "inv.yml", "all:\n  vars:\n    x: [" + strings.Repeat("0,", 200_000) + "0]\n", "inv.yml:3:300000: more than 300000 YAML nodes by here"},
		{"list JSON values", "inv.json", `{"_meta": {}, "x": [` + strings.Repeat("0,", 1_000_000) + "0]}", "inv.json:1:2000012: more than 1000000 JSON values by here"},
		{"lines", "hosts", strings.Repeat("#\n", 600_000), "hosts:500001:1: more than 500000 lines by here"},
		{"a long line", "hosts", "h a=" + strings.Repeat("x", 70_000) + "\n", "hosts:1:1: line longer than 65536 bytes"},
		{"aliases", "inv.yml", bomb.String(), "more than 2000000 variable values by here"},
		{"deep values", "inv.yml", "all:\n  vars:\n    x: " + strings.Repeat("[", 300) + strings.Repeat("]", 300) + "\n", "values nested more than 200 deep"},
		{"deep groups", "inv.yml", deepGroups(300), "groups nested more than 200 deep"},
		{"nested memberships", "hosts", chain.String(), "more than 4000000 (host, group) memberships"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.file, []byte(tt.data))
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalid)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func deepGroups(n int) string {
	var b strings.Builder
	b.WriteString("all:\n")
	for i := 0; i < n; i++ {
		ind := strings.Repeat("  ", 2*i+1)
		fmt.Fprintf(&b, "%schildren:\n%s  g%d:\n", ind, ind, i)
	}
	return b.String()
}

// hugeList is a 16 MiB YAML file of a list of 8M items, the shape that
// made the environment parser take a minute and 1.7 GB.
func hugeList() []byte {
	const n = 8<<20 - 16
	var b strings.Builder
	b.Grow(2*n + 32)
	b.WriteString("all: {vars: {x: [0")
	for range n - 1 {
		b.WriteString(",0")
	}
	b.WriteString("]}}\n")
	return []byte(b.String())
}

// hostileFiles are 16 MiB files in each format, each refused by a bound.
func hostileFiles() map[string][]byte {
	list := hugeList()
	return map[string][]byte{
		"big.yml":  list,
		"big.json": []byte(`{"_meta": {}, "x": [` + strings.TrimPrefix(strings.TrimSuffix(string(list), "]}}\n"), "all: {vars: {x: [") + "]}"),
		"big":      []byte(strings.Repeat("0\n", 8<<20)),
	}
}

// TestHostileRefusedCheaply: a 16 MiB file is refused by a bound counted
// from its text, allocating almost nothing.
func TestHostileRefusedCheaply(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 16 MiB files")
	}
	for name, data := range hostileFiles() {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Parse(name, data)
		runtime.ReadMemStats(&after)
		var ie *Error
		require.True(t, errors.As(err, &ie), "%s: %v", name, err)
		assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "%s: bytes allocated to refuse it", name)
	}
}
