package factbatch

import (
	"strconv"
	"strings"
)

// Decode reads back the boundary and commands of a script made by Script;
// ok is false for any other command. The fake executor uses it.
func Decode(script string) (boundary string, cmds []Cmd, ok bool) {
	rest, ok := strings.CutPrefix(script, ": "+header+"\ngather_boundary=")
	if !ok {
		return "", nil, false
	}
	boundary, rest, _ = strings.Cut(rest, "\n")
	if _, rest, ok = strings.Cut(rest, "\ngather_begin "); !ok {
		return "", nil, false
	}
	var count int
	if _, rest, ok = number(rest, " "); !ok {
		return "", nil, false
	}
	if count, rest, ok = number(rest, " "); !ok || count < 0 {
		return "", nil, false
	}
	if _, rest, ok = number(rest, " "); !ok {
		return "", nil, false
	}
	if _, rest, ok = number(rest, "\n"); !ok {
		return "", nil, false
	}
	rest = "\n" + rest
	for i := range count {
		at := strings.Index(rest, "\ngather_fact "+strconv.Itoa(i)+" ")
		if at < 0 {
			return "", nil, false
		}
		rest = rest[at+len("\ngather_fact "+strconv.Itoa(i)+" "):]
		var c Cmd
		if c.Seconds, rest, ok = number(rest, " "); !ok {
			return "", nil, false
		}
		if c.Cap, rest, ok = number(rest, " "); !ok {
			return "", nil, false
		}
		cmd, n, ok := unquote(rest)
		if !ok || !strings.HasPrefix(rest[n:], "\n") {
			return "", nil, false
		}
		c.Command, rest = cmd, rest[n:]
		cmds = append(cmds, c)
	}
	return boundary, cmds, true
}

// number reads a decimal number at the start of s, up to sep, and returns
// it and what follows sep.
func number(s, sep string) (int, string, bool) {
	w, rest, ok := strings.Cut(s, sep)
	n, err := strconv.Atoi(w)
	return n, rest, ok && err == nil
}

// unquote reads one word quoted by quote at the start of s and returns it
// and the bytes it took.
func unquote(s string) (string, int, bool) {
	var b strings.Builder
	pos := 0
	for {
		if pos >= len(s) || s[pos] != '\'' {
			return "", 0, false
		}
		j := strings.IndexByte(s[pos+1:], '\'')
		if j < 0 {
			return "", 0, false
		}
		b.WriteString(s[pos+1 : pos+1+j])
		pos += j + 2
		if !strings.HasPrefix(s[pos:], `\''`) {
			return b.String(), pos, true
		}
		b.WriteByte('\'')
		pos += 2
	}
}

// fakeMarker is the marker Encode writes, as a host would write a random
// one.
const fakeMarker = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"

// Encode writes the output a host gives for Script(boundary, cmds) when
// its commands produced results (stdout and stderr cut at its command's
// Cap plus one byte, as the host does). The fake executor uses it.
func Encode(boundary string, cmds []Cmd, results []Result) string {
	var b strings.Builder
	marker := fakeMarker
	n := 64
	for _, r := range results {
		n += len(r.Stdout) + len(r.Stderr) + 3*len(marker) + 8
	}
	b.Grow(n)
	b.WriteString(boundary + " data " + marker + " 0 unlimited\n")
	for _, i := range wireOrder(cmds) {
		if i >= len(results) {
			continue
		}
		r := results[i]
		t := "0"
		if r.TimedOut {
			t = "1"
		}
		c := max(1, cmds[i].Cap) + 1
		o, e := r.Stdout[:min(len(r.Stdout), c)], r.Stderr[:min(len(r.Stderr), c)]
		for _, x := range []string{strconv.Itoa(r.ExitCode) + " " + t + "\n", o, e} {
			b.WriteString(x)
			b.WriteString(marker)
		}
	}
	return b.String()
}
