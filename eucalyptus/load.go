package eucalyptus

import (
	"errors"
	"slices"
	"strings"

	"github.com/org/calyptos"

	"github.com/org/calyptos/hostname"
	"github.com/org/calyptos/internal/envfile"
)

// Load reads and parses an environment file. It refuses a
// file that is not a regular file (a FIFO, a device, a directory), whose
// read could block forever or never end, and a file larger than 16 MiB.
// See Parse for the bounds on its content. The errors of both
// refusals match ErrInvalidEnvironment; a file that cannot be opened
// gives the *fs.PathError of the open.
func Load(path string) (*calyptos.RoleBuilder, error) {
	data, err := envfile.Read(path)
	if err != nil {
		return nil, envError(err)
	}
	return Parse(path, data)
}

// Parse parses an environment file (the Calyptos / Eucalyptus
// cookbook format) and derives its roles. Both topology forms are accepted.
// file names the data in errors. Every problem found is reported, each as
// an *EnvError with file:line:col, joined with errors.Join; the error
// matches ErrInvalidEnvironment.
//
// The work and memory a file can cost are bounded: a file with more than
// 200,000 YAML nodes (counted from its text, before it is parsed) or more
// than 100,000 host entries is refused at the place the bound was passed.
func Parse(file string, data []byte) (*calyptos.RoleBuilder, error) {
	f, err := envfile.Parse(file, data)
	if err != nil {
		return nil, envError(err)
	}
	env := &Environment{File: file, Name: f.Name, Description: f.Description,
		Topology: topology(f.Topology), root: f.Root, attrs: f.Attrs, hostPos: map[string][]calyptos.Position{}}
	for h, ps := range f.HostPos {
		for _, p := range ps {
			env.hostPos[h] = append(env.hostPos[h], calyptos.Position(p))
		}
	}
	base := envfile.BaseRoles()
	roles := make(map[string][]string, len(f.Roles)+len(base))
	for _, r := range base {
		roles[r] = nil
	}
	for r, hs := range f.Roles {
		roles[r] = hs
	}
	return calyptos.NewRoleBuilder(roles, calyptos.WithSource(env)), nil
}

// topology converts the parser's topology, sorting each cluster's hosts.
func topology(t envfile.Topology) Topology {
	out := Topology{Form: t.Form, CLC: t.CLC, UserFacing: t.UserFacing, Console: t.Console,
		Walrus: t.Walrus, ObjectStorageProvider: t.ObjectStorageProvider}
	for _, c := range t.Clusters {
		out.Clusters = append(out.Clusters, Cluster{Name: c.Name, CC: hostname.Sort(slices.Clone(c.CC)),
			SC: hostname.Sort(slices.Clone(c.SC)), Nodes: hostname.Sort(slices.Clone(c.Nodes)),
			StorageBackend: c.StorageBackend, DASDevice: c.DASDevice, Pos: calyptos.Position(c.Pos)})
	}
	return out
}

// envError converts the parser's errors to *EnvError, keeping how they
// are joined; other errors (an open that failed) pass through.
func envError(err error) error {
	var pe *envfile.Error
	switch {
	case errors.As(err, &pe) && pe == err:
		return &EnvError{Pos: calyptos.Position(pe.Pos), Path: pe.Path, Msg: pe.Msg, Err: pe.Err}
	case errors.Is(err, envfile.ErrInvalid):
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			errs := j.Unwrap()
			out := make([]error, len(errs))
			for i, e := range errs {
				out[i] = envError(e)
			}
			return errors.Join(out...)
		}
		return refused(strings.TrimSpace(err.Error()))
	}
	return err
}

// refused is a file Load does not read; it matches
// ErrInvalidEnvironment.
type refused string

func (r refused) Error() string { return string(r) }

func (r refused) Is(target error) bool { return target == ErrInvalidEnvironment }
