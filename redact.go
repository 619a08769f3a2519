package calyptos

import (
	"cmp"
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

// Add makes r redact secrets too. Values shorter than three bytes are
// ignored.
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	changed := false
	for _, s := range secrets {
		if len(s) >= minSecretLen && !slices.Contains(r.secrets, s) {
			r.secrets = append(r.secrets, s)
			changed = true
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
