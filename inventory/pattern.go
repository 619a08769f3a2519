package inventory

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/hostname"
)

// ErrNoHosts is matched by the error of Select for a pattern that selects
// no host, although each of its parts names something (web:&db with no
// host in both).
var ErrNoHosts = errors.New("no host matches")

// PatternError is the error of Select. It matches calyptos.ErrUnknownRole
// when a part of the pattern names no group (role) and no host, and
// ErrNoHosts when the pattern selects no host.
type PatternError struct {
	Pattern string
	// Part is the part that matched nothing, "" when the whole pattern
	// selects no host.
	Part string
	// Groups are the groups (roles) that have hosts, sorted.
	Groups []string
	// Err says what is wrong with a part that is not a valid pattern.
	Err error
}

// Error says which part matched nothing, or why it is not a pattern.
func (e *PatternError) Error() string {
	switch {
	case e.Err != nil:
		return fmt.Sprintf("host pattern %q: %v", e.Pattern, e.Err)
	case e.Part != "":
		return fmt.Sprintf("host pattern %q: %q matches no group and no host (groups with hosts: %s)", e.Pattern, e.Part, strings.Join(e.Groups, ", "))
	}
	return fmt.Sprintf("host pattern %q selects no host (groups with hosts: %s)", e.Pattern, strings.Join(e.Groups, ", "))
}

// Is matches calyptos.ErrUnknownRole or ErrNoHosts, as said above.
func (e *PatternError) Is(target error) bool {
	switch {
	case e.Err != nil:
		return false
	case e.Part != "":
		return target == calyptos.ErrUnknownRole
	}
	return target == ErrNoHosts
}

// Unwrap returns why a part is not a valid pattern.
func (e *PatternError) Unwrap() error { return e.Err }

// Select returns the hosts of rb that an Ansible host pattern selects,
// sorted as hostname.Sort sorts them. Roles are Ansible's groups,
// so it works on a RoleBuilder from an environment file as on one from an
// inventory. The syntax is Ansible's:
//
//	all, *              every host
//	web                 the hosts of the role web (its child groups included), or the host web
//	web:db, web,db      union
//	prod:&web           intersection
//	web:!web03          exclusion
//	web*, db-?.lan      a glob over role AND host names
//	~web0[12]\.lan      a regular expression (RE2 syntax), matched at the start of names
//
// A pattern with ',' is split at commas only; without, at ':' unless it
// is one address (an IPv6 address, or host:port). Parts with '&' apply
// after the plain parts, and parts with '!' last. Subscripts (web[0],
// web[1:3]) select by inventory order, which a RoleBuilder does not keep:
// they are refused. A part that matches no role and no host is an error,
// as is a pattern that selects no host (see PatternError).
func Select(rb *calyptos.RoleBuilder, pattern string) ([]string, error) {
	parts := splitPattern(pattern)
	if len(parts) == 0 {
		return nil, &PatternError{Pattern: pattern, Err: errors.New("empty pattern (all selects every host)")}
	}
	s := &selector{rb: rb, groups: rb.RoleNames(), all: rb.All(), pattern: pattern}
	var hosts []string
	for _, p := range orderPatterns(parts) {
		if p[0] != '&' && p[0] != '!' && rb.Has(calyptos.RoleAll, p) {
			hosts = append(hosts, p)
			continue
		}
		matched, err := s.matchOne(p)
		if err != nil {
			return nil, err
		}
		switch p[0] {
		case '!', '&':
			set := make(map[string]bool, len(matched))
			for _, h := range matched {
				set[h] = true
			}
			keep := p[0] == '&'
			hosts = slices.DeleteFunc(hosts, func(h string) bool { return set[h] != keep })
		default:
			hosts = append(hosts, matched...)
		}
	}
	hosts = hostname.Sort(hosts)
	if len(hosts) == 0 {
		return nil, &PatternError{Pattern: pattern, Groups: s.nonEmpty()}
	}
	return hosts, nil
}

// splitPattern is Ansible's split_host_pattern.
func splitPattern(pattern string) []string {
	var parts []string
	switch {
	case strings.Contains(pattern, ","):
		parts = strings.Split(pattern, ",")
	default:
		if _, _, ok := addressRE.parseAddress(pattern); ok {
			parts = []string{pattern}
		} else {
			parts = patternPartRE.FindAllString(pattern, -1)
		}
	}
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// orderPatterns puts plain parts first, then '&' parts, then '!' parts;
// with no plain part, "all" comes first.
func orderPatterns(parts []string) []string {
	var regular, and, not []string
	for _, p := range parts {
		switch p[0] {
		case '!':
			not = append(not, p)
		case '&':
			and = append(and, p)
		default:
			regular = append(regular, p)
		}
	}
	if len(regular) == 0 {
		regular = []string{calyptos.RoleAll}
	}
	return slices.Concat(regular, and, not)
}

// selector matches the parts of one pattern.
type selector struct {
	rb      *calyptos.RoleBuilder
	groups  []string
	all     []string
	pattern string
}

// matchOne returns the hosts one part (without its '&' or '!') matches:
// the hosts of the roles it matches, and the hosts it matches by name
// when it matches no role or is a glob or a regular expression.
func (s *selector) matchOne(part string) ([]string, error) {
	p := strings.TrimLeft(part[:1], "&!") + part[1:]
	if p == "" {
		return nil, &PatternError{Pattern: s.pattern, Err: fmt.Errorf("%q names nothing", part)}
	}
	if p[0] != '~' && subscript(p) {
		return nil, &PatternError{Pattern: s.pattern, Err: fmt.Errorf("%q: subscripts select hosts by inventory order, which calyptos does not keep: name the hosts, or use a glob or ~regex", part)}
	}
	match, err := compileMatch(p)
	if err != nil {
		return nil, &PatternError{Pattern: s.pattern, Err: fmt.Errorf("%q: %w", part, err)}
	}
	var out []string
	groups := 0
	for _, g := range s.groups {
		if match(g) {
			groups++
			out = append(out, s.rb.Hosts(g)...)
		}
	}
	if groups == 0 || p[0] == '~' || strings.ContainsAny(p, ".?*[") {
		for _, h := range s.all {
			if match(h) {
				out = append(out, h)
			}
		}
	}
	if len(out) == 0 && groups == 0 && p != calyptos.RoleAll {
		return nil, &PatternError{Pattern: s.pattern, Part: part, Groups: s.nonEmpty()}
	}
	return out, nil
}

// nonEmpty returns the roles that have hosts, for an error message.
func (s *selector) nonEmpty() []string {
	var out []string
	for _, g := range s.groups {
		if len(s.rb.Hosts(g)) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// subscript reports whether p ends in an Ansible subscript: [0], [-1],
// [1:3], [2:]. A glob class like [ab] is not one (but [12] is, as in
// Ansible).
func subscript(p string) bool {
	return subscriptRE.MatchString(p)
}

// compileMatch compiles a part: "~re" a regular expression matched at the
// start of a name, else an fnmatch glob matched against the whole name.
func compileMatch(p string) (func(string) bool, error) {
	expr := ""
	if p[0] == '~' {
		expr = `^(?:` + p[1:] + `)`
	} else {
		expr = `^(?s:` + globToRegexp(p) + `)$`
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("not a valid (RE2) regular expression: %w", err)
	}
	return re.MatchString, nil
}

// globToRegexp translates a glob as Python's fnmatch.translate does:
// '*', '?', [chars], [!chars]; a '[' without its ']' is itself.
func globToRegexp(p string) string {
	var b strings.Builder
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		switch c := rs[i]; c {
		case '*':
			for i+1 < len(rs) && rs[i+1] == '*' {
				i++
			}
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '[':
			j := i + 1
			if j < len(rs) && rs[j] == '!' {
				j++
			}
			if j < len(rs) && rs[j] == ']' {
				j++
			}
			for j < len(rs) && rs[j] != ']' {
				j++
			}
			if j >= len(rs) {
				b.WriteString(`\[`)
				continue
			}
			b.WriteString(globClass(rs[i+1 : j]))
			i = j
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	return b.String()
}

// globClass translates the inside of a [...] glob class, leaving out
// ranges whose end is before their start, as fnmatch does.
func globClass(stuff []rune) string {
	neg := len(stuff) > 0 && stuff[0] == '!'
	if neg {
		stuff = stuff[1:]
	}
	var items strings.Builder
	for k := 0; k < len(stuff); k++ {
		if k+2 < len(stuff) && stuff[k+1] == '-' {
			if stuff[k] <= stuff[k+2] {
				items.WriteString(regexp.QuoteMeta(string(stuff[k])) + "-" + regexp.QuoteMeta(string(stuff[k+2])))
			}
			k += 2
			continue
		}
		if stuff[k] == '-' {
			items.WriteString(`\-`)
			continue
		}
		items.WriteString(regexp.QuoteMeta(string(stuff[k])))
	}
	switch {
	case items.Len() == 0 && neg:
		return "."
	case items.Len() == 0:
		return `[^\x00-\x{10FFFF}]` // matches nothing
	case neg:
		return "[^" + items.String() + "]"
	}
	return "[" + items.String() + "]"
}
