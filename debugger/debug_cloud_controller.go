package debugger

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/org/calyptos"
)

// Defaults of DebugCloudController.
const (
	// DefaultMaxDBSize is the largest database directory before a failure:
	// the original's 3000 MB.
	DefaultMaxDBSize int64 = 3000 << 20
	// DefaultMaxDiskUse is the highest use of /var/lib/eucalyptus, in
	// percent.
	DefaultMaxDiskUse = 85
	// DefaultMinAvailableMemory is the least available memory on a CLC:
	// the original's 2000000 KiB.
	DefaultMinAvailableMemory int64 = 2_000_000 << 10
	// DefaultDBDir is where the CLC keeps its PostgreSQL data and socket.
	DefaultDBDir = "/var/lib/eucalyptus/db/data"
	// DefaultDBPort is the CLC's PostgreSQL port.
	DefaultDBPort = 8777
)

// DebugCloudController checks each cloud controller
// (debug_cloud_controller): the eucalyptus-cloud service, the states
// euca-describe-services reports (DISABLED, BROKEN, NOTREADY), access to
// its PostgreSQL database, the database size, the use of
// /var/lib/eucalyptus and the memory available.
type DebugCloudController struct {
	// Services are the alternative names of the CLC service; one of them
	// must run (default eucalyptus-cloud).
	Services []string
	// MaxDBSize is the largest size in bytes of the database directory
	// (default DefaultMaxDBSize).
	MaxDBSize int64
	// MaxDiskUse is the highest use of /var/lib/eucalyptus in percent
	// (default DefaultMaxDiskUse).
	MaxDiskUse int
	// MinAvailableMemory is the least MemAvailable in bytes (default
	// DefaultMinAvailableMemory).
	MinAvailableMemory int64
	// DBDir is the PostgreSQL data directory, which holds its socket
	// (default DefaultDBDir).
	DBDir string
	// DBPort is the PostgreSQL port (default DefaultDBPort).
	DBPort int
	// DBUser is the PostgreSQL role to connect as (default root, the
	// superuser Eucalyptus creates), so that the check does not depend on
	// the SSH login user.
	DBUser string
}

// Name returns "debug_cloud_controller".
func (*DebugCloudController) Name() string { return "debug_cloud_controller" }

// describeServicesCommand runs euca-describe-services, saying so when the
// tool is not installed.
const describeServicesCommand = "if command -v euca-describe-services >/dev/null 2>&1; then euca-describe-services 2>&1; " +
	"else echo 'calyptos: euca-describe-services not found'; exit 127; fi"

// clcMemCommand reads the fields of /proc/meminfo that give available memory.
const clcMemCommand = "grep -E '^(MemTotal|MemFree|MemAvailable|Buffers|Cached):' /proc/meminfo"

func psqlCommand(dir string, port int, user string) string {
	return "psql -X -P pager=off -h " + calyptos.ShellQuote(dir) + " -p " + strconv.Itoa(port) + " -U " + calyptos.ShellQuote(user) +
		" -d eucalyptus_shared -c " + calyptos.ShellQuote(`\dt *.*`) + " 2>&1"
}

// Debug implements calyptos.Debugger.
func (d *DebugCloudController) Debug(ctx context.Context, c *calyptos.Check) {
	clcs := c.Roles().Hosts(calyptos.RoleCLC)
	if len(clcs) == 0 {
		c.Skipped("no cloud controller in the deployment")
		return
	}
	services := sliceOr(d.Services, []string{"eucalyptus-cloud"})
	dbDir := withDefault(d.DBDir, DefaultDBDir)
	varLib := DefaultEucalyptusDir
	res := gather(ctx, c, clcs,
		serviceScript(services...),
		describeServicesCommand,
		psqlCommand(dbDir, withDefault(d.DBPort, DefaultDBPort), withDefault(d.DBUser, "root")),
		"du -sk "+calyptos.ShellQuote(strings.TrimSuffix(path.Clean(dbDir), "/data")),
		"df -P -k "+calyptos.ShellQuote(varLib),
		clcMemCommand,
	)
	for i, h := range clcs {
		s := c.OnHost(h)
		// Each fact is judged on its own: a command that timed out does not
		// hide the others' results.
		if r := res[0][i]; c.HostOK(r) {
			serviceCheck(c, h, parseServices(r.Stdout), "CLC service", services)
		}
		if r := res[1][i]; c.HostOK(r) {
			d.describeServices(s, r.Output)
		}
		if r := res[2][i]; c.HostOK(r) {
			d.postgres(s, r.Output)
		}
		if r := res[3][i]; c.HostOK(r) {
			d.dbSize(s, r.Output)
		}
		if r := res[4][i]; c.HostOK(r) {
			d.diskUse(s, r.Output, varLib)
		}
		if r := res[5][i]; c.HostOK(r) {
			d.memory(s, r.Output)
		}
	}
}

func (d *DebugCloudController) describeServices(s calyptos.Scope, out calyptos.Output) {
	if out.ExitCode == 127 {
		s.Report(calyptos.Warn, "euca-describe-services is not installed: service states not checked", evidence(out))
		return
	}
	svcs := parseDescribeServices(out.Stdout)
	if len(svcs) == 0 {
		s.Report(calyptos.Warn, fmt.Sprintf("euca-describe-services listed no services (exit %d): are admin credentials loaded?", out.ExitCode), evidence(out))
		return
	}
	for _, state := range []string{"DISABLED", "BROKEN", "NOTREADY"} {
		var lines []string
		for _, sv := range svcs {
			if sv.State == state {
				lines = append(lines, sv.Line)
			}
		}
		if len(lines) > 0 {
			s.Report(calyptos.Fail, fmt.Sprintf("Some services are in %s (%d)", state, len(lines)), strings.Join(lines, "\n"))
		} else {
			s.Successf("No services in %s", state)
		}
	}
}

func (d *DebugCloudController) postgres(s calyptos.Scope, out calyptos.Output) {
	if out.OK() && strings.Contains(out.Stdout, "eucalyptus_cloud") {
		s.Success("Was able to access postgres DB")
		return
	}
	msg := "Unable to access postgres DB"
	if out.ExitCode == 127 {
		msg += ": psql not found"
	}
	s.Report(calyptos.Fail, msg, evidence(out))
}

func (d *DebugCloudController) dbSize(s calyptos.Scope, out calyptos.Output) {
	kib, err := parseDU(out.Stdout)
	if err != nil {
		s.Report(calyptos.Fail, fmt.Sprintf("cannot read the database size: %v", err), evidence(out))
		return
	}
	limit := withDefault(d.MaxDBSize, DefaultMaxDBSize)
	if kib<<10 > limit {
		s.Failuref("Database is larger than %s (%s). Consider removing reporting data with eureport-delete-data", byteSize(limit), byteSize(kib<<10))
		return
	}
	if !out.OK() {
		// du prints the size of what it could read and exits non-zero
		// when part of the directory is unreadable (a login other than
		// root, say): that is only a lower bound.
		s.Report(calyptos.Fail, fmt.Sprintf("cannot read the whole database directory (du exit %d): its size is at least %s", out.ExitCode, byteSize(kib<<10)), evidence(out))
		return
	}
	s.Successf("Database size %s is under %s", byteSize(kib<<10), byteSize(limit))
}

func (d *DebugCloudController) diskUse(s calyptos.Scope, out calyptos.Output, dir string) {
	df, err := parseDF(out.Stdout)
	if err != nil || df.UsePercent < 0 {
		s.Report(calyptos.Fail, fmt.Sprintf("cannot read the use of %s", dir), evidence(out))
		return
	}
	limit := withDefault(d.MaxDiskUse, DefaultMaxDiskUse)
	if df.UsePercent > limit {
		s.Failuref("%s is more than %d%% full (%d%%)", dir, limit, df.UsePercent)
		return
	}
	s.Successf("%s is %d%% full (limit %d%%)", dir, df.UsePercent, limit)
}

func (d *DebugCloudController) memory(s calyptos.Scope, out calyptos.Output) {
	m, err := parseMeminfo(out.Stdout)
	if err != nil {
		s.Report(calyptos.Fail, fmt.Sprintf("cannot read available memory: %v", err), evidence(out))
		return
	}
	limit := withDefault(d.MinAvailableMemory, DefaultMinAvailableMemory)
	how := "MemAvailable"
	if m.Estimated {
		how = "MemFree+Buffers+Cached"
	}
	if m.AvailableKiB<<10 < limit {
		s.Failuref("Less than %s of memory available (%s, %s)", byteSize(limit), gib(m.AvailableKiB), how)
		return
	}
	s.Successf("%s+ of memory available (%s, %s)", byteSize(limit), gib(m.AvailableKiB), how)
}
