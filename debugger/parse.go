package debugger

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file holds the parsers of remote command output. Each one is a plain
// function of the text a command printed, tolerant of any input (they are
// fuzzed), and none of them greps: they split lines into fields and read
// the field that carries the fact.

// errNoData is wrapped by parsers that found nothing they could read.
var errNoData = errors.New("no usable data in output")

// isDigits reports whether s is a non-empty run of ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// atoi parses a non-negative decimal of at most 18 digits (no sign, no
// space), so that it cannot overflow int64.
func atoi(s string) (int64, bool) {
	if !isDigits(s) || len(s) > 18 {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// parseKV splits a line of key=value words. The key "text" takes the rest
// of the line, spaces included, so that a free-form value can come last.
func parseKV(line string) map[string]string {
	kv := map[string]string{}
	rest := strings.TrimSpace(line)
	for rest != "" {
		if t, ok := strings.CutPrefix(rest, "text="); ok {
			kv["text"] = strings.TrimSpace(t)
			break
		}
		word, tail := rest, ""
		if i := strings.IndexAny(rest, " \t"); i >= 0 {
			word, tail = rest[:i], rest[i+1:]
		}
		rest = strings.TrimLeft(tail, " \t")
		if k, v, ok := strings.Cut(word, "="); ok && k != "" {
			kv[k] = v
		}
	}
	return kv
}

// ---------------------------------------------------------------------------
// Listening sockets: ss and netstat.

// listener is one listening socket.
type listener struct {
	Proto string // "tcp" or "udp"
	Addr  string // local address without port: "0.0.0.0", "::", "*", "127.0.0.1"
	Port  int
}

// parseListeners reads the listening TCP and UDP sockets from the output
// of `ss -Hlntu`, `ss -lntu` (with or without its header, with or without
// the Netid column), `netstat -lntu` or `netstat -lnp`. Only the local
// address column is read, and a TCP socket counts only in state LISTEN.
func parseListeners(out string) []listener {
	var ls []listener
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		proto, local, ok := listenerFields(f)
		if !ok {
			continue
		}
		addr, port, ok := splitLocal(local)
		if !ok {
			continue
		}
		ls = append(ls, listener{Proto: proto, Addr: addr, Port: port})
	}
	return ls
}

// listenerFields picks the protocol and local address out of one line.
func listenerFields(f []string) (proto, local string, ok bool) {
	p := strings.ToLower(f[0])
	switch p {
	case "tcp", "tcp6", "udp", "udp6":
		proto = p[:3]
		if isDigits(f[1]) {
			// netstat: Proto Recv-Q Send-Q Local Foreign [State] [PID/Program]
			if len(f) < 5 {
				return "", "", false
			}
			// The state may be translated (netstat prints it through
			// gettext): a TCP socket with a wildcard peer port listens.
			if proto == "tcp" && (len(f) < 6 || (f[5] != "LISTEN" && !strings.HasSuffix(f[4], ":*"))) {
				return "", "", false
			}
			return proto, f[3], true
		}
		// ss with the Netid column: Netid State Recv-Q Send-Q Local Peer [Process]
		if len(f) < 6 {
			return "", "", false
		}
		if proto == "tcp" && f[1] != "LISTEN" {
			return "", "", false
		}
		return proto, f[4], true
	case "listen":
		// ss without the Netid column (one protocol asked): State Recv-Q Send-Q Local Peer
		if len(f) < 5 {
			return "", "", false
		}
		return "tcp", f[3], true
	case "unconn":
		if len(f) < 5 {
			return "", "", false
		}
		return "udp", f[3], true
	}
	return "", "", false
}

// splitLocal splits a local socket address as ss or netstat print it:
// "0.0.0.0:22", "*:8773", "[::]:8773", ":::8773", "127.0.0.53%lo:53",
// "[fe80::1]%eth0:123", "[fe80::1%eth0]:123". The port must be a number from 1 to 65535.
func splitLocal(s string) (addr string, port int, ok bool) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return "", 0, false
	}
	n, ok := atoi(s[i+1:])
	if !ok || n < 1 || n > 65535 {
		return "", 0, false
	}
	addr = s[:i]
	// Drop an interface scope, inside the brackets ("[fe80::1%eth0]") or
	// after them, as ss prints it ("[fe80::1]%eth0", "0.0.0.0%eth0").
	if j := strings.IndexByte(addr, '%'); j >= 0 {
		rest := addr[j:]
		addr = addr[:j]
		if k := strings.IndexByte(rest, ']'); k >= 0 {
			addr += rest[k:]
		}
	}
	addr = strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]")
	if addr == "" {
		addr = "*"
	}
	if strings.ContainsAny(addr, "[]%") {
		return "", 0, false
	}
	return addr, int(n), true
}

// ---------------------------------------------------------------------------
// Service state: systemctl is-active / is-enabled, or service status +
// chkconfig, as printed by serviceScript.

// serviceState is what serviceScript found out about one service.
type serviceState struct {
	Name      string
	Init      string // "systemd" or "sysv"
	Running   bool
	Installed bool
	// Enabled is "yes", "no" or "" when unknown.
	Enabled string
	// Detail is the raw state for messages: "active", "inactive",
	// "exit 3: eucalyptus-cloud is stopped".
	Detail string
}

// parseServices reads serviceScript's output: one line per service,
//
//	unit=NAME init=systemd active=STATE enabled=STATE
//	unit=NAME init=sysv status=EXIT boot=NAME,0:off,1:off,2:on,... text=LAST LINE
func parseServices(out string) []serviceState {
	var ss []serviceState
	for line := range strings.Lines(out) {
		kv := parseKV(line)
		name, ok := kv["unit"]
		if !ok || name == "" {
			continue
		}
		s := serviceState{Name: name, Init: kv["init"]}
		switch s.Init {
		case "systemd":
			active, enabled := kv["active"], kv["enabled"]
			s.Running = active == "active" || active == "reloading"
			s.Installed = s.Running || (enabled != "" && enabled != "not-found")
			switch enabled {
			case "enabled", "enabled-runtime", "static", "alias", "indirect", "generated":
				s.Enabled = "yes"
			case "disabled", "masked", "masked-runtime":
				s.Enabled = "no"
			}
			s.Detail = orDefault(active, "unknown")
			if !s.Installed {
				s.Detail = "not installed"
			}
		case "sysv":
			code, ok := atoi(kv["status"])
			text := kv["text"]
			low := strings.ToLower(text)
			negative := strings.Contains(low, "not running") || strings.Contains(low, "stopped") ||
				strings.Contains(low, "dead") || strings.Contains(low, "unrecognized") || strings.Contains(low, "not found")
			s.Running = ok && code == 0 && !negative
			s.Installed = ok && code != 4 && code != 127 && !strings.Contains(low, "unrecognized") && !strings.Contains(low, "not found")
			s.Enabled = chkconfigEnabled(kv["boot"])
			s.Detail = fmt.Sprintf("exit %s", orDefault(kv["status"], "?"))
			if text != "" {
				s.Detail += ": " + text
			}
			if !s.Installed {
				s.Detail = "not installed (" + s.Detail + ")"
			}
		default:
			continue
		}
		ss = append(ss, s)
	}
	return ss
}

// chkconfigEnabled reads `chkconfig --list NAME` with blanks turned into
// commas ("ntpd,0:off,1:off,2:on,3:on,4:on,5:on,6:off"): enabled when
// runlevels 2 to 5 are all on, as the original required.
func chkconfigEnabled(boot string) string {
	if boot == "" {
		return ""
	}
	on := 0
	seen := 0
	for _, w := range strings.Split(boot, ",") {
		lvl, state, ok := strings.Cut(w, ":")
		if !ok || len(lvl) != 1 || lvl[0] < '2' || lvl[0] > '5' {
			continue
		}
		seen++
		if state == "on" {
			on++
		}
	}
	switch {
	case seen == 0:
		return ""
	case on == seen && seen == 4:
		return "yes"
	default:
		return "no"
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// ---------------------------------------------------------------------------
// /proc/meminfo

// meminfo is the part of /proc/meminfo the checks use, in KiB.
type meminfo struct {
	TotalKiB     int64
	AvailableKiB int64
	// Estimated is set when the kernel has no MemAvailable (EL6 before
	// 2.6.32-504) and AvailableKiB is MemFree+Buffers+Cached, what the
	// "-/+ buffers/cache" line of the old free showed.
	Estimated bool
}

// parseMeminfo reads /proc/meminfo. It needs MemTotal, and MemAvailable or
// MemFree.
func parseMeminfo(out string) (meminfo, error) {
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
		n, ok := atoi(f[0])
		if !ok {
			continue
		}
		if len(f) > 1 && !strings.EqualFold(f[1], "kB") {
			continue
		}
		vals[strings.TrimSpace(k)] = n
	}
	var m meminfo
	total, ok := vals["MemTotal"]
	if !ok {
		return m, fmt.Errorf("meminfo: MemTotal: %w", errNoData)
	}
	m.TotalKiB = total
	if avail, ok := vals["MemAvailable"]; ok {
		m.AvailableKiB = avail
		return m, nil
	}
	free, ok := vals["MemFree"]
	if !ok {
		return m, fmt.Errorf("meminfo: MemAvailable or MemFree: %w", errNoData)
	}
	m.AvailableKiB = free + vals["Buffers"] + vals["Cached"]
	m.Estimated = true
	return m, nil
}

// ---------------------------------------------------------------------------
// df -P -k, df --output

// dfEntry is one filesystem line of df, sizes in KiB.
type dfEntry struct {
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
func parseDF(out string) (dfEntry, error) {
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
	return dfEntry{}, fmt.Errorf("df: %w", errNoData)
}

// dfPosix reads one line of `df -P` by position: a filesystem name (which
// may hold blanks), three numbers, a capacity ("39%" or "-") and a mount
// point (which may hold blanks).
func dfPosix(f []string) (dfEntry, bool) {
	for i := 1; i+4 < len(f); i++ {
		size, ok1 := atoi(f[i])
		used, ok2 := atoi(f[i+1])
		avail, ok3 := atoi(f[i+2])
		if !ok1 || !ok2 || !ok3 {
			continue
		}
		pct := -1
		if c := f[i+3]; c != "-" {
			n, ok := atoi(strings.TrimSuffix(c, "%"))
			if !ok || !strings.HasSuffix(c, "%") || n > 100 {
				continue
			}
			pct = int(n)
		}
		return dfEntry{
			Filesystem: strings.Join(f[:i], " "),
			SizeKiB:    size,
			UsedKiB:    used,
			AvailKiB:   avail,
			UsePercent: pct,
			Mount:      strings.Join(f[i+4:], " "),
		}, true
	}
	return dfEntry{}, false
}

func dfLine(cols, f []string) (dfEntry, error) {
	e := dfEntry{UsePercent: -1}
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
			n, ok := atoi(v)
			if !ok {
				return e, fmt.Errorf("df: size %q is not a number", v)
			}
			e.SizeKiB, haveSize = n, true
		case "used":
			e.UsedKiB, _ = atoi(v)
		case "available", "avail":
			e.AvailKiB, _ = atoi(v)
		case "capacity", "use%":
			if n, ok := atoi(strings.TrimSuffix(v, "%")); ok && n <= 100 {
				e.UsePercent = int(n)
			}
		case "mounted_on":
			e.Mount = v
		}
	}
	if !haveSize {
		return e, fmt.Errorf("df: no size column: %w", errNoData)
	}
	return e, nil
}

// parseDU reads the first field of `du -sk PATH`: a size in KiB.
func parseDU(out string) (int64, error) {
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if n, ok := atoi(f[0]); ok {
			return n, nil
		}
	}
	return 0, fmt.Errorf("du: %w", errNoData)
}

// ---------------------------------------------------------------------------
// /proc/cpuinfo

// cpuInfo is what the compute requirements need from /proc/cpuinfo.
type cpuInfo struct {
	Processors int
	Vendors    []string // distinct vendor_id values
	Models     []string // distinct model name values
	// Virt is "vmx" (Intel VT-x), "svm" (AMD-V) or "" when the flags of
	// the first processor have neither.
	Virt string
}

// parseCPUInfo reads /proc/cpuinfo.
func parseCPUInfo(out string) cpuInfo {
	var ci cpuInfo
	flagsSeen := false
	for line := range strings.Lines(out) {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "processor":
			if _, ok := atoi(v); ok {
				ci.Processors++
			}
		case "vendor_id":
			if v != "" && !slices.Contains(ci.Vendors, v) {
				ci.Vendors = append(ci.Vendors, v)
			}
		case "model name":
			v = strings.Join(strings.Fields(v), " ")
			if v != "" && !slices.Contains(ci.Models, v) {
				ci.Models = append(ci.Models, v)
			}
		case "flags":
			if flagsSeen {
				continue
			}
			flagsSeen = true
			for _, fl := range strings.Fields(v) {
				if fl == "vmx" || fl == "svm" {
					ci.Virt = fl
					break
				}
			}
		}
	}
	return ci
}

// intelOrAMD reports whether the CPU is an x86 part from Intel or AMD: by
// vendor_id, or by model name when the kernel shows no vendor.
func (ci cpuInfo) intelOrAMD() bool {
	if len(ci.Vendors) > 0 {
		for _, v := range ci.Vendors {
			if v != "GenuineIntel" && v != "AuthenticAMD" {
				return false
			}
		}
		return true
	}
	if len(ci.Models) == 0 {
		return false
	}
	for _, m := range ci.Models {
		if !strings.Contains(m, "Intel") && !strings.Contains(m, "AMD") {
			return false
		}
	}
	return true
}

// ---------------------------------------------------------------------------
// /etc/os-release, /etc/system-release

// osInfo identifies an operating system.
type osInfo struct {
	ID      string   // "centos", "rhel", "rocky", "debian"
	IDLike  []string // ID_LIKE of os-release
	Version string   // "7", "6.10", "12"
	Major   int      // -1 when unknown
	Pretty  string   // for messages
}

var releaseRE = regexp.MustCompile(`(?i)\brelease\s+(\d+(?:\.\d+)*)`)

// parseOSRelease reads /etc/os-release, or when the text has no ID= line,
// the one-line /etc/system-release of EL6 ("CentOS release 6.10 (Final)").
func parseOSRelease(out string) (osInfo, error) {
	info := osInfo{Major: -1}
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
		info.Pretty = orDefault(kv["PRETTY_NAME"], strings.TrimSpace(kv["NAME"]+" "+info.Version))
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
			return info, fmt.Errorf("os release: %w", errNoData)
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
	if n, ok := atoi(major); ok && n < 1000 {
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

// ---------------------------------------------------------------------------
// Clock

// parseClock reads `date -u +%s.%N`: seconds since the epoch with an
// optional fraction. Where date does not know %N the fraction is "N" or
// "%N" and is ignored.
func parseClock(out string) (time.Time, error) {
	s := strings.TrimSpace(out)
	sec, frac, _ := strings.Cut(s, ".")
	n, ok := atoi(sec)
	if !ok {
		return time.Time{}, fmt.Errorf("clock: %q is not a time in seconds: %w", firstLine(s), errNoData)
	}
	var ns int64
	if isDigits(frac) {
		if len(frac) > 9 {
			frac = frac[:9]
		}
		ns, _ = atoi(frac + strings.Repeat("0", 9-len(frac)))
	}
	return time.Unix(n, ns).UTC(), nil
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	if len(l) > 120 {
		l = l[:120] + "..."
	}
	return l
}

// ---------------------------------------------------------------------------
// euca-describe-services

// isServiceState reports whether w is a state euca-describe-services
// prints.
func isServiceState(w string) bool {
	switch w {
	case "ENABLED", "DISABLED", "BROKEN", "NOTREADY", "STOPPED", "INITIALIZED", "LOADED", "PRIMORDIAL":
		return true
	}
	return false
}

// eucaService is one SERVICE line of euca-describe-services.
type eucaService struct {
	State string // upper case: ENABLED, DISABLED, BROKEN, NOTREADY, ...
	Line  string
}

// parseDescribeServices reads the SERVICE lines of euca-describe-services
// ("SERVICE  TYPE  PARTITION  NAME  STATE  EPOCH  URL  ARN"). The state is
// the first field after the first that is a known state word, in any case,
// so both the euca2ools 2 and 3 layouts parse; text elsewhere on the line
// (a name that contains BROKEN, say) is never taken for a state.
func parseDescribeServices(out string) []eucaService {
	var svcs []eucaService
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) < 3 || f[0] != "SERVICE" {
			continue
		}
		for _, w := range f[1:] {
			up := strings.ToUpper(w)
			if isServiceState(up) {
				svcs = append(svcs, eucaService{State: up, Line: strings.TrimSpace(line)})
				break
			}
		}
	}
	return svcs
}

// ---------------------------------------------------------------------------
// sosreport

// sosMarker prefixes the line sosScript prints with the remote temporary
// directory it created.
const sosMarker = "calyptos-tmpdir="

var sosArchiveRE = regexp.MustCompile(`^sosreport[^/\s]*\.(tar|tar\.xz|tar\.gz|tar\.bz2|tar\.zst)$`)

// parseSosreport reads sosScript's output: the temporary directory it made
// and the archives sosreport says it wrote, whatever the directory (/tmp,
// /var/tmp or the --tmp-dir given).
func parseSosreport(out string) (tmpdir string, archives []string) {
	for line := range strings.Lines(out) {
		l := strings.TrimSpace(line)
		if d, ok := strings.CutPrefix(l, sosMarker); ok {
			if tmpdir == "" {
				tmpdir = d
			}
			continue
		}
		if !strings.HasPrefix(l, "/") || strings.ContainsAny(l, " \t") {
			continue
		}
		if sosArchiveRE.MatchString(path.Base(l)) && path.Clean(l) == l && !slices.Contains(archives, l) {
			archives = append(archives, l)
		}
	}
	return tmpdir, archives
}

// ---------------------------------------------------------------------------
// Reachability probes

// probeLine is one line of probeScript's output.
type probeLine struct {
	Target string
	Port   int
	Code   int
	Detail string
}

// parseProbes reads probeScript's output: "probe TARGET PORT EXIT DETAIL".
func parseProbes(out string) []probeLine {
	var ps []probeLine
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) < 4 || f[0] != "probe" {
			continue
		}
		port, ok1 := atoi(f[2])
		code, ok2 := atoi(f[3])
		if !ok1 || !ok2 || port < 1 || port > 65535 || code > 255 {
			continue
		}
		ps = append(ps, probeLine{Target: f[1], Port: int(port), Code: int(code), Detail: strings.Join(f[4:], " ")})
	}
	return ps
}

// ---------------------------------------------------------------------------
// Network interfaces

// nic is one network interface.
type nic struct {
	Name   string
	Speed  int // Mb/s; -1 when unknown (virtio, link down, no driver support)
	Driver string
	State  string // operstate: "up", "down", "unknown"; "" from lspci
	Desc   string // the lspci description, when that is the source
}

// parseNICs reads nicScript's output: "nic name=eth0 speed=1000
// driver=e1000 state=up" lines from /sys/class/net, or, on hosts without
// it, "lspci <line>" lines from `lspci | grep -Ei 'network|ethernet'`.
func parseNICs(out string) []nic {
	var ns []nic
	for line := range strings.Lines(out) {
		l := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(l, "nic "):
			kv := parseKV(l[4:])
			if kv["name"] == "" {
				continue
			}
			n := nic{Name: kv["name"], Driver: kv["driver"], State: kv["state"], Speed: -1}
			if s, ok := atoi(kv["speed"]); ok && s > 0 && s < 10_000_000 {
				n.Speed = int(s)
			}
			ns = append(ns, n)
		case strings.HasPrefix(l, "lspci "):
			desc := strings.TrimSpace(l[6:])
			if desc == "" {
				continue
			}
			slot, _, _ := strings.Cut(desc, " ")
			ns = append(ns, nic{Name: slot, Desc: desc, Speed: lspciSpeed(desc)})
		}
	}
	return ns
}

// lspciSpeed guesses a NIC's speed in Mb/s from its lspci description.
func lspciSpeed(desc string) int {
	low := strings.ToLower(desc)
	switch {
	case strings.Contains(low, "100-gigabit") || strings.Contains(low, "100gbe"):
		return 100000
	case strings.Contains(low, "40-gigabit") || strings.Contains(low, "40gbe"):
		return 40000
	case strings.Contains(low, "25-gigabit") || strings.Contains(low, "25gbe"):
		return 25000
	case strings.Contains(low, "10-gigabit") || strings.Contains(low, "10 gigabit") || strings.Contains(low, "10gbe") || strings.Contains(low, "10gb "):
		return 10000
	case strings.Contains(low, "gigabit"):
		return 1000
	case strings.Contains(low, "fast ethernet"):
		return 100
	}
	return -1
}

// ---------------------------------------------------------------------------
// stat, packages, iperf

// fileOwner is one line of `stat -c '%U %G %a %n'`.
type fileOwner struct {
	User, Group, Mode, Path string
}

// parseStat reads `stat -c '%U %G %a %n' PATH...`.
func parseStat(out string) []fileOwner {
	var fs []fileOwner
	for line := range strings.Lines(out) {
		f := strings.SplitN(strings.TrimRight(line, "\r\n"), " ", 4)
		if len(f) != 4 || f[0] == "" || !strings.HasPrefix(f[3], "/") || !isDigits(f[2]) {
			continue
		}
		fs = append(fs, fileOwner{User: f[0], Group: f[1], Mode: f[2], Path: f[3]})
	}
	return fs
}

// parsePackages reads packageScript's "pkg=NAME status=installed|missing"
// lines into a map of name to installed.
func parsePackages(out string) map[string]bool {
	m := map[string]bool{}
	for line := range strings.Lines(out) {
		kv := parseKV(line)
		if p := kv["pkg"]; p != "" {
			m[p] = kv["status"] == "installed"
		}
	}
	return m
}

// parseIperfPeers returns the peer addresses an iperf server log shows
// ("[  3] local 228.7.7.3 port 8773 connected with 192.0.2.11 port 4242").
func parseIperfPeers(out string) []string {
	var peers []string
	for line := range strings.Lines(out) {
		_, after, ok := strings.Cut(line, "connected with ")
		if !ok {
			continue
		}
		f := strings.Fields(after)
		if len(f) == 0 {
			continue
		}
		if !slices.Contains(peers, f[0]) {
			peers = append(peers, f[0])
		}
	}
	return peers
}

// ---------------------------------------------------------------------------
// NTP synchronisation: chronyc tracking, ntpq -pn

// timeSync is what chronyc or ntpq says about the local clock.
type timeSync struct {
	Source string // "chrony" or "ntpd"
	Synced bool
	// Offset is the local clock's offset from NTP time (positive: ahead),
	// when Synced.
	Offset time.Duration
}

// parseTimeSync reads `chronyc -n tracking` ("System time : 0.000012733
// seconds slow of NTP time", "Leap status : Normal") or `ntpq -pn` (the
// offset column, in milliseconds, of the peer marked '*').
func parseTimeSync(out string) (timeSync, error) {
	if strings.Contains(out, "System time") || strings.Contains(out, "Leap status") {
		ts := timeSync{Source: "chrony", Synced: true}
		found := false
		for line := range strings.Lines(out) {
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			switch strings.TrimSpace(k) {
			case "System time":
				f := strings.Fields(v)
				if len(f) < 3 {
					continue
				}
				sec, err := strconv.ParseFloat(f[0], 64)
				if err != nil || sec < 0 || sec > 1e9 {
					continue
				}
				d := time.Duration(sec * float64(time.Second))
				if f[2] == "slow" {
					d = -d
				}
				ts.Offset, found = d, true
			case "Leap status":
				if strings.TrimSpace(v) == "Not synchronised" {
					ts.Synced = false
				}
			}
		}
		if !found {
			ts.Synced = false
		}
		return ts, nil
	}
	if strings.Contains(out, "remote") && strings.Contains(out, "offset") {
		ts := timeSync{Source: "ntpd"}
		for line := range strings.Lines(out) {
			if !strings.HasPrefix(line, "*") {
				continue
			}
			f := strings.Fields(line)
			if len(f) < 10 {
				continue
			}
			ms, err := strconv.ParseFloat(f[8], 64)
			if err != nil || ms < -1e12 || ms > 1e12 {
				continue
			}
			ts.Synced, ts.Offset = true, time.Duration(ms*float64(time.Millisecond))
			break
		}
		return ts, nil
	}
	return timeSync{}, fmt.Errorf("time sync: %w", errNoData)
}
