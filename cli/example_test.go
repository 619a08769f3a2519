package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/cli"
	"github.com/org/calyptos/eucalyptus"
)

// oneCLC is a site-specific validator: this site runs exactly one cloud
// controller.
type oneCLC struct{}

func (oneCLC) Name() string { return "oneclc" }

func (oneCLC) Validate(_ context.Context, c *calyptos.Check) {
	if n := len(c.Roles().Hosts(eucalyptus.RoleCLC)); n != 1 {
		c.Failuref("found %d cloud controllers, want 1", n)
		return
	}
	c.Success("found exactly 1 cloud controller")
}

// A program with checks of its own gets the whole command line (flags,
// formats, exit codes) by filling a Program.
func ExampleProgram() {
	var stdout, stderr bytes.Buffer
	p := &cli.Program{
		Name: "mycheck",
		Validators: func(cli.ValidateConfig) []calyptos.Validator {
			return []calyptos.Validator{oneCLC{}}
		},
		Stdout: &stdout,
		Stderr: &stderr,
	}
	code := p.Run(context.Background(), []string{"validate", "-e", "../examples/localhost.yml"})
	for _, line := range strings.Split(stdout.String(), "\n") {
		if strings.HasPrefix(line, "[VALIDATION") || strings.HasPrefix(line, "Total") {
			fmt.Println(line)
		}
	}
	fmt.Println("exit code", code)
	// Output:
	// [VALIDATION PASSED   ] found exactly 1 cloud controller
	// Total passed: 1
	// Total failed: 0
	// Total warnings: 0
	// exit code 0
}
