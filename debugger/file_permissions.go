package debugger

import (
	"context"
	"fmt"
	"strings"

	"github.com/org/calyptos"
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

func statCommand(paths []string) string {
	return "stat -c '%U %G %a %n' -- " + quoteAll(paths)
}

// Debug implements calyptos.Debugger.
func (d *FilePermissions) Debug(ctx context.Context, c *calyptos.Check) {
	hosts := c.Roles().EucaHosts()
	if len(hosts) == 0 {
		c.Skipped("no Eucalyptus hosts in the deployment")
		return
	}
	paths := sliceOr(d.Paths, []string{"/var/lib/eucalyptus", "/var/log/eucalyptus"})
	owner := withDefault(d.Owner, "eucalyptus")
	for _, r := range c.RunOnHosts(ctx, statCommand(paths), hosts) {
		if !c.HostOK(r) {
			continue
		}
		s := c.OnHost(r.Host)
		found := map[string]fileOwner{}
		for _, f := range parseStat(r.Stdout) {
			found[f.Path] = f
		}
		for _, p := range paths {
			f, ok := found[p]
			switch {
			case !ok:
				s.Report(calyptos.Fail, fmt.Sprintf("cannot stat %s", p), statError(r.Stderr, p))
			case f.User != owner:
				s.Failuref("File permissions incorrect for %s: owned by %s:%s (mode %s), want user %s", p, f.User, f.Group, f.Mode, owner)
			default:
				s.Successf("File permissions correct for %s (%s:%s, mode %s)", p, f.User, f.Group, f.Mode)
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
