package facts

import (
	"strings"

	"github.com/org/calyptos"
)

// ArchCommand prints the machine architecture: the kernel's
// kernel.arch, read by the shell without starting a process, or uname -m
// on kernels without it (before 6.1).
const ArchCommand = `read -r arch </proc/sys/kernel/arch 2>/dev/null && printf '%s\n' "$arch" || uname -m`

// Arch is the host's machine architecture ("x86_64"), as uname -m prints
// it.
func Arch() *calyptos.Fact[string] {
	return &calyptos.Fact[string]{Name: "arch", Command: ArchCommand,
		Parse: func(o calyptos.Output) (string, error) { return strings.TrimSpace(o.Stdout), nil }}
}
