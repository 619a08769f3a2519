package facts

import (
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/textparse"
)

// FileOwners is the owner, group and mode of each path (stat -c '%U %G
// %a %n'). A path stat could not read is missing from the value; its error
// is in Output.Stderr.
// It is a member of the stat family: every FileOwners fact of a run is
// gathered on a host with one stat for all the paths they ask.
func FileOwners(paths ...string) *calyptos.Fact[[]FileOwner] {
	return &calyptos.Fact[[]FileOwner]{Name: "stat " + quoteAll(paths), Command: statCommand(sortedKeys(paths)),
		Family: statFamily(), Keys: paths,
		Parse: func(o calyptos.Output) ([]FileOwner, error) { return parseStat(o.Stdout), nil }}
}

// statCommand is one stat for every path.
func statCommand(paths []string) string { return "stat -c '%U %G %a %n' -- " + quoteAll(paths) }

// FileOwner is one line of `stat -c '%U %G %a %n'`.
type FileOwner struct {
	User, Group, Mode, Path string
}

// parseStat reads `stat -c '%U %G %a %n' PATH...`.
func parseStat(out string) []FileOwner {
	var fs []FileOwner
	for _, l := range parseStatLines(out) {
		fs = append(fs, l.owner)
	}
	return fs
}

// statLine is one line of stat's output that parses, with its text.
type statLine struct {
	owner FileOwner
	line  string
}

func parseStatLines(out string) []statLine {
	var ls []statLine
	for line := range strings.Lines(out) {
		f := strings.SplitN(strings.TrimRight(line, "\r\n"), " ", 4)
		if len(f) != 4 || f[0] == "" || !strings.HasPrefix(f[3], "/") || !textparse.IsDigits(f[2]) {
			continue
		}
		ls = append(ls, statLine{FileOwner{User: f[0], Group: f[1], Mode: f[2], Path: f[3]}, line})
	}
	return ls
}
