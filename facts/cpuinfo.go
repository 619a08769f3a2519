package facts

import (
	"slices"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/textparse"
)

// CPUInfoCommand reads the processors' description; among other facts, the
// gathering script serves it without a process (see MeminfoCommand).
const CPUInfoCommand = "cat /proc/cpuinfo"

// CPU is the host's processors, from /proc/cpuinfo.
func CPU() *calyptos.Fact[CPUInfo] {
	return &calyptos.Fact[CPUInfo]{Name: "cpuinfo", Command: CPUInfoCommand, MaxOutput: 4 << 20,
		Parse: func(o calyptos.Output) (CPUInfo, error) { return parseCPUInfo(o.Stdout), nil }}
}

// CPUInfo is what the compute requirements need from /proc/cpuinfo.
type CPUInfo struct {
	Processors int
	Vendors    []string // distinct vendor_id values
	Models     []string // distinct model name values
	// Virt is "vmx" (Intel VT-x), "svm" (AMD-V) or "" when the flags of
	// the first processor have neither.
	Virt string
}

// parseCPUInfo reads /proc/cpuinfo.
func parseCPUInfo(out string) CPUInfo {
	var ci CPUInfo
	flagsSeen := false
	for line := range strings.Lines(out) {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "processor":
			if _, ok := textparse.Atoi(v); ok {
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

// IntelOrAMD reports whether the CPU is an x86 part from Intel or AMD: by
// vendor_id, or by model name when the kernel shows no vendor.
func (ci CPUInfo) IntelOrAMD() bool {
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
