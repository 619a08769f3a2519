package checks

import (
	"slices"
	"strconv"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/dpkgdb"
)

// This file declares the fact families of the checks: every resource of
// one type on a host, whatever roles ask for it, is one command of the
// host's gathering session (see calyptos.Family).

// Caps on what a host sends back.
const (
	contentCap    = 256 << 10 // bytes of one file's contents read
	contentsTotal = 4 << 20   // bytes of every file's contents on one host
)

// q quotes a word for the hosts' shell.
func q(s string) string { return calyptos.ShellQuote(s) }

// keyed is a member of family fam for keys (sorted, without duplicates):
// its value is each key's records.
func keyed(fam *calyptos.Family, keys []string) *calyptos.Fact[map[string]*keyRecords] {
	keys = slices.Compact(slices.Sorted(slices.Values(keys)))
	return &calyptos.Fact[map[string]*keyRecords]{Name: "checks " + fam.Name + " " + strings.Join(keys, "\x1f"),
		Family: fam, Keys: keys,
		Parse: func(o calyptos.Output) (map[string]*keyRecords, error) { return parseKeyed(o.Stdout), nil }}
}

// filesFamily reads, for keys "stat PATH", "md5 PATH", "sha256 PATH" and
// "sha512 PATH", a path's type, mode, owner, group, ids and size (and
// its link's target) without following a last symbolic link, or its
// checksum.
func filesFamily() *calyptos.Family {
	return &calyptos.Family{Name: "checks-files", Split: splitIndexed, Command: memo(func(keys []string) string {
		return forKeys("", keys, func(i, k string) string {
			op, path, _ := strings.Cut(k, " ")
			p := q(path)
			if op == "stat" {
				return "if s=$(LC_ALL=C stat -c '%F|%a|%U|%G|%u|%g|%s' -- " + p + " 2>&1); then rec " + i + " stat \"$s\"; " +
					"[ ! -L " + p + " ] || rec " + i + " link \"$(readlink -- " + p + ")\"; else rec " + i + " error \"$s\"; fi"
			}
			return "if [ ! -f " + p + " ]; then rec " + i + " error 'not a regular file'; " +
				"elif h=$(" + op + "sum < " + p + " 2>&1); then rec " + i + " sum \"${h%% *}\"; else rec " + i + " error \"$h\"; fi"
		})
	})}
}

// contentsFamily reads the first contentCap bytes of each path, a
// regular file, line by line.
func contentsFamily() *calyptos.Family {
	return &calyptos.Family{Name: "checks-contents", Split: splitIndexed, MaxOutput: contentsTotal, Command: memo(func(keys []string) string {
		return forKeys("", keys, func(i, path string) string {
			p := q(path)
			return "if [ -f " + p + " ] && [ -r " + p + " ]; then { head -c " + strconv.Itoa(contentCap+1) + " < " + p + "; echo; } | sed 's/^/" + i + "|/'; rec " + i + " read ok; " +
				"elif [ -e " + p + " ]; then rec " + i + " error 'not a readable regular file'; else rec " + i + " error 'no such file'; fi"
		})
	})}
}

// kernelFamily reads each sysctl from /proc/sys.
func kernelFamily() *calyptos.Family {
	return &calyptos.Family{Name: "checks-kernel", Split: splitIndexed, Command: memo(func(keys []string) string {
		return forKeys("", keys, func(i, name string) string {
			f := q(sysctlPath(name))
			return "if { IFS= read -r v || [ -n \"$v\" ]; } < " + f + " 2>/dev/null; then rec " + i + " value \"$v\"; " +
				"elif [ -e " + f + " ]; then rec " + i + " error unreadable; else rec " + i + " missing x; fi"
		})
	})}
}

// sysctlPath is where a sysctl is in /proc/sys: dots are directories,
// and a slash (in an interface name, eth0.100) a dot.
func sysctlPath(name string) string {
	return "/proc/sys/" + strings.Map(func(r rune) rune {
		switch r {
		case '.':
			return '/'
		case '/':
			return '.'
		}
		return r
	}, name)
}

// usersFamily reads each account (getent, which asks the directory
// services too, else /etc/passwd) and its groups.
func usersFamily() *calyptos.Family {
	return &calyptos.Family{Name: "checks-users", Split: splitIndexed, Command: memo(func(keys []string) string {
		return forKeys("g=; command -v getent >/dev/null 2>&1 && g=1\n", keys, func(i, name string) string {
			n := q(name)
			return "if [ -n \"$g\" ]; then l=$(getent passwd " + n + " 2>/dev/null); else l=$(u=" + n + " awk -F: '$1 == ENVIRON[\"u\"]' /etc/passwd 2>/dev/null); fi; " +
				"if [ -n \"$l\" ]; then rec " + i + " passwd \"$l\"; rec " + i + " groups \"$(id -Gn -- " + n + " 2>/dev/null)\"; else rec " + i + " missing x; fi"
		})
	})}
}

// groupsFamily reads each group (getent, else /etc/group).
func groupsFamily() *calyptos.Family {
	return &calyptos.Family{Name: "checks-groups", Split: splitIndexed, Command: memo(func(keys []string) string {
		return forKeys("g=; command -v getent >/dev/null 2>&1 && g=1\n", keys, func(i, name string) string {
			n := q(name)
			return "if [ -n \"$g\" ]; then l=$(getent group " + n + " 2>/dev/null); else l=$(u=" + n + " awk -F: '$1 == ENVIRON[\"u\"]' /etc/group 2>/dev/null); fi; " +
				"if [ -n \"$l\" ]; then rec " + i + " group \"$l\"; else rec " + i + " missing x; fi"
		})
	})}
}

// packagesFamily asks rpm and dpkg's database, once each, about every
// package: its installed versions as goss reads them (rpm's
// [EPOCH:]VERSION-RELEASE, dpkg's Version; dpkg's database is read with awk,
// see internal/dpkgdb).
func packagesFamily() *calyptos.Family {
	return &calyptos.Family{Name: "checks-packages", Split: splitPackages, Command: memo(func(keys []string) string {
		names := make([]string, len(keys))
		for i, k := range keys {
			names[i] = q(k)
		}
		all := strings.Join(names, " ")
		return "t=; if command -v rpm >/dev/null 2>&1; then t=rpm; rpm -q --qf 'rpm %{NAME} %|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\\n' " + all + " 2>/dev/null; fi\n" +
			dpkgdb.Code() + "if dpkg_list 'dpkg ' " + all + "; then t=\"$t dpkg\"; fi; " + dpkgdb.Unset +
			"echo \"tools $t\""
	})}
}

// splitPackages gives each package "installed" or "missing" (or
// "unknown" on a host with neither rpm nor dpkg) and its versions as
// content lines.
func splitPackages(keys []string, out calyptos.Output) map[string]calyptos.Output {
	versions := map[string][]string{}
	tools := false
	for line := range strings.Lines(out.Stdout) {
		f := strings.Fields(line)
		switch {
		case len(f) >= 1 && f[0] == "tools":
			tools = len(f) > 1
		case len(f) == 3 && (f[0] == "rpm" || f[0] == "dpkg"):
			versions[f[1]] = append(versions[f[1]], f[2])
		}
	}
	m := make(map[string]calyptos.Output, len(keys))
	for _, k := range keys {
		state := "missing"
		switch {
		case !tools:
			state = "unknown"
		case len(versions[k]) > 0:
			state = "installed"
		}
		var b strings.Builder
		b.WriteString(k + "\tstate " + state + "\n")
		for _, v := range versions[k] {
			b.WriteString(k + "\t|" + v + "\n")
		}
		m[k] = calyptos.Output{Stdout: b.String(), ExitCode: out.ExitCode, Truncated: out.Truncated}
	}
	return m
}
