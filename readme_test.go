package calyptos_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
)

// goBlocks returns the ```go blocks of a Markdown file.
func goBlocks(t *testing.T, file string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	var out []string
	for _, m := range regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(data), -1) {
		out = append(out, m[1])
	}
	return out
}

// TestREADMESnippets builds the Go blocks of README.md, as they are
// written, into one program of their own module (the module replaced by
// this checkout), and runs it against a deployment whose one host refuses
// connections: the snippet that said "the context ended; rep holds what
// ran" for a nil report, and never printed the summary, is now run.
func TestREADMESnippets(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	blocks := goBlocks(t, "README.md")
	require.NotEmpty(t, blocks)
	root, err := os.Getwd()
	require.NoError(t, err)
	src := t.TempDir()
	for i, b := range blocks {
		require.True(t, strings.HasPrefix(b, "package main\n"), "README Go block %d is a whole file of package main", i+1)
		require.NoError(t, os.WriteFile(filepath.Join(src, fmt.Sprintf("readme%d.go", i+1)), []byte(b), 0o600))
	}
	sum, err := os.ReadFile("go.sum")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(src, "go.sum"), sum, 0o600))
	mod := fmt.Sprintf("module readme\n\ngo 1.25.0\n\nrequire github.com/org/calyptos v0.0.0\n\nreplace github.com/org/calyptos => %s\n", root)
	require.NoError(t, os.WriteFile(filepath.Join(src, "go.mod"), []byte(mod), 0o600))

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	prog := filepath.Join(t.TempDir(), "readme")
	build := exec.CommandContext(ctx, goTool, "build", "-o", prog, ".")
	build.Dir = src
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build of the README's Go blocks:\n%s", out)

	// The run's directory holds environment.yml and the key the snippet
	// names, "~/.ssh/id_ed25519": at HOME, and at the literal path too, so
	// that the run does not depend on sshexec expanding "~".
	dir := t.TempDir()
	home := filepath.Join(dir, "~")
	require.NoError(t, os.MkdirAll(filepath.Join(home, ".ssh"), 0o700))
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	block, err := ssh.MarshalPrivateKey(priv, "")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(home, ".ssh", "id_ed25519"), pem.EncodeToMemory(block), 0o600))
	env := "default_attributes:\n  eucalyptus:\n    topology:\n      clc: 127.0.0.1:1\n      user-facing: 127.0.0.1:1\n" +
		"      clusters:\n        one: {cc: 127.0.0.1:1, sc: 127.0.0.1:1, nodes: 127.0.0.1:1}\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "environment.yml"), []byte(env), 0o600))

	run := exec.CommandContext(ctx, prog)
	run.Dir = dir
	run.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "NO_COLOR=1"}
	out, err = run.CombinedOutput()
	require.NoError(t, err, "the README program:\n%s", out)
	assert.Contains(t, string(out), "[DEBUG STARTING      ] uptime")
	assert.Contains(t, string(out), "127.0.0.1:1: cannot run commands")
	assert.Contains(t, string(out), "Total failed: ")
	junit, err := os.ReadFile(filepath.Join(dir, "calyptos-junit.xml"))
	require.NoError(t, err)
	assert.Contains(t, string(junit), "<testsuites")
}
