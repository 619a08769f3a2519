package sshexec

import (
	"errors"
	"fmt"
	"os/user"
	"path/filepath"
	"strings"
)

// expandTilde expands a leading "~" or "~/" to home and "~name/" to that
// user's home directory, as ssh does for the paths it is given; other
// paths are returned as they are.
func expandTilde(p, home string) (string, error) {
	if !strings.HasPrefix(p, "~") {
		return p, nil
	}
	name, rest, _ := strings.Cut(p[1:], "/")
	dir := home
	if name != "" {
		u, err := user.Lookup(name)
		if err != nil {
			return "", fmt.Errorf("%s: unknown user %q: %w", p, name, err)
		}
		dir = u.HomeDir
	}
	if dir == "" {
		return "", fmt.Errorf("%s: no home directory to expand ~ to (HOME is not set)", p)
	}
	if rest == "" {
		return dir, nil
	}
	return filepath.Join(dir, rest), nil
}

// expandPaths expands ~ in every path option of opts (see expandTilde),
// without changing the caller's slices.
func expandPaths(opts *Options, home string) error {
	var errs []error
	one := func(p *string) {
		v, err := expandTilde(*p, home)
		if err != nil {
			errs = append(errs, err)
			return
		}
		*p = v
	}
	list := func(ps *[]string) {
		out := make([]string, len(*ps))
		copy(out, *ps)
		for i := range out {
			one(&out[i])
		}
		*ps = out
	}
	list(&opts.IdentityFiles)
	list(&opts.KnownHostsFiles)
	one(&opts.TrustOnFirstUse)
	one(&opts.SSHConfig)
	one(&opts.AgentSocket)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return nil
}
