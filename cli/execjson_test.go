package cli

import (
	"encoding/json"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos/calyptostest"
)

// TestExecuteJSONEscapesC1: encoding/json leaves the C1 controls
// (U+0080 to U+009F) as they are, and a terminal showing the document
// takes U+009B for CSI: they are written as \u00XX escapes, so the
// document decodes to the same text and drives no terminal.
func TestExecuteJSONEscapesC1(t *testing.T) {
	const payload = "a\u009b2J\u0085b ¢ é \u009d0;pwned\u009c"
	env := writeEnv(t, twoHosts)
	h := newHarness(t, nil, nil)
	h.withSSH(func(_ SSHConfig, e *calyptostest.Executor) {
		e.OnMatch("", ".").Stdout(payload).Stderr(payload + "\u0080")
	})
	require.Equal(t, ExitOK, h.run("execute", "-e", env, "-o", "json", "true"))
	out := h.stdout.String()
	assert.NotRegexp(t, regexp.MustCompile("\u0080|[\u0081-\u009f]"), out)
	assert.Contains(t, out, `a\u009b2J\u0085b ¢ é \u009d0;pwned\u009c`)
	var res ExecResult
	require.NoError(t, json.Unmarshal(h.stdout.Bytes(), &res))
	require.Len(t, res.Hosts, 2)
	assert.Equal(t, payload, res.Hosts[0].Stdout)
	assert.Equal(t, payload+"\u0080", res.Hosts[1].Stderr)
}
