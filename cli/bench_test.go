package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchEnv writes an environment file with n node controllers on loopback
// addresses.
func benchEnv(b *testing.B, n int) string {
	nodes := make([]string, n)
	for i := range nodes {
		nodes[i] = fmt.Sprintf("127.0.%d.%d", 1+i/250, 1+i%250)
	}
	text := fmt.Sprintf(`name: bench
default_attributes:
  eucalyptus:
    topology:
      clc: [127.0.0.1]
      user-facing: [127.0.0.1]
      clusters:
        one: {cc: [127.0.0.1], sc: [127.0.0.1], nodes: [%s]}
`, strings.Join(nodes, ", "))
	path := filepath.Join(b.TempDir(), "env.yml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkExecuteLocal runs `execute --local true` over 50 hosts, 8 at a
// time: the cost of the command line's fan-out and output around
// localexec's process starts.
func BenchmarkExecuteLocal(b *testing.B) {
	env := benchEnv(b, 50)
	p := &Program{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	for b.Loop() {
		if code := p.Run(context.Background(), []string{"execute", "--local", "-e", env, "--parallel", "8", "true"}); code != ExitOK {
			b.Fatalf("exit %d", code)
		}
	}
}

// BenchmarkValidateOffline runs the offline built-in validators over a
// 500-host file, as `validate --skip pinghosts,repos -o json` does.
func BenchmarkValidateOffline(b *testing.B) {
	env := benchEnv(b, 500)
	p := &Program{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	for b.Loop() {
		if code := p.Run(context.Background(), []string{"validate", "-e", env, "--skip", "pinghosts,repos", "-o", "json"}); code > ExitFailed {
			b.Fatalf("exit %d", code)
		}
	}
}
