package sshexec

import "strings"

// How a script reaches a POSIX /bin/sh whatever the login shell is.
//
// sshd runs every command as `$SHELL -c LINE`, and the login shell (bash,
// dash, zsh, ksh, busybox sh, but also tcsh, csh or fish) parses LINE by
// its own rules. loginLine makes a LINE that all of them read alike:
//
//	exec /bin/sh -c 'DECODER' sh 'ENCODED'
//
// Inside single quotes fish still treats \\ and \' as escapes, and csh and
// tcsh treat ! and newline specially; everything else is literal in every
// one of these shells. So neither DECODER nor ENCODED holds a ', a !, a
// newline, or a backslash that is not followed by an octal digit: ENCODED is
// the script written as a printf format, with every byte outside printable
// ASCII, and ' ! \ themselves, as an octal escape (\047) and % doubled.
// /bin/sh decodes it with its own printf and runs it with eval, in the
// process the login shell became: the login shell starts once, reads its
// rc files once, and what it exported is the script's environment.
//
// DECODER first writes shMarker on stderr. A session that ends without it
// never reached /bin/sh: the login shell refused to run the line (nologin,
// /bin/false, an rc file that exits, a restricted shell), and what it wrote
// is the only explanation there is (see ErrLoginShell).

// shMarker is what /bin/sh writes on stderr before it runs anything; the
// client strips it (markerFilter). Printable, with no character that the
// login shell or printf would read specially.
const shMarker = "[sshexec: /bin/sh started 5f3a9c1e]"

// decoder is the script /bin/sh runs first: it announces itself, then
// decodes its first argument and runs it in the same shell. Its $0 is
// "sh", as for `sh -c`; $1 stays the encoded script, so that the reaper
// can run it again under setsid.
const decoder = `printf "` + shMarker + `\n" >&2; eval "$(printf "$1")"`

// loginLine returns the line given to the login shell that runs script
// under /bin/sh (see above). script must not start with '-' (printf would
// take it for an option); the scripts of this package never do.
func loginLine(script string) string {
	var b strings.Builder
	const head = "exec /bin/sh -c '" + decoder + "' sh '"
	b.Grow(len(head) + len(script) + len(script)/8 + 1)
	b.WriteString(head)
	encode(&b, script)
	b.WriteByte('\'')
	return b.String()
}

// encode writes s as a printf format that prints s, using only bytes that
// every login shell keeps as they are inside single quotes.
func encode(b *strings.Builder, s string) {
	const octal = "01234567"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			b.WriteString("%%")
		case c < 0x20 || c > 0x7e || c == '\'' || c == '!' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(octal[c>>6])
			b.WriteByte(octal[c>>3&7])
			b.WriteByte(octal[c&7])
		default:
			b.WriteByte(c)
		}
	}
}

// maxArgLen is the longest single argument Linux passes to a program
// (MAX_ARG_STRLEN, with 4 KiB pages, less its final NUL): sshd gives the
// login shell the whole line as one argument. Past it the line cannot run
// on most hosts; an error about it says so.
const maxArgLen = 128<<10 - 1
