package checks

import (
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/org/calyptos"
)

// This file holds the framing shared by the fact families of this
// package: each family's one command prints, for the i-th of its sorted
// keys, records "i TYPE VALUE" (VALUE's newlines made blanks by rec, so
// that a record is one line) and content lines "i|LINE" (every line of a
// file prefixed by sed, so that no content can pass for a record). Split
// gives each key its lines as "KEY\tTYPE VALUE" or "KEY\t|LINE", so that
// a member asking for several keys can tell them apart in its joined
// output.

// recPrelude defines rec INDEX TYPE VALUE.
const recPrelude = "nl='\n'; rec() { v=$3; while :; do case $v in *\"$nl\"*) v=\"${v%%\"$nl\"*} ${v#*\"$nl\"}\";; *) break;; esac; done; " +
	"printf '%s %s %s\\n' \"$1\" \"$2\" \"$v\"; }; "

// memo caches a family's command for the last keys it was asked for:
// the runner asks for it once per host, and most hosts of a role have
// the same keys.
func memo(command func(keys []string) string) func(keys []string) string {
	var mu sync.Mutex
	var lastKeys []string
	var last string
	return func(keys []string) string {
		mu.Lock()
		defer mu.Unlock()
		if last == "" || !slices.Equal(keys, lastKeys) {
			lastKeys, last = slices.Clone(keys), command(keys)
		}
		return last
	}
}

// forKeys returns prelude and one shell line per key, made by
// line(index, key).
func forKeys(prelude string, keys []string, line func(i, key string) string) string {
	var b strings.Builder
	b.WriteString(recPrelude)
	b.WriteString(prelude)
	for i, k := range keys {
		b.WriteString(line(strconv.Itoa(i), k))
		b.WriteString("\n")
	}
	return b.String()
}

// splitIndexed gives each key its records and content lines. Every key
// gets an Output, empty when the host printed nothing for it (its
// output was cut): the member's parser says what that means.
func splitIndexed(keys []string, out calyptos.Output) map[string]calyptos.Output {
	bufs := make([]strings.Builder, len(keys))
	for line := range strings.Lines(out.Stdout) {
		i, rest, ok := indexPrefix(line)
		if !ok || i >= len(keys) {
			continue
		}
		b := &bufs[i]
		b.WriteString(keys[i])
		b.WriteByte('\t')
		b.WriteString(strings.TrimSuffix(rest, "\n"))
		b.WriteByte('\n')
	}
	m := make(map[string]calyptos.Output, len(keys))
	for i, k := range keys {
		m[k] = calyptos.Output{Stdout: bufs[i].String(), ExitCode: out.ExitCode, Truncated: out.Truncated}
	}
	return m
}

// indexPrefix reads "i TYPE..." or "i|LINE": the index, and the line
// after the index's digits.
func indexPrefix(line string) (int, string, bool) {
	n := 0
	j := 0
	for j < len(line) && j < 7 && line[j] >= '0' && line[j] <= '9' {
		n = n*10 + int(line[j]-'0')
		j++
	}
	if j == 0 || j == len(line) || (line[j] != ' ' && line[j] != '|') {
		return 0, "", false
	}
	if line[j] == ' ' {
		return n, line[j+1:], true
	}
	return n, line[j:], true
}

// keyRecords reads a member's joined output: for each key, its records
// by type (the first of each type) and its content lines.
type keyRecords struct {
	recs    map[string]string
	content []string
}

func parseKeyed(out string) map[string]*keyRecords {
	m := map[string]*keyRecords{}
	for line := range strings.Lines(out) {
		key, rest, ok := strings.Cut(strings.TrimSuffix(line, "\n"), "\t")
		if !ok {
			continue
		}
		kr := m[key]
		if kr == nil {
			kr = &keyRecords{recs: map[string]string{}}
			m[key] = kr
		}
		if c, ok := strings.CutPrefix(rest, "|"); ok {
			kr.content = append(kr.content, c)
			continue
		}
		typ, val, _ := strings.Cut(rest, " ")
		if _, dup := kr.recs[typ]; !dup {
			kr.recs[typ] = val
		}
	}
	return m
}
