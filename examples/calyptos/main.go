// Command calyptos checks a multi-host cloud deployment described by an
// environment file: validate the file, debug the running hosts over SSH
// (or on this machine with --local), run a command on the hosts of a role,
// and list the roles.
//
//	calyptos validate -e environment.yml
//	calyptos debug    -e environment.yml -u root -i ~/.ssh/id_ed25519
//	calyptos execute  -e environment.yml -r node-controller 'uptime'
//	calyptos roles    -e environment.yml
//
// Try it without any SSH setup; every role of localhost.yml is this machine:
//
//	go run ./examples/calyptos debug --local -e examples/localhost.yml
//
// Run `calyptos -h` or `calyptos COMMAND -h` for the flags and the exit
// codes (package cli's ExitOK and the constants after it).
//
// This main is only wiring; the command line lives in package cli.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/org/calyptos/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal, a second one kills the process at once.
	context.AfterFunc(ctx, stop)
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
