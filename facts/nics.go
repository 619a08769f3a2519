package facts

import (
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/textparse"
)

// NICsCommand lists the physical network interfaces (those with a
// device) from sysfs, or the lspci network devices where sysfs shows none.
// The sysfs files are read by the shell (read), not by cat or readlink:
// no process per interface. The driver is the DRIVER= line of the
// device's uevent, the name its driver link points to.
const NICsCommand = `found=0; for d in /sys/class/net/*; do [ -e "$d/device" ] || continue; found=1; ` +
	`drv=; sp=; st=; { while IFS='=' read -r k v; do [ "$k" = DRIVER ] && drv=$v; done <"$d/device/uevent"; read -r sp <"$d/speed"; read -r st <"$d/operstate"; } 2>/dev/null; ` +
	`printf 'nic name=%s speed=%s driver=%s state=%s\n' "${d##*/}" "$sp" "${drv##*/}" "$st"; done; ` +
	`if [ "$found" = 0 ] && command -v lspci >/dev/null 2>&1; then lspci | grep -Ei 'network|ethernet' | sed 's/^/lspci /'; fi`

// NICs is the host's network interfaces: speed, driver and state from
// /sys/class/net, or lspci's description where there is no sysfs.
func NICs() *calyptos.Fact[[]NIC] {
	return &calyptos.Fact[[]NIC]{Name: "nics", Command: NICsCommand,
		Parse: func(o calyptos.Output) ([]NIC, error) { return parseNICs(o.Stdout), nil }}
}

// NIC is one network interface.
type NIC struct {
	Name   string
	Speed  int // Mb/s; -1 when unknown (virtio, link down, no driver support)
	Driver string
	State  string // operstate: "up", "down", "unknown"; "" from lspci
	Desc   string // the lspci description, when that is the source
}

// parseNICs reads nicScript's output: "nic name=eth0 speed=1000
// driver=e1000 state=up" lines from /sys/class/net, or, on hosts without
// it, "lspci <line>" lines from `lspci | grep -Ei 'network|ethernet'`.
func parseNICs(out string) []NIC {
	var ns []NIC
	for line := range strings.Lines(out) {
		l := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(l, "nic "):
			kv := textparse.ParseKV(l[4:])
			if kv["name"] == "" {
				continue
			}
			n := NIC{Name: kv["name"], Driver: kv["driver"], State: kv["state"], Speed: -1}
			if s, ok := textparse.Atoi(kv["speed"]); ok && s > 0 && s < 10_000_000 {
				n.Speed = int(s)
			}
			ns = append(ns, n)
		case strings.HasPrefix(l, "lspci "):
			desc := strings.TrimSpace(l[6:])
			if desc == "" {
				continue
			}
			slot, _, _ := strings.Cut(desc, " ")
			ns = append(ns, NIC{Name: slot, Desc: desc, Speed: lspciSpeed(desc)})
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
