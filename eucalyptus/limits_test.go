package eucalyptus_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/eucalyptus"
)

// hugeList is a 16 MiB file of a list of 8M items, the file that took
// 8.8 s and 1.9 GB to accept (80 s and 1.7 GB on a loaded test machine).
func hugeList() []byte {
	const n = 8<<20 - 16
	var b strings.Builder
	b.Grow(2*n + 32)
	b.WriteString("default_attributes: {x: [0")
	for range n - 1 {
		b.WriteString(",0")
	}
	b.WriteString("]}\n")
	return []byte(b.String())
}

// TestEnvironmentBounds: a file was parsed whatever it held, so a few
// megabytes of list items or of hosts took seconds and gigabytes.
func TestEnvironmentBounds(t *testing.T) {
	block := "default_attributes:\n  x:\n" + strings.Repeat("  - 0\n", 250_000)
	hosts := "default_attributes:\n  eucalyptus:\n    topology:\n      clc: 10.0.0.1\n      user-facing: 10.0.0.1\n      clusters:\n" +
		"        a: {cc: 10.0.0.1, sc: 10.0.0.1, nodes: \"" + strings.Repeat("h ", 150_000) + "\"}\n"
	bad := "default_attributes:\n  eucalyptus:\n    topology:\n      clc: 10.0.0.1\n      user-facing: 10.0.0.1\n      clusters:\n" +
		"        a: {cc: 10.0.0.1, sc: 10.0.0.1, nodes: \"" + strings.Repeat("-h ", 1000) + "\"}\n"
	tests := []struct {
		name, data, want string
		problems         int
	}{
		{"flow list", "default_attributes: {x: [" + strings.Repeat("0,", 150_000) + "0]}\n", "big.yml:1:200017: more than 200000 YAML nodes by here", 1},
		{"block list", block, "big.yml:199998:3: more than 200000 YAML nodes by here", 1},
		{"hosts in one string", hosts, "big.yml:7:200041: nodes: more than 100000 hosts by here", 1},
		{"problems", bad, "more than 100 problems: the rest are not listed", 101},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := eucalyptus.Parse("big.yml", []byte(tt.data))
			require.Error(t, err)
			assert.ErrorIs(t, err, eucalyptus.ErrInvalidEnvironment)
			assert.Contains(t, err.Error(), tt.want)
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				assert.Len(t, j.Unwrap(), tt.problems)
			}
		})
	}
}

// TestHugeListRefusedCheaply parses the 16 MiB file of 8M list items and
// bounds the memory its refusal allocates (the old code took 1.9 GB).
func TestHugeListRefusedCheaply(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 16 MiB file")
	}
	data := hugeList()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := eucalyptus.Parse("big.yml", data)
	runtime.ReadMemStats(&after)
	var envErr *eucalyptus.EnvError
	require.ErrorAs(t, err, &envErr)
	assert.Equal(t, calyptos.Position{File: "big.yml", Line: 1, Column: 200_017}, envErr.Pos)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "bytes allocated to refuse it")
}

// BenchmarkHugeListRefused times the refusal of the 16 MiB, 8M-item file.
func BenchmarkHugeListRefused(b *testing.B) {
	data := hugeList()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := eucalyptus.Parse("big.yml", data); err == nil {
			b.Fatal("accepted")
		}
	}
}

// TestLoadRefusesNonRegularFiles: a FIFO as the environment
// file blocked its open forever (and the CLI's first Ctrl-C with it).
func TestLoadRefusesNonRegularFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "env.fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	big := filepath.Join(dir, "big.yml")
	require.NoError(t, os.WriteFile(big, append(hugeList(), strings.Repeat("#", 64)...), 0o600))
	tests := []struct{ path, want string }{
		{fifo, "environment file " + fifo + " is a named pipe (FIFO), not a regular file"},
		{dir, "environment file " + dir + " is a directory, not a regular file"},
		{"/dev/zero", "environment file /dev/zero is a device, not a regular file"},
		{big, "environment file " + big + " is larger than 16 MiB: is it the right file?"},
	}
	for _, tt := range tests {
		done := make(chan error, 1)
		go func() {
			_, err := eucalyptus.Load(tt.path)
			done <- err
		}()
		select {
		case err := <-done:
			assert.ErrorIs(t, err, eucalyptus.ErrInvalidEnvironment, tt.path)
			assert.ErrorContains(t, err, tt.want)
		case <-time.After(10 * time.Second):
			// Unblock the open so the goroutine ends.
			if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
				f.Close()
			}
			t.Fatalf("Load(%s) still blocked after 10 s", tt.path)
		}
	}
	_, err := eucalyptus.Load(filepath.Join(dir, "missing.yml"))
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.False(t, errors.Is(err, eucalyptus.ErrInvalidEnvironment))
}
