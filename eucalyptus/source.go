package eucalyptus

import (
	"strings"

	"github.com/org/calyptos"
)

// Identity returns the file's name: field, trimmed: the deployment's name
// in reports (see calyptos.RoleBuilder.Identity). It is "" when the file
// has none.
func (e *Environment) Identity() string {
	if e == nil {
		return ""
	}
	return strings.TrimSpace(e.Name)
}

// Of returns the environment file rb was built from (by Load or Parse),
// or nil when rb was built otherwise.
func Of(rb *calyptos.RoleBuilder) *Environment {
	if e := source(rb); e != nil && e.root != nil {
		return e
	}
	return nil
}

// source returns the Environment rb carries, from a file or from
// NewRoleBuilder, or nil.
func source(rb *calyptos.RoleBuilder) *Environment {
	if rb == nil {
		return nil
	}
	e, _ := rb.Source().(*Environment)
	return e
}
