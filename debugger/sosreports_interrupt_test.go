package debugger

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/internal/sshdtest"
	"github.com/org/calyptos/localexec"
	"github.com/org/calyptos/sshexec"
)

// stallingFetch is an executor whose fetches pass on their first bytes and
// then hang until their context ends, as a stuck SFTP transfer does.
type stallingFetch struct {
	calyptos.Executor
	local   *localexec.Executor
	once    sync.Once
	started chan struct{}
}

func (s *stallingFetch) Fetch(ctx context.Context, host, path string, dst io.Writer) error {
	var buf bytes.Buffer
	if err := s.local.Fetch(ctx, host, path, &buf); err != nil {
		return err
	}
	if _, err := dst.Write(buf.Bytes()[:buf.Len()/2]); err != nil {
		return err
	}
	s.once.Do(func() { close(s.started) })
	<-ctx.Done()
	return ctx.Err()
}

// bigSosArchive writes a plain tar sosreport archive with a secret and a
// text member of size bytes to file.
func bigSosArchive(t *testing.T, file string, size int) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	line := strings.Repeat("log line without anything to hide\n", 1)
	big := strings.Repeat(line, size/len(line))
	for _, m := range []struct{ name, body string }{
		{"sosreport-here/etc/eucalyptus/eucalyptus.conf", "DB_PASSWORD=\"" + sosSecret + "\"\n"},
		{"sosreport-here/var/log/big.log", big},
	} {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: m.name, Typeflag: tar.TypeReg, Mode: 0o600, Size: int64(len(m.body))}))
		_, err := tw.Write([]byte(m.body))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	require.NoError(t, os.WriteFile(file, buf.Bytes(), 0o600))
}

// TestSosreportsInterruptedLeavesNothing ends the run's context at each
// stage of a collection (sosreport running on the host, the archive
// being fetched, the archive being redacted): when the run returns, the
// host's sosreport directory is gone, and the artifacts directory holds
// no temporary or partial file.
func TestSosreportsInterruptedLeavesNothing(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no sh")
		}
		t.Skip("no sh")
	}
	tests := []struct {
		name  string
		sleep string // the stand-in sosreport's last command
		keep  bool
		stall bool
		// ready reports when to interrupt, from the artifacts directory.
		ready func(artifacts string, started chan struct{}) bool
	}{
		{name: "sosreport running", sleep: "touch $MARK; sleep 60", ready: func(string, chan struct{}) bool { return false }},
		{name: "fetch stuck", sleep: "true", stall: true, ready: func(_ string, started chan struct{}) bool {
			select {
			case <-started:
				return true
			default:
				return false
			}
		}},
		{name: "redacting", sleep: "true", keep: true, ready: func(artifacts string, _ chan struct{}) bool {
			m, _ := filepath.Glob(filepath.Join(artifacts, ".calyptos-redact-*"))
			return len(m) > 0
		}},
	}
	for _, transport := range []string{"local", "ssh"} {
		for _, tt := range tests {
			t.Run(transport+"/"+tt.name, func(t *testing.T) {
				interruptSos(t, transport, tt.sleep, tt.keep, tt.stall, tt.ready)
			})
		}
	}
}

// interruptSos runs one case of TestSosreportsInterruptedLeavesNothing.
func interruptSos(t *testing.T, transport, sleep string, keep, stall bool, ready func(string, chan struct{}) bool) {
	tt := struct {
		sleep       string
		keep, stall bool
		ready       func(string, chan struct{}) bool
	}{sleep, keep, stall, ready}
	{
		{
			var ex calyptos.Executor
			host, base := clc, t.TempDir()
			if transport == "ssh" {
				ex, host, base = sshTo(t)
			}
			bin, remoteTmp, artifacts := filepath.Join(base, "bin"), filepath.Join(base, "remote"), t.TempDir()
			for _, d := range []string{bin, remoteTmp} {
				require.NoError(t, os.Mkdir(d, 0o777))
				require.NoError(t, os.Chmod(d, 0o777)) // the test account's too
			}
			mark := filepath.Join(bin, "mark")
			src := filepath.Join(bin, "archive.tar")
			bigSosArchive(t, src, 64<<20)
			require.NoError(t, os.WriteFile(filepath.Join(bin, "sosreport"), []byte(`#!/bin/sh
while [ $# -gt 0 ]; do case "$1" in --tmp-dir) d=$2; shift ;; esac; shift; done
[ -n "$d" ] || exit 2
cp `+src+` "$d/sosreport-here-1.tar"
MARK=`+mark+`
`+tt.sleep+`
printf 'saved in:\n  %s\n' "$d/sosreport-here-1.tar"
`), 0o755))
			require.NoError(t, os.Chmod(src, 0o644))
			lx := localexec.New(localexec.Options{Env: append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))})
			if ex == nil {
				ex = lx
			}
			started := make(chan struct{})
			if tt.stall {
				ex = &stallingFetch{Executor: ex, local: lx, started: started}
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			go func() {
				for {
					_, err := os.Stat(mark)
					if err == nil || tt.ready(artifacts, started) {
						cancel()
						return
					}
					select {
					case <-ctx.Done():
						return
					case <-time.After(5 * time.Millisecond):
					}
				}
			}()
			rep, err := calyptos.RunDebuggers(ctx, calyptos.NewRoleBuilder(map[string][]string{eucalyptus.RoleCLC: {host}}), ex, []calyptos.Debugger{&EucalyptusSosreports{KeepUnredacted: tt.keep, RemoteTempDir: remoteTmp}},
				calyptos.RunOptions{ArtifactsDir: artifacts, CommandTimeout: time.Minute, Secrets: []string{sosSecret}})
			if err != nil {
				require.ErrorIs(t, err, context.Canceled)
			}
			require.NotNil(t, rep)
			require.Error(t, ctx.Err(), "the run was interrupted: %s", calyptostest.Dump(rep))
			res := rep.Check("eucalyptus_sosreports")
			for _, f := range res.Findings {
				assert.NotContains(t, f.Message, "abandoned", "the debugger returns promptly once interrupted")
			}
			left, err := os.ReadDir(remoteTmp)
			require.NoError(t, err)
			assert.Empty(t, left, "the host's sosreport directory is removed")
			require.NoError(t, filepath.WalkDir(artifacts, func(p string, d os.DirEntry, err error) error {
				if err == nil && p != artifacts && strings.HasPrefix(d.Name(), ".") {
					t.Errorf("left behind: %s", p)
				}
				return err
			}))
		}
	}
}

// sshTo starts sshd on loopback and returns an sshexec executor logged in
// to a fresh account whose PATH starts with ~/bin, the host to reach it
// as, and the account's home.
func sshTo(t *testing.T) (calyptos.Executor, string, string) {
	t.Helper()
	sshdtest.SkipIfUnavailable(t)
	srv := sshdtest.Start(t, sshdtest.Options{})
	rc := "PATH=$HOME/bin:$PATH; export PATH\n"
	a := sshdtest.CreateAccount(t, sshdtest.AccountOptions{Shell: "bash", Files: map[string]string{".bashrc": rc, ".profile": rc, ".bash_profile": rc}})
	require.NoError(t, os.Chmod(a.Home, 0o755))
	ex, err := sshexec.New(sshexec.Options{User: a.Name, IdentityFiles: []string{srv.ClientKeyFile},
		KnownHostsFiles: []string{srv.KnownHostsFile}, DisableAgent: true, DisableSSHConfig: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = ex.Close() })
	return ex, srv.Addr, a.Home
}
