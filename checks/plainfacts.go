package checks

import (
	"cmp"
	"strconv"
	"strings"
	"time"

	"github.com/org/calyptos"
)

// This file declares the facts of the checks that are one command each:
// the processes, the mounts, and each command and HTTP request of the
// file.

// Defaults of goss.
const (
	defaultCommandTimeout = 10 * time.Second
	defaultHTTPTimeout    = 5 * time.Second
)

// processesFact is the name (comm) of every process of the host.
func processesFact() *calyptos.Fact[map[string]bool] {
	return &calyptos.Fact[map[string]bool]{Name: "checks processes",
		Command: "if [ -r /proc/1/comm ]; then cat /proc/[0-9]*/comm 2>/dev/null; else ps -e -o comm=; fi",
		Parse: func(o calyptos.Output) (map[string]bool, error) {
			m := map[string]bool{}
			for l := range strings.Lines(o.Stdout) {
				if l = strings.TrimSpace(l); l != "" {
					m[l] = true
				}
			}
			return m, nil
		}}
}

// mount is one line of /proc/self/mountinfo.
type mount struct {
	point, source, fstype string
	opts, vfsOpts         []string
}

// mountsFact is the host's mounts, the last of a mount point being the
// one seen there.
func mountsFact() *calyptos.Fact[map[string]mount] {
	return &calyptos.Fact[map[string]mount]{Name: "checks mounts", Command: "cat /proc/self/mountinfo",
		Parse: func(o calyptos.Output) (map[string]mount, error) { return parseMountinfo(o.Stdout), nil }}
}

// parseMountinfo reads /proc/self/mountinfo: "ID PARENT MAJ:MIN ROOT
// POINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS".
func parseMountinfo(out string) map[string]mount {
	m := map[string]mount{}
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		dash := -1
		for i := 6; i < len(f); i++ {
			if f[i] == "-" {
				dash = i
				break
			}
		}
		if len(f) < 6 || dash < 0 || dash+3 > len(f) {
			continue
		}
		mt := mount{point: unescapeOctal(f[4]), opts: strings.Split(f[5], ","), fstype: f[dash+1], source: unescapeOctal(f[dash+2])}
		if dash+3 < len(f) {
			mt.vfsOpts = strings.Split(f[dash+3], ",")
		}
		m[mt.point] = mt
	}
	return m
}

// unescapeOctal undoes the kernel's \040-style escapes of blanks and
// backslashes in mount points.
func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// commandFact runs a command resource's command under sh -c, as goss
// does, within its timeout.
func commandFact(r *resource) *calyptos.Fact[calyptos.Output] {
	t := cmp.Or(optDuration(r, "timeout"), defaultCommandTimeout)
	return &calyptos.Fact[calyptos.Output]{Name: "checks command " + t.String() + " " + r.target,
		Command: "sh -c " + q(r.target), Timeout: t,
		Parse: func(o calyptos.Output) (calyptos.Output, error) { return o, nil }}
}

// optDuration returns a duration setting of r, or 0.
func optDuration(r *resource, name string) time.Duration {
	d, _ := r.opts[name].(time.Duration)
	return d
}

// optString returns a string setting of r, or "".
func optString(r *resource, name string) string {
	s, _ := r.opts[name].(string)
	return s
}

// optBool returns a boolean setting of r.
func optBool(r *resource, name string) bool {
	b, _ := r.opts[name].(bool)
	return b
}
