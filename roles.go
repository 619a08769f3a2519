package calyptos

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/org/calyptos/hostname"
)

// RoleAll is every RoleBuilder's role of every host.
const RoleAll = "all"

// RoleBuilder groups hosts by role. Immutable, it returns copies sorted
// by hostname.Compare.
type RoleBuilder struct {
	src      Source
	roles    map[string][]string
	members  map[roleHost]struct{} // every (role, host) of roles, for Has
	identity string                // set by Restrict: the whole deployment's
}

// roleHost is a host in a role.
type roleHost struct{ role, host string }

// withRoles sets rb's roles and the index Has reads, and returns rb.
func (rb *RoleBuilder) withRoles(roles map[string][]string) *RoleBuilder {
	rb.roles = roles
	rb.members = make(map[roleHost]struct{}, 2*len(roles[RoleAll]))
	for r, hs := range roles {
		for _, h := range hs {
			rb.members[roleHost{r, h}] = struct{}{}
		}
	}
	return rb
}

// NewRoleBuilder builds a RoleBuilder whose roles are the map's keys and
// RoleAll.
func NewRoleBuilder(roles map[string][]string, opts ...RoleOption) *RoleBuilder {
	var o roleOptions
	for _, opt := range opts {
		opt(&o)
	}
	m := make(map[string][]string, len(roles)+1)
	m[RoleAll] = nil
	for r, hs := range roles {
		m[r] = append(m[r], hs...)
	}
	for r, hs := range m {
		if r != RoleAll {
			m[RoleAll] = append(m[RoleAll], hs...)
		}
	}
	sorted := make(map[string][]string, len(m))
	for r, hs := range m {
		sorted[r] = hostname.Sort(slices.Clone(hs))
	}
	return (&RoleBuilder{src: o.src}).withRoles(sorted)
}

// ErrUnknownRole is matched by Lookup's error.
var ErrUnknownRole = errors.New("unknown role")

// Hosts returns role's hosts; none if unknown (Lookup errs instead).
func (rb *RoleBuilder) Hosts(role string) []string { return slices.Clone(rb.roles[role]) }

// Lookup is Hosts, with an error listing the roles for an unknown one.
func (rb *RoleBuilder) Lookup(role string) ([]string, error) {
	hs, ok := rb.roles[role]
	if !ok {
		return nil, fmt.Errorf("%w %q (roles: %s)", ErrUnknownRole, role, strings.Join(rb.RoleNames(), ", "))
	}
	return slices.Clone(hs), nil
}

// Has reports whether host holds role.
func (rb *RoleBuilder) Has(role, host string) bool {
	_, ok := rb.members[roleHost{role, host}]
	return ok
}

// All returns every host of the deployment.
func (rb *RoleBuilder) All() []string { return rb.Hosts(RoleAll) }

// RoleNames returns every role's name, "all" included.
func (rb *RoleBuilder) RoleNames() []string {
	return slices.Sorted(maps.Keys(rb.roles))
}

// RolesOf returns the roles host holds, sorted, without "all".
func (rb *RoleBuilder) RolesOf(host string) []string {
	var out []string
	for _, r := range rb.RoleNames() {
		if r != RoleAll && rb.Has(r, host) {
			out = append(out, r)
		}
	}
	return out
}

// Map returns a copy of every role and its hosts.
func (rb *RoleBuilder) Map() map[string][]string {
	out := make(map[string][]string, len(rb.roles))
	for r, hs := range rb.roles {
		out[r] = slices.Clone(hs)
	}
	return out
}

// Restrict returns rb with only hosts; Source and Identity stay rb's.
func (rb *RoleBuilder) Restrict(hosts []string) *RoleBuilder {
	keep := map[string]bool{}
	for _, h := range hosts {
		keep[h] = true
	}
	only := func(hs []string) []string {
		var out []string
		for _, h := range hs {
			if keep[h] {
				out = append(out, h)
			}
		}
		return out
	}
	roles := make(map[string][]string, len(rb.roles))
	for r, hs := range rb.roles {
		roles[r] = only(hs)
	}
	return (&RoleBuilder{src: rb.src, identity: rb.Identity()}).withRoles(roles)
}
