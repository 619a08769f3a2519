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
	"github.com/org/calyptos/localexec"
)

// stallingFetch is localexec whose fetches pass on their first bytes and
// then hang until their context ends, as a stuck SFTP transfer does.
type stallingFetch struct {
	*localexec.Executor
	once    sync.Once
	started chan struct{}
}

func (s *stallingFetch) Fetch(ctx context.Context, host, path string, dst io.Writer) error {
	var buf bytes.Buffer
	if err := s.Executor.Fetch(ctx, host, path, &buf); err != nil {
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
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin := t.TempDir()
			mark := filepath.Join(bin, "mark")
			src := filepath.Join(bin, "archive.tar")
			bigSosArchive(t, src, 64<<20)
			require.NoError(t, os.WriteFile(filepath.Join(bin, "sosreport"), []byte(`#!/bin/sh
while [ $# -gt 0 ]; do case "$1" in --tmp-dir) d=$2; shift ;; esac; shift; done
[ -n "$d" ] || exit 2
cp `+src+` "$d/sosreport-here-1.tar"
`+tt.sleep+`
printf 'saved in:\n  %s\n' "$d/sosreport-here-1.tar"
`), 0o755))
			remoteTmp, artifacts := t.TempDir(), t.TempDir()
			var ex calyptos.Executor = localexec.New(localexec.Options{Env: append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "MARK="+mark)})
			started := make(chan struct{})
			if tt.stall {
				ex = &stallingFetch{Executor: ex.(*localexec.Executor), started: started}
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
			rep, err := calyptos.RunDebuggers(ctx, clcRoles(), ex, []calyptos.Debugger{&EucalyptusSosreports{KeepUnredacted: tt.keep}},
				calyptos.RunOptions{ArtifactsDir: artifacts, CommandTimeout: time.Minute, Secrets: []string{sosSecret}})
			if err != nil {
				require.ErrorIs(t, err, context.Canceled)
			}
			require.NotNil(t, rep)
			require.Error(t, ctx.Err(), "the run was interrupted")
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
		})
	}
}
