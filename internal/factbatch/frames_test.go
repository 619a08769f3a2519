package factbatch

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The cat that prints the frames is given no empty stdout or stderr file
// (it would print nothing of it, at the cost of a file), and the results
// are the same: a fact's empty stream still reads as empty, next to a
// fact that prints on both.
func TestScriptFramesSkipEmptyFiles(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "args")
	real, err := exec.LookPath("cat")
	require.NoError(t, err)
	fake := "#!/bin/sh\nprintf '%s\\n' \"$@\" >>'" + log + "'\nexec '" + real + "' \"$@\"\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cat"), []byte(fake), 0o755))
	cmds := []Cmd{
		{Command: "true", Seconds: 5, Cap: 100},
		{Command: "echo out; echo err >&2", Seconds: 5, Cap: 100},
		{Command: "echo only-err >&2", Seconds: 5, Cap: 100},
	}
	for _, name := range reviewShells {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, os.RemoveAll(log))
			res := runEnding(t, name, cmds, Script(testBoundary, cmds), "PATH="+dir+":"+os.Getenv("PATH"))
			require.Len(t, res, 3)
			assert.Equal(t, Result{}, untimed(res[0]))
			assert.Equal(t, Result{Stdout: "out\n", Stderr: "err\n"}, untimed(res[1]))
			assert.Equal(t, Result{Stderr: "only-err\n"}, untimed(res[2]))
			args, err := os.ReadFile(log)
			require.NoError(t, err, "the frames' cat ran")
			assert.Equal(t, []string{"0.status", "marker", "marker", "marker",
				"1.status", "marker", "1.out", "marker", "1.err", "marker",
				"2.status", "marker", "marker", "2.err", "marker"}, strings.Fields(string(args)))
		})
	}
}
