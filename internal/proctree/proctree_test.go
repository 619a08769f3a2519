package proctree

import (
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDescendants(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	cmd := exec.Command("sh", "-c", "sleep 30 & sleep 30 & wait")
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		for _, p := range Descendants(cmd.Process.Pid) {
			_ = (&os.Process{Pid: p}).Kill()
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	assert.Eventually(t, func() bool { return len(Descendants(cmd.Process.Pid)) == 2 }, 5e9, 1e7, "the two sleeps")
	assert.Empty(t, Descendants(-1))
}
