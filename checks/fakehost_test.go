package checks

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/facts"
)

// fakeHost answers the commands the checks send, from a description of a
// host's state: the stand-in for a host in tests run on calyptostest's
// fake executor (e.OnMatch("", "").Respond(h.respond)).
type fakeHost struct {
	files     map[string]fakeFile // by path
	kernel    map[string]string   // sysctl path → value
	users     map[string]string   // name → passwd line
	groups    map[string]string   // name → group line
	userGrps  map[string]string   // name → id -Gn
	packages  map[string][]string // name → versions (rpm)
	services  map[string]string   // name → serviceScript line
	listeners string              // ss -Hlntu
	processes []string
	mountinfo string
	df        map[string]string // path → df -P -k
	meminfo   string
	commands  map[string]calyptos.Output // by command text
	http      map[string]calyptos.Output // by URL
	probes    map[string]string          // "addr port" → "EXIT MESSAGE"
}

type fakeFile struct {
	stat    string // "%F|%a|%U|%G|%u|%g|%s", "" when absent
	link    string
	content string
}

var (
	statLine    = regexp.MustCompile(`stat -c '[^']*' -- (\S+) 2>&1\); then rec (\d+) stat`)
	sumLine     = regexp.MustCompile(`h=\$\((md5|sha256|sha512)sum < (\S+) 2>&1\); then rec (\d+) sum`)
	contentLine = regexp.MustCompile(`head -c \d+ < (\S+); echo; \} \| sed 's/\^/(\d+)\|/'`)
	kernelLine  = regexp.MustCompile(`\} < (\S+) 2>/dev/null; then rec (\d+) value`)
	userLine    = regexp.MustCompile(`getent passwd (\S+) 2>/dev/null.*rec (\d+) passwd`)
	groupLine   = regexp.MustCompile(`getent group (\S+) 2>/dev/null.*rec (\d+) group`)
	probeLine   = regexp.MustCompile(`(?m)^probe_batch \d+((?: \S+ \d+)+)$`)
)

func unquote(s string) string {
	if strings.HasPrefix(s, "'") {
		return strings.ReplaceAll(strings.Trim(s, "'"), `'\''`, "'")
	}
	return s
}

// respond answers one command as the host would.
func (h *fakeHost) respond(_, cmd string) (calyptos.Output, error) {
	var b strings.Builder
	switch {
	case strings.Contains(cmd, "probe_batch() {"):
		for _, m := range probeLine.FindAllStringSubmatch(cmd, -1) {
			f := strings.Fields(m[1])
			for i := 0; i+1 < len(f); i += 2 {
				r := h.probes[unquote(f[i])+" "+f[i+1]]
				if r == "" {
					r = "1 bash: connect: Connection refused"
				}
				fmt.Fprintf(&b, "probe %s %s %s\n", unquote(f[i]), f[i+1], r)
			}
		}
	case strings.HasPrefix(cmd, "sh -c "):
		return h.commands[unquote(strings.TrimPrefix(cmd, "sh -c "))], nil
	case strings.Contains(cmd, "client curl"):
		curl, _, _ := strings.Cut(cmd, "; elif")
		f := strings.Fields(curl)
		if o, ok := h.http[unquote(f[len(f)-1])]; ok {
			return o, nil
		}
		return calyptos.Output{Stderr: "client curl\ncurl: (7) Failed to connect\n", ExitCode: 7}, nil
	case strings.Contains(cmd, "rpm -q --qf"):
		h.packagesOut(&b)
	case strings.Contains(cmd, "services_systemd=/run/systemd/system "):
		h.servicesOut(&b, cmd)
	default:
		if o, ok := h.plain(cmd); ok {
			return o, nil
		}
		h.keyedOut(&b, cmd)
	}
	return calyptos.Output{Stdout: b.String()}, nil
}

// plain answers the commands of single facts.
func (h *fakeHost) plain(cmd string) (calyptos.Output, bool) {
	switch {
	case cmd == facts.ListenersCommand:
		return calyptos.Output{Stdout: h.listeners}, true
	case strings.Contains(cmd, "/proc/[0-9]*/comm"):
		return calyptos.Output{Stdout: strings.Join(h.processes, "\n") + "\n"}, true
	case cmd == "cat /proc/self/mountinfo":
		return calyptos.Output{Stdout: h.mountinfo}, true
	case cmd == facts.MeminfoCommand:
		return calyptos.Output{Stdout: h.meminfo}, true
	case cmd == facts.ClockCommand:
		return calyptos.Output{Stdout: "1700000000.000000000\n"}, true
	case strings.Contains(cmd, "df -P -k"):
		for p, out := range h.df {
			if strings.Contains(cmd, "[ -d "+q(p)+" ]") {
				return calyptos.Output{Stdout: out}, true
			}
		}
		return calyptos.Output{Stdout: "calyptos: directory absent\n" + h.df["/"]}, true
	}
	return calyptos.Output{}, false
}

func (h *fakeHost) packagesOut(b *strings.Builder) {
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range h.packages {
			if !yield(n) {
				return
			}
		}
	})
	for _, n := range names {
		for _, v := range h.packages[n] {
			fmt.Fprintf(b, "rpm %s %s\n", n, v)
		}
	}
	b.WriteString("tools rpm\n")
}

func (h *fakeHost) servicesOut(b *strings.Builder, cmd string) {
	_, rest, _ := strings.Cut(cmd, "for s in ")
	list, _, _ := strings.Cut(rest, "; do")
	for _, w := range strings.Fields(list) {
		s := unquote(w)
		if l, ok := h.services[s]; ok {
			b.WriteString(l + "\n")
		} else {
			fmt.Fprintf(b, "unit=%s init=systemd active=inactive enabled=\n", s)
		}
	}
}

// keyedOut answers the indexed families line by line.
func (h *fakeHost) keyedOut(b *strings.Builder, cmd string) {
	for line := range strings.Lines(cmd) {
		switch {
		case statLine.MatchString(line):
			m := statLine.FindStringSubmatch(line)
			f, ok := h.files[unquote(m[1])]
			if !ok {
				fmt.Fprintf(b, "%s error stat: cannot statx '%s': No such file or directory\n", m[2], unquote(m[1]))
				continue
			}
			fmt.Fprintf(b, "%s stat %s\n", m[2], f.stat)
			if f.link != "" {
				fmt.Fprintf(b, "%s link %s\n", m[2], f.link)
			}
		case sumLine.MatchString(line):
			m := sumLine.FindStringSubmatch(line)
			fmt.Fprintf(b, "%s sum %s-of-%s\n", m[3], m[1], unquote(m[2]))
		case contentLine.MatchString(line):
			m := contentLine.FindStringSubmatch(line)
			f, ok := h.files[unquote(m[1])]
			if !ok {
				fmt.Fprintf(b, "%s error no such file\n", m[2])
				continue
			}
			for l := range strings.Lines(f.content + "\n") {
				b.WriteString(m[2] + "|" + l)
			}
			fmt.Fprintf(b, "%s read ok\n", m[2])
		case kernelLine.MatchString(line):
			m := kernelLine.FindStringSubmatch(line)
			if v, ok := h.kernel[unquote(m[1])]; ok {
				fmt.Fprintf(b, "%s value %s\n", m[2], v)
			} else {
				fmt.Fprintf(b, "%s missing x\n", m[2])
			}
		case userLine.MatchString(line):
			m := userLine.FindStringSubmatch(line)
			if l, ok := h.users[unquote(m[1])]; ok {
				fmt.Fprintf(b, "%s passwd %s\n%s groups %s\n", m[2], l, m[2], h.userGrps[unquote(m[1])])
			} else {
				fmt.Fprintf(b, "%s missing x\n", m[2])
			}
		case groupLine.MatchString(line):
			m := groupLine.FindStringSubmatch(line)
			if l, ok := h.groups[unquote(m[1])]; ok {
				fmt.Fprintf(b, "%s group %s\n", m[2], l)
			} else {
				fmt.Fprintf(b, "%s missing x\n", m[2])
			}
		}
	}
}
