package calyptos_test

import (
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
)

func TestShellQuoteRoundTripsThroughSh(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on this machine")
	}
	for _, s := range []string{"", "plain", "192.0.2.1", "a b", "it's", `"$(rm -rf /)"`, "`id`", "a;b|c&d", "*", "~root", "new\nline", "-n", "'''", `\`} {
		out, err := exec.Command(sh, "-c", "printf %s "+calyptos.ShellQuote(s)).Output()
		require.NoError(t, err, "quoting %q", s)
		assert.Equal(t, s, string(out))
	}
	assert.Equal(t, "192.0.2.1", calyptos.ShellQuote("192.0.2.1"), "safe words stay readable")
}
