package debugger

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/facts"
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

// clcFacts are the facts DebugCloudController reads on each CLC.
type clcFacts struct {
	services []string
	svc      *calyptos.Fact[[]facts.ServiceState]
	db       *calyptos.Fact[bool]
	dbSize   *calyptos.Fact[int64]
	varLib   *calyptos.Fact[facts.DirFS]
}

func (d *DebugCloudController) clcFacts() clcFacts {
	services := sliceOr(d.Services, []string{"eucalyptus-cloud"})
	dbDir := withDefault(d.DBDir, DefaultDBDir)
	return clcFacts{
		services: services,
		svc:      facts.Services(services...),
		db:       facts.EucalyptusDB(dbDir, withDefault(d.DBPort, DefaultDBPort), withDefault(d.DBUser, "root")),
		dbSize:   facts.DirSize(strings.TrimSuffix(path.Clean(dbDir), "/data")),
		varLib:   facts.DirFilesystem(DefaultEucalyptusDir),
	}
}

// Needs implements calyptos.FactNeeder: the CLCs' service state, service
// listing, database, database size, disk and memory.
func (d *DebugCloudController) Needs(rb *calyptos.RoleBuilder) []calyptos.Need {
	f, clcs := d.clcFacts(), rb.Hosts(eucalyptus.RoleCLC)
	var ns []calyptos.Need
	for _, fact := range []calyptos.AnyFact{f.svc, facts.EucaServices(), f.db, f.dbSize, f.varLib, facts.Memory()} {
		ns = append(ns, calyptos.Need{Fact: fact, Hosts: clcs})
	}
	return ns
}

// Debug implements calyptos.Debugger.
func (d *DebugCloudController) Debug(ctx context.Context, c *calyptos.Check) {
	clcs := c.Roles().Hosts(eucalyptus.RoleCLC)
	if len(clcs) == 0 {
		c.Skipped("no cloud controller in the deployment")
		return
	}
	f := d.clcFacts()
	svc := calyptos.Gather(ctx, c, f.svc, clcs)
	described := calyptos.Gather(ctx, c, facts.EucaServices(), clcs)
	db := calyptos.Gather(ctx, c, f.db, clcs)
	dbSize := calyptos.Gather(ctx, c, f.dbSize, clcs)
	varLib := calyptos.Gather(ctx, c, f.varLib, clcs)
	mem := calyptos.Gather(ctx, c, facts.Memory(), clcs)
	for i, h := range clcs {
		s := c.OnHost(h)
		// Each fact is judged on its own: a command that timed out does not
		// hide the others' results.
		if c.Reached(h, svc[i].Err) {
			serviceCheck(c, h, svc[i].Value, "CLC service", f.services)
		}
		if c.Reached(h, described[i].Err) {
			d.describeServices(s, described[i])
		}
		if c.Reached(h, db[i].Err) {
			d.postgres(s, db[i])
		}
		if c.Reached(h, dbSize[i].Err) {
			d.dbSize(s, dbSize[i])
		}
		if c.Reached(h, varLib[i].Err) {
			d.diskUse(s, varLib[i], DefaultEucalyptusDir)
		}
		if c.Reached(h, mem[i].Err) {
			d.memory(s, mem[i])
		}
	}
}

func (d *DebugCloudController) describeServices(s calyptos.Scope, r calyptos.FactResult[[]facts.EucaService]) {
	out := r.Output
	if out.ExitCode == 127 {
		s.Key("service-states").Hint("install euca2ools on the CLC to check the service states").Report(calyptos.Warn, "euca-describe-services is not installed: service states not checked", evidence(out))
		return
	}
	svcs := r.Value
	if len(svcs) == 0 {
		s.Key("service-states").Hint("load the cloud admin's credentials (eucarc) for the login user, then run euca-describe-services by hand").Report(calyptos.Warn, fmt.Sprintf("euca-describe-services listed no services (exit %d): are admin credentials loaded?", out.ExitCode), evidence(out))
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
			s.Key("services-"+strings.ToLower(state)).Hint("see euca-describe-services and the service's log (/var/log/eucalyptus/cloud-output.log); enable it with euserv-enable-service once fixed").Report(calyptos.Fail, fmt.Sprintf("Some services are in %s (%d)", state, len(lines)), strings.Join(lines, "\n"))
		} else {
			s.Key("services-"+strings.ToLower(state)).Successf("No services in %s", state)
		}
	}
}

func (d *DebugCloudController) postgres(s calyptos.Scope, r calyptos.FactResult[bool]) {
	out := r.Output
	if r.Value {
		s.Key("postgres").Success("Was able to access postgres DB")
		return
	}
	msg := "Unable to access postgres DB"
	if out.ExitCode == 127 {
		msg += ": psql not found"
	}
	s.Key("postgres").Hint("check that eucalyptus-cloud is running (it starts the database on port 8777) and that psql is installed").Report(calyptos.Fail, msg, evidence(out))
}

func (d *DebugCloudController) dbSize(s calyptos.Scope, r calyptos.FactResult[int64]) {
	out := r.Output
	if r.Err != nil {
		s.Key("db-size").Hint("check that du can read /var/lib/eucalyptus/db (run the debug as root)").Report(calyptos.Fail, fmt.Sprintf("cannot read the database size: %v", r.Err), evidence(out))
		return
	}
	kib := r.Value
	limit := withDefault(d.MaxDBSize, DefaultMaxDBSize)
	if kib<<10 > limit {
		s.Key("db-size").Hint("remove old reporting data with eureport-delete-data, or give the database more room").Failuref("Database is larger than %s (%s). Consider removing reporting data with eureport-delete-data", byteSize(limit), byteSize(kib<<10))
		return
	}
	if !out.OK() {
		// du prints the size of what it could read and exits non-zero
		// when part of the directory is unreadable (a login other than
		// root, say): that is only a lower bound.
		s.Key("db-size").Hint("run the debug as root (or a user that can read /var/lib/eucalyptus/db)").Report(calyptos.Fail, fmt.Sprintf("cannot read the whole database directory (du exit %d): its size is at least %s", out.ExitCode, byteSize(kib<<10)), evidence(out))
		return
	}
	s.Key("db-size").Successf("Database size %s is under %s", byteSize(kib<<10), byteSize(limit))
}

func (d *DebugCloudController) diskUse(s calyptos.Scope, r calyptos.FactResult[facts.DirFS], dir string) {
	df := r.Value
	if r.Err != nil || df.Absent || df.UsePercent < 0 {
		s.Key("disk-use").Hint("check that df works on the host and that the directory exists").Report(calyptos.Fail, fmt.Sprintf("cannot read the use of %s", dir), evidence(r.Output))
		return
	}
	limit := withDefault(d.MaxDiskUse, DefaultMaxDiskUse)
	if df.UsePercent > limit {
		s.Key("disk-use").Hint("free space under /var/lib/eucalyptus (old images, logs, reporting data) or grow its filesystem").Failuref("%s is more than %d%% full (%d%%)", dir, limit, df.UsePercent)
		return
	}
	s.Key("disk-use").Successf("%s is %d%% full (limit %d%%)", dir, df.UsePercent, limit)
}

func (d *DebugCloudController) memory(s calyptos.Scope, r calyptos.FactResult[facts.Meminfo]) {
	if r.Err != nil {
		s.Key("memory-available").Hint("check that /proc/meminfo is readable on the host").Report(calyptos.Fail, fmt.Sprintf("cannot read available memory: %v", r.Err), evidence(r.Output))
		return
	}
	m := r.Value
	limit := withDefault(d.MinAvailableMemory, DefaultMinAvailableMemory)
	how := "MemAvailable"
	if m.Estimated {
		how = "MemFree+Buffers+Cached"
	}
	if m.AvailableKiB<<10 < limit {
		s.Key("memory-available").Hint("stop what else runs on the CLC or give it more RAM: the cloud controller needs free memory").Failuref("Less than %s of memory available (%s, %s)", byteSize(limit), gib(m.AvailableKiB), how)
		return
	}
	s.Key("memory-available").Successf("%s+ of memory available (%s, %s)", byteSize(limit), gib(m.AvailableKiB), how)
}
