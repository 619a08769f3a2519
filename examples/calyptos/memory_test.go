package main_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// memoryHosts and memoryBytes size the memory test: every host prints
// memoryBytes of NUL bytes (the worst case of JSON's escaping, \u0000),
// far beyond the executor's cap on what it keeps.
const (
	memoryHosts = 10
	memoryBytes = 50 << 20
)

// peakRSS runs the command and returns its peak resident set, in MiB.
func peakRSS(t *testing.T, args ...string) float64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := command(t, ctx, args...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	err := cmd.Run()
	if err != nil {
		require.Equal(t, 0, cmd.ProcessState.ExitCode(), "%v", err)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	require.True(t, ok)
	return float64(ru.Maxrss) / 1024 // Linux reports KiB
}

// TestExecuteOutputMemory: the JSON and JUnit documents of hosts that print
// far more than is kept cost no more memory than the text stream (within
// 1.5 times): the writers do not multiply what each host kept.
// CALYPTOS_MEMORY_BYTES overrides the size printed per host (the issue's
// figures are for 200 MB).
func TestExecuteOutputMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("prints hundreds of megabytes")
	}
	size := memoryBytes
	if s := os.Getenv("CALYPTOS_MEMORY_BYTES"); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(t, err)
		size = n
	}
	var hosts []string
	for i := range memoryHosts {
		hosts = append(hosts, fmt.Sprintf("127.0.0.%d", i+1))
	}
	env := writeFile(t, "many.yml", fmt.Sprintf(`default_attributes:
  eucalyptus:
    topology:
      clc: [127.0.0.1]
      user-facing: [127.0.0.1]
      clusters:
        one: {cc: [127.0.0.1], sc: [127.0.0.1], nodes: [%s]}
`, strings.Join(hosts, ", ")))
	command := fmt.Sprintf("head -c %d /dev/zero; head -c %d /dev/zero >&2", size, size)
	peak := map[string]float64{}
	for _, format := range []string{"text", "json", "junit"} {
		peak[format] = peakRSS(t, "execute", "--local", "-e", env, "-o", format, "--parallel", strconv.Itoa(memoryHosts), command)
	}
	t.Logf("peak RSS, %d hosts x %d MB on stdout and stderr: text %.0f MiB, json %.0f MiB, junit %.0f MiB",
		memoryHosts, size>>20, peak["text"], peak["json"], peak["junit"])
	assert.LessOrEqual(t, peak["json"], 1.5*peak["text"], "json")
	assert.LessOrEqual(t, peak["junit"], 1.5*peak["text"], "junit")
}
