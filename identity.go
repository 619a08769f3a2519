package calyptos

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/org/calyptos/internal/envfile"
)

// maxKeyLen bounds a finding key; a longer key is cut.
const maxKeyLen = 96

// maxDerivedKeyLen bounds a key derived from a message, cut at a dash.
const maxDerivedKeyLen = 48

// maxHintLen bounds a hint or a reference, which are meant to be short.
const maxHintLen = 1 << 10

// Key returns a Scope whose findings have the ID "<check>/<key>". A key
// names what is checked ("tcp-8773"), not what was measured, so a pass and
// a failure share it; by default it derives from the message's format.
func (s Scope) Key(key string) Scope {
	s.key = cleanKey(key)
	return s
}

// Hint returns a Scope whose failures and warnings say what to do.
func (s Scope) Hint(hint string) Scope {
	s.hint = strings.TrimSpace(hint)
	return s
}

// Ref returns a Scope whose failures and warnings carry a URL or doc
// anchor.
func (s Scope) Ref(ref string) Scope {
	s.ref = strings.TrimSpace(ref)
	return s
}

// Key returns the key part of the finding's ID, after "<check>/".
func (f Finding) Key() string {
	_, k, _ := strings.Cut(f.ID, "/")
	return k
}

// cleanKey makes key usable in an ID: surrounding space trimmed, every
// character other than an ASCII letter, digit or one of . _ - : / @ + =
// replaced by "-", and the result cut to 96 bytes.
func cleanKey(key string) string {
	key = strings.TrimSpace(key)
	b := make([]byte, 0, min(len(key), maxKeyLen))
	for _, r := range key {
		if len(b) >= maxKeyLen {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9',
			strings.ContainsRune("._-:/@+=", r):
			b = append(b, byte(r))
		default:
			b = append(b, '-')
		}
	}
	return string(b)
}

// deriveKey is the key of a finding whose check gave none, made from the
// format string of the f-variant that reported it (Failuref, Successf...)
// or from the message of the plain one:
//
//  1. every formatting verb (%v, %d, %-8.2f, %[1]q, ...) and %% is removed;
//  2. the text is lower-cased and every run of characters that are not
//     ASCII letters (digits included, since numbers in a message are
//     usually measurements) becomes one "-";
//  3. dashes are trimmed at both ends, and the result is cut at the last
//     dash before 48 bytes; an empty result becomes "finding".
//
// So Failuref("disk %s is %.1f%% full", ...) has the key "disk-is-full",
// and Failure("load 7.25 over 4") the key "load-over". Keys derived from
// plain messages that embed names (a path, a host) still carry them: give
// such findings a Key.
func deriveKey(formatOrMessage string) string {
	s := stripVerbs(formatOrMessage)
	b := make([]byte, 0, len(s))
	dash := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c >= 'a' && c <= 'z' {
			if dash && len(b) > 0 {
				b = append(b, '-')
			}
			dash = false
			b = append(b, c)
			continue
		}
		dash = true
	}
	if len(b) > maxDerivedKeyLen {
		cut := maxDerivedKeyLen
		if i := strings.LastIndexByte(string(b[:cut+1]), '-'); i > 0 {
			cut = i
		}
		b = b[:cut]
	}
	if len(b) == 0 {
		return "finding"
	}
	return string(b)
}

// stripVerbs removes fmt verbs and %% from a format string: a '%', then
// flags, width, precision and argument indexes, then the verb letter.
func stripVerbs(format string) string {
	if !strings.Contains(format, "%") {
		return format
	}
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			b.WriteByte(format[i])
			continue
		}
		i++
		for i < len(format) && strings.IndexByte("+-# 0123456789.*[]", format[i]) >= 0 {
			i++
		}
		// format[i] is the verb (or '%'), dropped; a space keeps the
		// words on either side apart.
		b.WriteByte(' ')
	}
	return b.String()
}

// findingID joins a check name and a key into an ID.
func findingID(check, key string) string { return check + "/" + key }

// Identity names the deployment in reports (Report.Environment): the
// Source's Identity, or "roles-" and 12 hex digits of a SHA-256 of the
// roles and their hosts.
func (rb *RoleBuilder) Identity() string {
	if rb == nil {
		return ""
	}
	if rb.identity != "" {
		return rb.identity
	}
	if rb.src != nil {
		if id := strings.TrimSpace(rb.src.Identity()); id != "" {
			return id
		}
	}
	h := sha256.New()
	names := slices.Compact(slices.Sorted(slices.Values(append(rb.RoleNames(), identityRoles()...))))
	for _, n := range names {
		hosts := rb.Hosts(n)
		slices.Sort(hosts)
		h.Write([]byte(n + "=" + strings.Join(hosts, ",") + "\n"))
	}
	return "roles-" + hex.EncodeToString(h.Sum(nil))[:12]
}

// identityRoles are hashed into every derived Identity even when absent:
// the Eucalyptus roles every RoleBuilder once had, so that identities, and
// the baselines that compare them, stay what they were.
func identityRoles() []string { return envfile.BaseRoles() }

// identify fills f's ID from s's key, or the key derived from keySource,
// and, for a failure or warning, its hint and reference, redacted and
// capped.
func (c *Check) identify(f *Finding, s Scope, keySource string) {
	key := s.key
	if key == "" {
		key = deriveKey(keySource)
	}
	f.ID = findingID(c.name, cleanKey(c.run.redact(key)))
	if f.Status == Fail || f.Status == Warn {
		f.Hint = capText(c.run.redact(s.hint), maxHintLen)
		f.Ref = capText(c.run.redact(s.ref), maxHintLen)
	}
}
