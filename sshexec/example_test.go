package sshexec_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/sshdtest"
	"github.com/org/calyptos/sshexec"
)

// A typical setup: key file and agent, strict host keys, one bastion.
// (This example has no server to reach, so it is compiled but not run;
// TestExampleFlow runs the same calls against a real sshd.)
func ExampleNew() {
	home, _ := os.UserHomeDir()
	exec, err := sshexec.New(sshexec.Options{
		User:          "admin",
		IdentityFiles: []string{filepath.Join(home, ".ssh", "id_ed25519")},
		Passphrase: func(file string) ([]byte, error) {
			return []byte(os.Getenv("KEY_PASSPHRASE")), nil
		},
		JumpHost: "admin@bastion.example.com",
		Hosts: map[string]sshexec.HostOptions{
			"10.0.0.5": {User: "ec2-user"},
		},
		MaxOutput: 1 << 20,
		Logger:    slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer exec.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.Run(ctx, "10.0.0.5", "systemctl is-active eucalyptus-cloud")
	switch {
	case errors.Is(err, calyptos.ErrTransport):
		log.Fatalf("host unreachable: %v", err) // dial, host key or auth failure
	case err != nil:
		log.Fatalf("command did not complete: %v", err) // deadline, dropped connection
	case out.ExitCode != 0:
		fmt.Printf("not active (exit %d): %s", out.ExitCode, out.Stdout)
	}

	// Collect a log file next to the report.
	art, err := exec.FetchFile(ctx, "10.0.0.5", "/var/log/eucalyptus/cloud-output.log", "artifacts", "")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("saved", art.Path, art.Bytes, "bytes")
}

// TestExampleFlow does what ExampleNew shows, against a real sshd.
func TestExampleFlow(t *testing.T) {
	t.Parallel()
	bastion := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.60"}})
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.1.61"}})
	require.NoError(t, bastion.AuthorizeKey(srv.ClientSigner.PublicKey()))
	logFile := filepath.Join(t.TempDir(), "cloud-output.log")
	require.NoError(t, os.WriteFile(logFile, []byte("started\n"), 0o600))

	exec, err := sshexec.New(sshexec.Options{
		User:             srv.User,
		IdentityFiles:    []string{srv.ClientKeyFile},
		KnownHostsFiles:  []string{srv.KnownHostsFile, bastion.KnownHostsFile},
		JumpHost:         bastion.User + "@" + bastion.Addr,
		Hosts:            map[string]sshexec.HostOptions{"cloud": {HostName: srv.Host, Port: srv.Port}},
		MaxOutput:        1 << 20,
		DisableSSHConfig: true,
		DisableAgent:     true,
	})
	require.NoError(t, err)
	defer exec.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.Run(ctx, "cloud", "echo active; exit 3")
	require.NoError(t, err)
	assert.Equal(t, calyptos.Output{Stdout: "active\n", ExitCode: 3}, out)

	dir := t.TempDir()
	art, err := exec.FetchFile(ctx, "cloud", logFile, dir, "")
	require.NoError(t, err)
	assert.Equal(t, calyptos.Artifact{Host: "cloud", Remote: logFile, Path: filepath.Join(dir, "cloud-output.log"), Bytes: 8}, art)
	assert.Equal(t, 1, bastion.Handshakes())
}
