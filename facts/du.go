package facts

import (
	"fmt"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/textparse"
)

// DirSize is the disk use of dir in KiB (du -sk). du prints the size of
// what it could read and exits non-zero when part of the directory is
// unreadable: the value is then a lower bound, and Output.ExitCode says so.
func DirSize(dir string) *calyptos.Fact[int64] {
	return &calyptos.Fact[int64]{Name: "du " + dir, Command: "du -sk " + calyptos.ShellQuote(dir),
		Parse: func(o calyptos.Output) (int64, error) { return parseDU(o.Stdout) }}
}

// parseDU reads the first field of `du -sk PATH`: a size in KiB.
func parseDU(out string) (int64, error) {
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if n, ok := textparse.Atoi(f[0]); ok {
			return n, nil
		}
	}
	return 0, fmt.Errorf("du: %w", ErrNoData)
}
