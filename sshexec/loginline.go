package sshexec

import "strings"

// How a script reaches a POSIX /bin/sh whatever the login shell is.
//
// sshd runs every command as `$SHELL -c LINE`, and the login shell (bash,
// dash, zsh, ksh, busybox sh, but also tcsh, csh or fish) parses LINE by
// its own rules. loginLine makes a LINE that all of them read alike:
//
//	exec /bin/sh -c 'DECODER' sh 'CODE' 'ARG'...
//
// Inside single quotes fish still treats \\ and \' as escapes, and csh and
// tcsh treat ! and newline specially; everything else is literal in every
// one of these shells. So no word of the line holds a ', a !, a newline, a
// backslash before another or at its end (plain): CODE is one of this
// package's own scripts, written so, and an ARG that is not plain (a
// command with quotes or newlines) goes encoded, as a printf format where every byte
// outside printable ASCII, and ' ! \ themselves, is an octal escape (\047)
// and % is doubled; CODE decodes it with /bin/sh's own printf. /bin/sh
// runs CODE with eval, in the process the login shell became: the login
// shell starts once, reads its rc files once, and what it exported is the
// environment of what follows.
//
// DECODER first writes shMarker on stderr. A session that ends without it
// never reached /bin/sh: the login shell refused to run the line (nologin,
// /bin/false, an rc file that exits, a restricted shell), and what it wrote
// is the only explanation there is (see ErrLoginShell).

// shMarker is what /bin/sh writes on stderr before it runs anything; the
// client strips it (markerFilter). Plain, with no % for printf.
const shMarker = "[sshexec: /bin/sh started 5f3a9c1e]"

// decoder is the script /bin/sh runs first: it announces itself, then
// runs CODE, its $1, in the same shell. Its $0 is "sh", as for `sh -c`.
const decoder = `printf "` + shMarker + `\n" >&2; eval "$1"`

// loginLine returns the line given to the login shell that runs code under
// /bin/sh with args as its positional parameters ($1 is code itself). Code
// and args must be plain.
func loginLine(code string, args ...string) string {
	n := len(code) + 64 + len(decoder)
	for _, a := range args {
		n += len(a) + 3
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString("exec /bin/sh -c '" + decoder + "' sh '")
	b.WriteString(code)
	b.WriteByte('\'')
	for _, a := range args {
		b.WriteString(" '")
		b.WriteString(a)
		b.WriteByte('\'')
	}
	return b.String()
}

// plain reports whether s can go inside single quotes as it is: printable
// ASCII but for ' and !, with no backslash before another backslash or at
// the end (fish would read \\ or \' there).
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e || c == '\'' || c == '!':
			return false
		case c == '\\' && (i+1 == len(s) || s[i+1] == '\\'):
			return false
		}
	}
	return true
}

// encoded returns s as a plain printf format that prints s: octal escapes
// for the bytes that are not plain and for a leading '-' (printf would
// take it for an option), and % doubled.
func encoded(s string) string {
	const octal = "01234567"
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			b.WriteString("%%")
		case c < 0x20 || c > 0x7e || c == '\'' || c == '!' || c == '\\' || (i == 0 && c == '-'):
			b.WriteByte('\\')
			b.WriteByte(octal[c>>6])
			b.WriteByte(octal[c>>3&7])
			b.WriteByte(octal[c&7])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// maxArgLen is the longest single argument Linux passes to a program
// (MAX_ARG_STRLEN, with 4 KiB pages, less its final NUL): sshd gives the
// login shell the whole line as one argument. Past it the line cannot run
// on most hosts; an error about it says so.
const maxArgLen = 128<<10 - 1
