package factbatch

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// matching lists "PID STATE" for every live process whose command line
// contains pattern. Zombies (empty command line) do not match.
func matching(pattern string) []string {
	var found []string
	paths, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil || !bytes.Contains(bytes.ReplaceAll(b, []byte{0}, []byte{' '}), []byte(pattern)) {
			continue
		}
		dir := filepath.Dir(p)
		stat, _ := os.ReadFile(filepath.Join(dir, "stat"))
		state := "?"
		if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) {
			state = string(stat[i+2])
		}
		found = append(found, filepath.Base(dir)+" "+state)
	}
	return found
}

// assertGone checks that no process whose command line contains pattern is
// left. A process sent SIGKILL may take a moment to exit on a loaded machine,
// so it waits up to five seconds; one still there then (stopped, or never
// sent the signal) is a leak: reported with its state, then killed.
func assertGone(t *testing.T, pattern, what string) bool {
	t.Helper()
	var left []string
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if left = matching(pattern); len(left) == 0 || time.Now().After(deadline) {
			break
		}
	}
	for _, l := range left {
		if pid, err := strconv.Atoi(strings.Fields(l)[0]); err == nil {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	return assert.Empty(t, left, fmt.Sprintf("%s: processes left (PID, state)", what))
}
