// Package shellfile prepares the shell files the library embeds (the
// gathering script, the services fact, the reachability probe) for sending
// to hosts.
package shellfile

import "strings"

// Code returns the shell file src without its blank lines and its
// full-line comments, which every host would be sent and read, except
// shellcheck's directives ("# shellcheck ..."), so that what is sent can
// be checked too. A comment after code on a line is kept. src must hold
// no quoted text with a line that is blank or starts with #: it would go.
func Code(src string) string {
	var b strings.Builder
	b.Grow(len(src) / 2)
	for line := range strings.Lines(src) {
		code := strings.TrimLeft(line, " \t")
		if code == "\n" || code == "" || (strings.HasPrefix(code, "#") && !strings.HasPrefix(code, "# shellcheck ")) {
			continue
		}
		b.WriteString(line)
	}
	return b.String()
}
