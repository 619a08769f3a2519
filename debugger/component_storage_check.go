package debugger

import (
	"context"
	"fmt"

	"github.com/org/calyptos"
	"github.com/org/calyptos/facts"
)

// Defaults of ComponentStorageCheck.
const (
	// DefaultMinDisk is the smallest filesystem size for
	// /var/lib/eucalyptus: 30 GiB, what the original's `df --block-size G`
	// compared with 30. Like df, the check rounds the size up to whole GiB
	// first, so a filesystem made on a 30 GiB volume (a little smaller than
	// 30 GiB) passes, as it did in the original.
	DefaultMinDisk int64 = 30 << 30
	// DefaultMinMemory is the least total memory: the original's 4000000
	// KiB from free, called "4.0 gig" in its message.
	DefaultMinMemory int64 = 4_000_000 << 10
	// DefaultEucalyptusDir is the Eucalyptus state directory.
	DefaultEucalyptusDir = "/var/lib/eucalyptus"
)

// ComponentStorageCheck checks on every host that the filesystem holding
// /var/lib/eucalyptus is large enough and that the host has enough memory
// (component_storage_check). On a host without the directory (ceph, riak,
// console) the root filesystem is checked and the message says so, where
// the original crashed.
type ComponentStorageCheck struct {
	// MinDisk is the least size, in bytes, of the filesystem of Dir, whose
	// size is rounded up to whole GiB before the comparison (default
	// DefaultMinDisk).
	MinDisk int64
	// MinMemory is the least MemTotal in bytes (default DefaultMinMemory).
	MinMemory int64
	// Dir is the directory whose filesystem is measured (default
	// DefaultEucalyptusDir).
	Dir string
}

// Name returns "component_storage_check".
func (*ComponentStorageCheck) Name() string { return "component_storage_check" }

// Needs implements calyptos.FactNeeder: the filesystem of Dir and the
// memory of every host.
func (d *ComponentStorageCheck) Needs(rb *calyptos.RoleBuilder) []calyptos.Need {
	hosts := rb.All()
	return []calyptos.Need{
		{Fact: facts.DirFilesystem(withDefault(d.Dir, DefaultEucalyptusDir)), Hosts: hosts},
		{Fact: facts.Memory(), Hosts: hosts},
	}
}

// Debug implements calyptos.Debugger.
func (d *ComponentStorageCheck) Debug(ctx context.Context, c *calyptos.Check) {
	minDisk := withDefault(d.MinDisk, DefaultMinDisk)
	minMem := withDefault(d.MinMemory, DefaultMinMemory)
	dir := withDefault(d.Dir, DefaultEucalyptusDir)
	hosts := c.Roles().All()
	if len(hosts) == 0 {
		c.Skipped("no hosts in the deployment")
		return
	}
	disk := calyptos.Gather(ctx, c, facts.DirFilesystem(dir), hosts)
	mem := calyptos.Gather(ctx, c, facts.Memory(), hosts)
	for i, h := range hosts {
		s := c.OnHost(h)
		if c.Reached(h, disk[i].Err) {
			checkDisk(s, disk[i], dir, minDisk)
		}
		if c.Reached(h, mem[i].Err) {
			checkMemTotal(s, mem[i], minMem)
		}
	}
}

func checkDisk(s calyptos.Scope, r calyptos.FactResult[facts.DirFS], dir string, minDisk int64) {
	if r.Err != nil {
		s.Key("disk-size").Hint("check that df works on the host (df -P -k /var/lib/eucalyptus)").Report(calyptos.Fail, fmt.Sprintf("cannot read the size of %s: %v", dir, r.Err), evidence(r.Output))
		return
	}
	df := r.Value
	what := dir
	if df.Absent {
		what = fmt.Sprintf("/ (%s absent)", dir)
	}
	// The original read the size from `df --block-size G`, which rounds
	// up: compare whole GiB, the size rounded up the same way (a
	// filesystem on a 30 GiB volume passes). Counting in GiB also keeps
	// any size clear of overflow.
	sizeGiB := (df.SizeKiB + 1<<20 - 1) >> 20
	needGiB := minDisk >> 30
	if minDisk&(1<<30-1) != 0 {
		needGiB++
	}
	if sizeGiB < needGiB {
		s.Key("disk-size").Hint("give /var/lib/eucalyptus a filesystem of at least the minimum size (Eucalyptus keeps images, volumes and instances there)").Failuref("%s minimum disk requirement has not been met: %s is %s", byteSize(minDisk), what, gib(df.SizeKiB))
		return
	}
	s.Key("disk-size").Successf("%s minimum disk requirement met: %s is %s", byteSize(minDisk), what, gib(df.SizeKiB))
}

func checkMemTotal(s calyptos.Scope, r calyptos.FactResult[facts.Meminfo], minMem int64) {
	if r.Err != nil {
		s.Key("memory-size").Hint("check that /proc/meminfo is readable on the host").Report(calyptos.Fail, fmt.Sprintf("cannot read memory size: %v", r.Err), evidence(r.Output))
		return
	}
	m := r.Value
	if m.TotalKiB<<10 < minMem {
		s.Key("memory-size").Hint("give the host more RAM: a Eucalyptus component host needs at least the minimum").Failuref("%s minimum memory requirement has not been met: %s total", byteSize(minMem), gib(m.TotalKiB))
		return
	}
	s.Key("memory-size").Successf("%s minimum memory requirement met: %s total", byteSize(minMem), gib(m.TotalKiB))
}
