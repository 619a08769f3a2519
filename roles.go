package calyptos

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// RoleAll is the role every RoleBuilder has: every host of the deployment.
const RoleAll = "all"

// RoleBuilder groups a deployment's hosts by role. It is immutable once
// built and safe for concurrent use. Every accessor returns a sorted copy
// (see CompareHosts), so callers may modify what they get.
type RoleBuilder struct {
	src      Source
	roles    map[string][]string
	identity string // set by Restrict: the whole deployment's
}

// NewRoleBuilder builds a RoleBuilder from a role map: any fleet, and
// tests. Its roles are the map's keys and RoleAll, which holds every host.
// Package eucalyptus (an environment file) and package inventory (an
// Ansible inventory) build theirs with it.
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
	rb := &RoleBuilder{src: o.src, roles: map[string][]string{}}
	for r, hs := range m {
		rb.roles[r] = SortHosts(slices.Clone(hs))
	}
	return rb
}

// ErrUnknownRole is matched by the error of Lookup for a role name that
// is not a role of the RoleBuilder.
var ErrUnknownRole = errors.New("unknown role")

// Hosts returns the hosts of role, sorted. An unknown role has none; use
// Lookup (or calyptostest.KnownRoles in a test) to catch a misspelt role
// name.
func (rb *RoleBuilder) Hosts(role string) []string { return slices.Clone(rb.roles[role]) }

// Lookup is Hosts for a role name that must exist: it returns an error
// matching ErrUnknownRole, listing the roles, for a name that is not a
// role of the RoleBuilder.
func (rb *RoleBuilder) Lookup(role string) ([]string, error) {
	hs, ok := rb.roles[role]
	if !ok {
		return nil, fmt.Errorf("%w %q (roles: %s)", ErrUnknownRole, role, strings.Join(rb.RoleNames(), ", "))
	}
	return slices.Clone(hs), nil
}

// Has reports whether host holds role.
func (rb *RoleBuilder) Has(role, host string) bool {
	_, ok := slices.BinarySearchFunc(rb.roles[role], host, CompareHosts)
	return ok
}

// All returns every host of the deployment.
func (rb *RoleBuilder) All() []string { return rb.Hosts(RoleAll) }

// RoleNames returns the name of every role, sorted: the keys of the map
// given to NewRoleBuilder, and "all".
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

// Restrict returns a RoleBuilder of the same deployment with only hosts
// (a host pattern's selection, the CLI's --limit): every role keeps the
// hosts of its own that are in hosts. The Source and the
// Identity stay those of the whole deployment, so that reports of a
// limited run compare with the full ones.
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
	out := &RoleBuilder{src: rb.src, roles: make(map[string][]string, len(rb.roles)), identity: rb.Identity()}
	for r, hs := range rb.roles {
		out.roles[r] = only(hs)
	}
	return out
}
