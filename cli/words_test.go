package cli

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A mistyped flag gets the nearest flag name as a suggestion.
func TestUnknownFlagSuggestsNearest(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"debug", "-locl"}, "flag provided but not defined: -locl (did you mean --local?)"},
		{[]string{"debug", "--artifact", "x"}, "(did you mean --artifacts?)"},
		{[]string{"validate", "--skp", "x"}, "(did you mean --skip?)"},
		{[]string{"execute", "--tiemout", "2"}, "(did you mean --timeout?)"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			h := newHarness(t, nil, nil)
			assert.Equal(t, ExitUsage, h.run(tt.args...))
			assert.Contains(t, h.stderr.String(), tt.want)
		})
	}
	h := newHarness(t, nil, nil)
	h.run("debug", "--frobnicate")
	assert.NotContains(t, h.stderr.String(), "did you mean", "nothing near enough")
}

// The README's command list and the CLI's commands are the same.
func TestREADMEListsEveryCommand(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	_, after, ok := strings.Cut(string(data), "## Try it: the example CLI")
	require.True(t, ok, "README has its CLI section")
	block := regexp.MustCompile("(?s)```\n(.*?)```").FindStringSubmatch(after)
	require.NotNil(t, block, "the CLI section has a command list")
	var listed []string
	for line := range strings.Lines(block[1]) {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "calyptos" {
			listed = append(listed, f[1])
		}
	}
	var cmds []string
	for _, c := range (&Program{}).commands() {
		cmds = append(cmds, c.name)
	}
	slices.Sort(listed)
	slices.Sort(cmds)
	assert.Equal(t, cmds, listed, "README's command list")

	layout := regexp.MustCompile("(?m)^\\| `cli/`.*\\((.*?)\\)").FindStringSubmatch(string(data))
	require.NotNil(t, layout, "README's layout row of cli/")
	for _, c := range cmds {
		if c != "version" {
			assert.Contains(t, layout[1], "`"+c+"`", "README's layout row of cli/")
		}
	}
}
