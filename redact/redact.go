// Package redact replaces secret values in text: a Redactor knows the
// secrets of a run and replaces them, in every form they are shown, with
// Redacted; IsSecretKey says which attribute names hold secrets.
package redact

import (
	"cmp"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Redacted replaces every secret a Redactor knows.
const Redacted = "[REDACTED]"

// minSecretLen is the shortest value redacted: replacing every "ab" in a
// report would make it unreadable without protecting anything.
const minSecretLen = 3

// Redactor replaces secret values with Redacted. It is safe for concurrent
// use, and secrets may be added while a run goes on (a password typed at a
// prompt the first time a host asks for one). The zero value and a nil
// *Redactor redact nothing until secrets are added.
type Redactor struct {
	mu sync.RWMutex
	// folded holds every form of every secret, case-folded by foldCase,
	// each once. A check may change a value's case (an OS id is
	// lower-cased), so matching ignores case.
	folded []string
}

// NewRedactor returns a Redactor that knows secrets.
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{}
	r.Add(secrets...)
	return r
}

// Add makes r redact secrets too, in any letter case, and also in the
// forms they take when they are shown: percent-encoded in a URL, escaped
// in a JSON string, quoted by calyptos.ShellQuote, and for a secret of several
// lines (a private key) each line of at least minLineLen bytes. Values
// shorter than three bytes are ignored.
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, secret := range secrets {
		if len(secret) < minSecretLen {
			continue
		}
		for _, s := range shownForms(secret) {
			if f := foldCase(s); len(f) >= minSecretLen && !slices.Contains(r.folded, f) {
				r.folded = append(r.folded, f)
			}
		}
	}
}

// Redact returns s with every known secret replaced by Redacted, whatever
// its letter case. Overlapping secrets are replaced as one.
func (r *Redactor) Redact(s string) string {
	if r == nil || s == "" {
		return s
	}
	r.mu.RLock()
	secrets := r.folded
	r.mu.RUnlock()
	if len(secrets) == 0 {
		return s
	}
	// foldCase keeps every byte offset, so a match in the folded text is
	// the same bytes of s.
	low := foldCase(s)
	var spans [][2]int
	for _, f := range secrets {
		for from := 0; ; {
			i := strings.Index(low[from:], f)
			if i < 0 {
				break
			}
			spans = append(spans, [2]int{from + i, from + i + len(f)})
			from += i + len(f)
		}
	}
	if len(spans) == 0 {
		return s
	}
	slices.SortFunc(spans, func(a, b [2]int) int { return cmp.Compare(a[0], b[0]) })
	var b strings.Builder
	b.Grow(len(s))
	done := 0 // s[:done] is written
	for i := 0; i < len(spans); {
		start, end := spans[i][0], spans[i][1]
		for i++; i < len(spans) && spans[i][0] < end; i++ {
			end = max(end, spans[i][1])
		}
		b.WriteString(s[done:start])
		b.WriteString(Redacted)
		done = end
	}
	b.WriteString(s[done:])
	return b.String()
}

// foldCase lower-cases s for matching while keeping its length and every
// byte offset: a rune whose lower case has another UTF-8 length, and
// bytes that are not UTF-8, are kept as they are.
func foldCase(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if l := unicode.ToLower(r); r != utf8.RuneError && utf8.RuneLen(l) == size {
			b = utf8.AppendRune(b, l)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return string(b)
}

// minLineLen is the shortest line of a multi-line secret that is redacted
// on its own: long enough that it is not an ordinary word or a PEM
// "-----END KEY-----" marker.
const minLineLen = 20

// shownForms returns s and the other forms it takes in output.
func shownForms(s string) []string {
	forms := []string{
		s,
		url.QueryEscape(s),
		url.PathEscape(s),
		percentEncode(s),
		strings.ReplaceAll(s, "'", `'\''`), // inside ShellQuote's quotes
	}
	if b, err := json.Marshal(s); err == nil {
		forms = append(forms, string(b[1:len(b)-1]))
	}
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	if enc.Encode(s) == nil {
		b := strings.TrimSuffix(sb.String(), "\n")
		forms = append(forms, b[1:len(b)-1])
	}
	if strings.ContainsAny(s, "\r\n") {
		for line := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == '\n' || r == '\r' }) {
			if line = strings.TrimSpace(line); len(line) >= minLineLen {
				forms = append(forms, line)
			}
		}
	}
	return forms
}

// percentEncode escapes every byte of s but the unreserved characters of
// RFC 3986, as URL user information and most encoders outside Go do.
func percentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
