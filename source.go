package calyptos

// Source is the description a RoleBuilder was built from (an environment
// file, an inventory), for what the runner needs of it beyond the roles.
type Source interface {
	// Identity is the deployment's name, or "" to derive one.
	Identity() string
	// Secrets are values every report must redact.
	Secrets() []string
}

// RoleOption is an option of NewRoleBuilder.
type RoleOption func(*roleOptions)

type roleOptions struct {
	src Source
}

// WithSource records s as the RoleBuilder's Source.
func WithSource(s Source) RoleOption {
	return func(o *roleOptions) { o.src = s }
}

// Source returns what rb was built from (see WithSource), or nil.
func (rb *RoleBuilder) Source() Source { return rb.src }
