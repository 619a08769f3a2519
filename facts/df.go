package facts

import (
	"fmt"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/textparse"
)

// absentMarker is printed by the filesystem command when the directory
// is missing.
const absentMarker = "calyptos: directory absent"

// DirFS is the filesystem holding a directory, or the root filesystem
// when the directory is absent.
type DirFS struct {
	DF
	// Absent is set when the directory does not exist and DF is the root
	// filesystem's.
	Absent bool
}

// DirFilesystem is the size and use of the filesystem holding dir (df -P
// -k), or of / when dir is absent on the host.
func DirFilesystem(dir string) *calyptos.Fact[DirFS] {
	q := calyptos.ShellQuote(dir)
	return &calyptos.Fact[DirFS]{Name: "df " + dir,
		Command: "if [ -d " + q + " ]; then df -P -k " + q + "; else echo '" + absentMarker + "'; df -P -k /; fi",
		Parse: func(o calyptos.Output) (DirFS, error) {
			d, err := parseDF(o.Stdout)
			return DirFS{DF: d, Absent: strings.Contains(o.Stdout, absentMarker)}, err
		}}
}

// DF is one filesystem line of df, sizes in KiB.
type DF struct {
	Filesystem string
	SizeKiB    int64
	UsedKiB    int64
	AvailKiB   int64
	UsePercent int // -1 when df printed "-"
	Mount      string
}

// parseDF reads the first filesystem of `df -P -k PATH` or of
// `df --output=source,size,used,avail,pcent,target PATH` (1K blocks).
// Columns are found by their header, so both layouts work; any text before
// the header is ignored. A header df translated (the host's LANG is not
// English) is not recognised; the line is then read in the fixed column
// order of -P: filesystem, size, used, available, capacity, mount point.
func parseDF(out string) (DF, error) {
	var cols []string
	for line := range strings.Lines(out) {
		l := strings.TrimSpace(line)
		if cols == nil {
			low := strings.ToLower(l)
			if !strings.HasPrefix(low, "filesystem") && !strings.Contains(low, "1k-blocks") && !strings.Contains(low, "1024-blocks") {
				continue
			}
			low = strings.ReplaceAll(low, "mounted on", "mounted_on")
			cols = strings.Fields(low)
			continue
		}
		f := strings.Fields(l)
		if len(f) < len(cols) {
			continue
		}
		return dfLine(cols, f)
	}
	if cols == nil {
		for line := range strings.Lines(out) {
			if e, ok := dfPosix(strings.Fields(line)); ok {
				return e, nil
			}
		}
	}
	return DF{}, fmt.Errorf("df: %w", ErrNoData)
}

// dfPosix reads one line of `df -P` by position: a filesystem name (which
// may hold blanks), three numbers, a capacity ("39%" or "-") and a mount
// point (which may hold blanks).
func dfPosix(f []string) (DF, bool) {
	for i := 1; i+4 < len(f); i++ {
		size, ok1 := textparse.Atoi(f[i])
		used, ok2 := textparse.Atoi(f[i+1])
		avail, ok3 := textparse.Atoi(f[i+2])
		if !ok1 || !ok2 || !ok3 {
			continue
		}
		pct := -1
		if c := f[i+3]; c != "-" {
			n, ok := textparse.Atoi(strings.TrimSuffix(c, "%"))
			if !ok || !strings.HasSuffix(c, "%") || n > 100 {
				continue
			}
			pct = int(n)
		}
		return DF{
			Filesystem: strings.Join(f[:i], " "),
			SizeKiB:    size,
			UsedKiB:    used,
			AvailKiB:   avail,
			UsePercent: pct,
			Mount:      strings.Join(f[i+4:], " "),
		}, true
	}
	return DF{}, false
}

func dfLine(cols, f []string) (DF, error) {
	e := DF{UsePercent: -1}
	var haveSize bool
	for i, c := range cols {
		v := f[i]
		if i == len(cols)-1 {
			v = strings.Join(f[i:], " ") // a mount point may hold spaces
		}
		switch c {
		case "filesystem":
			e.Filesystem = v
		case "1024-blocks", "1k-blocks", "size":
			n, ok := textparse.Atoi(v)
			if !ok {
				return e, fmt.Errorf("df: size %q is not a number", textparse.FirstLine(v))
			}
			e.SizeKiB, haveSize = n, true
		case "used":
			e.UsedKiB, _ = textparse.Atoi(v)
		case "available", "avail":
			e.AvailKiB, _ = textparse.Atoi(v)
		case "capacity", "use%":
			if n, ok := textparse.Atoi(strings.TrimSuffix(v, "%")); ok && n <= 100 {
				e.UsePercent = int(n)
			}
		case "mounted_on":
			e.Mount = v
		}
	}
	if !haveSize {
		return e, fmt.Errorf("df: no size column: %w", ErrNoData)
	}
	return e, nil
}
