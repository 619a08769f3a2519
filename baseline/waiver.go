package baseline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/yamlx"
	"io"
	"os"
	"path"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// ErrInvalidWaivers is matched (errors.Is) by every error of ParseWaivers.
var ErrInvalidWaivers = errors.New("invalid waiver file")

// maxWaiverFile bounds the size of a waiver file.
const maxWaiverFile = 1 << 20

// Waiver accepts a known failure or warning until it expires. A waiver
// file is YAML:
//
//	waivers:
//	  - id: check_ports/tcp-8773    # a finding ID; path.Match patterns allowed
//	    hosts: "10.0.0.*"           # path.Match pattern; omitted: every host
//	    reason: CLC moved to 8774, ticket OPS-123
//	    expires: 2027-01-31         # accepted through this day (UTC)
//
// id, reason and expires are required. A waiver expires at the end of its
// expiry day, UTC; once expired it accepts nothing, and a finding it
// matches fails the run whatever the baseline says.
type Waiver struct {
	ID     string `json:"id"`
	Hosts  string `json:"hosts,omitempty"`
	Reason string `json:"reason"`
	// Expires is the first instant the waiver no longer holds: the start
	// of the day after the one written (JSON shows the day written).
	Expires time.Time `json:"-"`
	// Pos is where the waiver is written.
	Pos calyptos.Position `json:"-"`
}

// Matches reports whether w names f: its ID matches w.ID and its host
// w.Hosts (a deployment-wide finding matches only a waiver without hosts
// or with hosts "*").
func (w *Waiver) Matches(f calyptos.Finding) bool {
	if ok, _ := path.Match(w.ID, f.ID); !ok {
		return false
	}
	if w.Hosts == "" {
		return true
	}
	ok, _ := path.Match(w.Hosts, f.Host)
	return ok
}

// MarshalJSON writes the waiver as it is written in the file, expires as
// YYYY-MM-DD.
func (w Waiver) MarshalJSON() ([]byte, error) {
	type plain Waiver
	return json.Marshal(struct {
		plain
		Expires string `json:"expires"`
	}{plain(w), w.Day()})
}

// Expired reports whether w has expired at now.
func (w *Waiver) Expired(now time.Time) bool { return !now.Before(w.Expires) }

// Day returns the last day w accepts findings, as written in the file.
func (w *Waiver) Day() string { return w.Expires.Add(-time.Nanosecond).UTC().Format(time.DateOnly) }

// String describes w for messages: "check_ports/tcp-8773 on 10.0.0.* (until
// 2027-01-31: reason)".
func (w *Waiver) String() string {
	s := w.ID
	if w.Hosts != "" {
		s += " on " + w.Hosts
	}
	return fmt.Sprintf("%s (until %s: %s)", s, w.Day(), w.Reason)
}

// LoadWaivers reads and parses a waiver file; see ParseWaivers.
func LoadWaivers(file string) ([]Waiver, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidWaivers, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxWaiverFile+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalidWaivers, file, err)
	}
	return ParseWaivers(file, data)
}

// ParseWaivers parses a waiver file (see Waiver); file names it in errors.
// Every problem is reported with file:line:col, joined with errors.Join,
// and matches ErrInvalidWaivers: a missing field, an unknown one, a date
// that is not YYYY-MM-DD, an ID or host pattern path.Match refuses.
func ParseWaivers(file string, data []byte) ([]Waiver, error) {
	if len(data) > maxWaiverFile {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrInvalidWaivers, file, maxWaiverFile)
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: %s: %s", ErrInvalidWaivers, file, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	errAt := func(n *yaml.Node, format string, args ...any) error {
		return fmt.Errorf("%w: %s:%d:%d: %s", ErrInvalidWaivers, file, n.Line, n.Column, fmt.Sprintf(format, args...))
	}
	root := yamlx.Resolve(&doc)
	if root == nil || yamlx.IsNull(root) {
		return nil, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, errAt(root, "expected a mapping with a waivers: list, found %s", yamlx.KindName(root))
	}
	var list *yaml.Node
	var errs []error
	for _, e := range yamlx.Entries(root) {
		if e.Key.Value != "waivers" {
			errs = append(errs, errAt(e.Key, "unknown key %q (expected waivers)", e.Key.Value))
			continue
		}
		list = yamlx.Resolve(e.Value)
	}
	if list == nil || yamlx.IsNull(list) {
		return nil, errors.Join(errs...)
	}
	if list.Kind != yaml.SequenceNode {
		return nil, errAt(list, "waivers: expected a list, found %s", yamlx.KindName(list))
	}
	var out []Waiver
	for _, item := range list.Content {
		w, werrs := parseWaiver(yamlx.Resolve(item), errAt)
		errs = append(errs, werrs...)
		if len(werrs) == 0 {
			w.Pos = calyptos.Position{File: file, Line: item.Line, Column: item.Column}
			out = append(out, w)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

func parseWaiver(n *yaml.Node, errAt func(*yaml.Node, string, ...any) error) (Waiver, []error) {
	var w Waiver
	var errs []error
	if n == nil {
		return w, []error{fmt.Errorf("%w: an empty waiver", ErrInvalidWaivers)}
	}
	if n.Kind != yaml.MappingNode {
		return w, []error{errAt(n, "a waiver: expected a mapping with id, reason and expires, found %s", yamlx.KindName(n))}
	}
	errs = append(errs, duplicateKeys(n, errAt)...)
	got := map[string]bool{}
	for _, e := range yamlx.Entries(n) {
		v := yamlx.Resolve(e.Value)
		if v == nil {
			continue
		}
		if v.Kind != yaml.ScalarNode || yamlx.IsNull(v) {
			errs = append(errs, errAt(e.Key, "%s: expected a value, found %s", e.Key.Value, yamlx.KindName(v)))
			continue
		}
		got[e.Key.Value] = true
		switch e.Key.Value {
		case "id":
			w.ID = strings.TrimSpace(v.Value)
			if _, err := path.Match(w.ID, ""); err != nil || w.ID == "" || !strings.Contains(w.ID, "/") {
				errs = append(errs, errAt(v, "id %q is not a finding ID (check/key) or pattern", v.Value))
			} else if catchAll(w.ID) {
				errs = append(errs, errAt(v, "id %q waives every finding of every check: name the check (check_ports/*), so that a new failure elsewhere is not hidden", v.Value))
			}
		case "hosts":
			w.Hosts = strings.TrimSpace(v.Value)
			if _, err := path.Match(w.Hosts, ""); err != nil {
				errs = append(errs, errAt(v, "hosts %q is not a valid pattern: %v", v.Value, err))
			}
		case "reason":
			w.Reason = strings.TrimSpace(v.Value)
		case "expires":
			d, err := time.Parse(time.DateOnly, strings.TrimSpace(v.Value))
			if err != nil {
				errs = append(errs, errAt(v, "expires %q is not a date (YYYY-MM-DD)", v.Value))
				continue
			}
			w.Expires = d.AddDate(0, 0, 1) // through the end of that day
		default:
			errs = append(errs, errAt(e.Key, "unknown key %q (expected id, hosts, reason, expires)", e.Key.Value))
		}
	}
	for _, k := range []string{"id", "reason", "expires"} {
		if !got[k] {
			errs = append(errs, errAt(n, "a waiver needs %s", k))
		}
	}
	if got["reason"] && w.Reason == "" {
		errs = append(errs, errAt(n, "a waiver needs a non-empty reason"))
	}
	return w, errs
}

// duplicateKeys refuses a key a waiver sets twice: YAML keeps the last,
// and a waiver with two ids would silently waive the second only.
func duplicateKeys(n *yaml.Node, errAt func(*yaml.Node, string, ...any) error) []error {
	var errs []error
	first := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Tag == "!!merge" {
			continue
		}
		if f, ok := first[k.Value]; ok {
			errs = append(errs, errAt(k, "%s is set twice (first at line %d): a waiver names one finding ID; write two waivers", k.Value, f.Line))
			continue
		}
		first[k.Value] = k
	}
	return errs
}

// catchAll reports whether the ID pattern's check part and key part are
// wildcards only ("*/*", "*/?*"): it matches every finding there is.
func catchAll(id string) bool {
	check, key, _ := strings.Cut(id, "/")
	wild := func(s string) bool { return strings.Trim(s, "*?/") == "" }
	return wild(check) && wild(key)
}
