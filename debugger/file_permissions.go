package debugger

import (
	"context"
	"fmt"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/facts"
)

// FilePermissions checks that the Eucalyptus directories on every
// Eucalyptus host belong to the eucalyptus user (file_permissions), with
// one stat of all of them per host.
type FilePermissions struct {
	// Paths are the directories to check (default /var/lib/eucalyptus and
	// /var/log/eucalyptus).
	Paths []string
	// Owner is the user they must belong to (default eucalyptus).
	Owner string
}

// Name returns "file_permissions".
func (*FilePermissions) Name() string { return "file_permissions" }

func (d *FilePermissions) paths() []string {
	return sliceOr(d.Paths, []string{"/var/lib/eucalyptus", "/var/log/eucalyptus"})
}

// Needs implements calyptos.FactNeeder: the owners of Paths on every
// Eucalyptus host, with one stat.
func (d *FilePermissions) Needs(rb *calyptos.RoleBuilder) []calyptos.Need {
	return []calyptos.Need{{Fact: facts.FileOwners(d.paths()...), Hosts: eucalyptus.ComponentHosts(rb)}}
}

// Debug implements calyptos.Debugger.
func (d *FilePermissions) Debug(ctx context.Context, c *calyptos.Check) {
	hosts := eucalyptus.ComponentHosts(c.Roles())
	if len(hosts) == 0 {
		c.Skipped("no Eucalyptus hosts in the deployment")
		return
	}
	paths := d.paths()
	owner := withDefault(d.Owner, "eucalyptus")
	for _, r := range calyptos.Gather(ctx, c, facts.FileOwners(paths...), hosts) {
		if !c.Reached(r.Host, r.Err) {
			continue
		}
		s := c.OnHost(r.Host)
		found := map[string]facts.FileOwner{}
		for _, f := range r.Value {
			found[f.Path] = f
		}
		for _, p := range paths {
			f, ok := found[p]
			switch {
			case !ok:
				s.Key("owner:"+p).Hint("create the directory, or install the Eucalyptus packages that own it").Report(calyptos.Fail, fmt.Sprintf("cannot stat %s", p), statError(r.Output.Stderr, p))
			case f.User != owner:
				s.Key("owner:"+p).Hint("give the directory to the eucalyptus user: chown -R eucalyptus:eucalyptus <path>").Failuref("File permissions incorrect for %s: owned by %s:%s (mode %s), want user %s", p, f.User, f.Group, f.Mode, owner)
			default:
				s.Key("owner:"+p).Successf("File permissions correct for %s (%s:%s, mode %s)", p, f.User, f.Group, f.Mode)
			}
		}
	}
}

// statError returns the line of stat's stderr about path.
func statError(stderr, path string) string {
	for line := range strings.Lines(stderr) {
		if strings.Contains(line, path) {
			return strings.TrimSpace(line)
		}
	}
	return strings.TrimSpace(stderr)
}
