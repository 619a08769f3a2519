package facts

import (
	"cmp"
	"fmt"
	"regexp"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/textparse"
)

// OSReleaseCommand prints /etc/os-release, or on hosts without it (EL6)
// /etc/system-release or /etc/redhat-release, with the shell's read (see
// readLines).
const OSReleaseCommand = `for f in /etc/os-release /etc/system-release /etc/redhat-release; do [ -r "$f" ] && break; done; ` + readLines + ` <"$f"`

// OSRelease identifies the host's operating system.
func OSRelease() *calyptos.Fact[OSInfo] {
	return &calyptos.Fact[OSInfo]{Name: "os-release", Command: OSReleaseCommand,
		Parse: func(o calyptos.Output) (OSInfo, error) { return parseOSRelease(o.Stdout) }}
}

// OSInfo identifies an operating system.
type OSInfo struct {
	ID      string   // "centos", "rhel", "rocky", "debian"
	IDLike  []string // ID_LIKE of os-release
	Version string   // "7", "6.10", "12"
	Major   int      // -1 when unknown
	Pretty  string   // for messages
}

var releaseRE = regexp.MustCompile(`(?i)\brelease\s+(\d+(?:\.\d+)*)`)

// parseOSRelease reads /etc/os-release, or when the text has no ID= line,
// the one-line /etc/system-release of EL6 ("CentOS release 6.10 (Final)").
func parseOSRelease(out string) (OSInfo, error) {
	info := OSInfo{Major: -1}
	kv := map[string]string{}
	for line := range strings.Lines(out) {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			continue
		}
		kv[k] = unquoteOS(v)
	}
	if id := kv["ID"]; id != "" {
		info.ID = strings.ToLower(id)
		if like := strings.Fields(strings.ToLower(kv["ID_LIKE"])); len(like) > 0 {
			info.IDLike = like
		}
		info.Version = kv["VERSION_ID"]
		info.Pretty = cmp.Or(kv["PRETTY_NAME"], strings.TrimSpace(kv["NAME"]+" "+info.Version))
	} else {
		line := ""
		for l := range strings.Lines(out) {
			if l = strings.TrimSpace(l); l != "" {
				line = l
				break
			}
		}
		m := releaseRE.FindStringSubmatch(line)
		if m == nil {
			return info, fmt.Errorf("os release: %w", ErrNoData)
		}
		info.Version, info.Pretty = m[1], line
		low := strings.ToLower(line)
		for _, n := range [...]struct{ sub, id string }{
			{"centos", "centos"}, {"red hat", "rhel"}, {"scientific", "scientific"},
			{"oracle", "ol"}, {"rocky", "rocky"}, {"almalinux", "almalinux"}, {"fedora", "fedora"},
			{"amazon", "amzn"},
		} {
			if strings.Contains(low, n.sub) {
				info.ID = n.id
				break
			}
		}
		if info.ID == "" {
			info.ID = strings.ToLower(strings.Fields(line)[0])
		}
		if info.ID != "fedora" && info.ID != "amzn" {
			info.IDLike = []string{"rhel"}
		}
	}
	major, _, _ := strings.Cut(info.Version, ".")
	if n, ok := textparse.Atoi(major); ok && n < 1000 {
		info.Major = int(n)
	}
	return info, nil
}

func unquoteOS(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		v = v[1 : len(v)-1]
	}
	return v
}
