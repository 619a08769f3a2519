package cli

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos/calyptostest"
)

// TestConnectTimeoutFlag: --connect-timeout reaches the SSH transport,
// apart from --timeout, and is refused when not positive or with --local.
func TestConnectTimeoutFlag(t *testing.T) {
	env := writeEnv(t, twoHosts)
	h := newHarness(t, nil, nil)
	h.withSSH(func(_ SSHConfig, e *calyptostest.Executor) {
		e.On("127.0.0.1", "true")
		e.On("127.0.0.2", "true")
	})
	require.Equal(t, ExitOK, h.run("execute", "-e", env, "--connect-timeout", "3s", "--timeout", "1s", "true"))
	require.NotEmpty(t, h.sshCalls)
	assert.Equal(t, 3*time.Second, h.sshCalls[len(h.sshCalls)-1].ConnectTimeout)
	assert.Equal(t, time.Second, h.sshCalls[len(h.sshCalls)-1].Timeout)

	require.Equal(t, ExitOK, h.run("execute", "-e", env, "true"))
	assert.Zero(t, h.sshCalls[len(h.sshCalls)-1].ConnectTimeout, "unset: the transport's default")

	for _, args := range [][]string{
		{"--connect-timeout", "0s"},
		{"--connect-timeout", "-1s"},
		{"--local", "--connect-timeout", "5s"},
	} {
		assert.Equal(t, ExitUsage, h.run(append(append([]string{"execute", "-e", env}, args...), "true")...), args)
	}
	require.Equal(t, ExitOK, h.run("execute", "-h"))
	assert.Contains(t, h.stdout.String(), "--connect-timeout")
}
