package facts

import (
	"strings"

	"github.com/org/calyptos"
)

// ArchCommand prints the machine architecture.
const ArchCommand = "uname -m"

// Arch is the host's machine architecture ("x86_64"), as uname -m prints
// it.
func Arch() *calyptos.Fact[string] {
	return &calyptos.Fact[string]{Name: "arch", Command: ArchCommand,
		Parse: func(o calyptos.Output) (string, error) { return strings.TrimSpace(o.Stdout), nil }}
}
