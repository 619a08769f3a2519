package facts

import (
	"fmt"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/textparse"
)

// MeminfoCommand reads the memory totals. Among other facts it costs no
// process: the gathering script serves cat of a kernel file itself.
const MeminfoCommand = "cat /proc/meminfo"

// Memory is the host's total and available memory, from /proc/meminfo.
func Memory() *calyptos.Fact[Meminfo] {
	return &calyptos.Fact[Meminfo]{Name: "meminfo", Command: MeminfoCommand,
		Parse: func(o calyptos.Output) (Meminfo, error) { return parseMeminfo(o.Stdout) }}
}

// Meminfo is the part of /proc/meminfo the checks use, in KiB.
type Meminfo struct {
	TotalKiB     int64
	AvailableKiB int64
	// Estimated is set when the kernel has no MemAvailable (EL6 before
	// 2.6.32-504) and AvailableKiB is MemFree+Buffers+Cached, what the
	// "-/+ buffers/cache" line of the old free showed.
	Estimated bool
}

// parseMeminfo reads /proc/meminfo. It needs MemTotal, and MemAvailable or
// MemFree.
func parseMeminfo(out string) (Meminfo, error) {
	vals := map[string]int64{}
	for line := range strings.Lines(out) {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, ok := textparse.Atoi(f[0])
		if !ok {
			continue
		}
		if len(f) > 1 && !strings.EqualFold(f[1], "kB") {
			continue
		}
		vals[strings.TrimSpace(k)] = n
	}
	var m Meminfo
	total, ok := vals["MemTotal"]
	if !ok {
		return m, fmt.Errorf("meminfo: MemTotal: %w", ErrNoData)
	}
	m.TotalKiB = total
	if avail, ok := vals["MemAvailable"]; ok {
		m.AvailableKiB = avail
		return m, nil
	}
	free, ok := vals["MemFree"]
	if !ok {
		return m, fmt.Errorf("meminfo: MemAvailable or MemFree: %w", ErrNoData)
	}
	m.AvailableKiB = free + vals["Buffers"] + vals["Cached"]
	m.Estimated = true
	return m, nil
}
