package calyptos

import (
	"cmp"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"sync"
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
	mu       sync.RWMutex
	secrets  []string
	replacer *strings.Replacer
}

// NewRedactor returns a Redactor that knows secrets.
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{}
	r.Add(secrets...)
	return r
}

// Add makes r redact secrets too, also in the forms they take when they
// are shown: percent-encoded in a URL, escaped in a JSON string, quoted by
// ShellQuote, and for a secret of several lines (a private key) each line
// of at least minLineLen bytes. Values shorter than three bytes are
// ignored.
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	changed := false
	for _, secret := range secrets {
		if len(secret) < minSecretLen {
			continue
		}
		for _, s := range shownForms(secret) {
			if len(s) >= minSecretLen && !slices.Contains(r.secrets, s) {
				r.secrets = append(r.secrets, s)
				changed = true
			}
		}
	}
	if !changed {
		return
	}
	// Longest first, so a secret that contains another is replaced whole.
	slices.SortFunc(r.secrets, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	pairs := make([]string, 0, 2*len(r.secrets))
	for _, s := range r.secrets {
		pairs = append(pairs, s, Redacted)
	}
	r.replacer = strings.NewReplacer(pairs...)
}

// Redact returns s with every known secret replaced by Redacted.
func (r *Redactor) Redact(s string) string {
	if r == nil || s == "" {
		return s
	}
	r.mu.RLock()
	rep := r.replacer
	r.mu.RUnlock()
	if rep == nil {
		return s
	}
	return rep.Replace(s)
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
