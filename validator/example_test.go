package validator_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/validator"
)

// Run every built-in validator over an environment file. The two checks
// that reach out over the network (repos, pinghosts) are skipped here with
// RunOptions.Skip, as a CI job without access to the hosts would.
func ExampleDefault() {
	rb, err := eucalyptus.Load("../testdata/edge.yml")
	if err != nil {
		log.Fatal(err)
	}
	rep, err := calyptos.RunValidators(context.Background(), rb, validator.Default(),
		calyptos.RunOptions{Skip: []string{"repos", "pinghosts"}})
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range rep.Checks {
		fmt.Printf("%-9s pass=%d warn=%d fail=%d\n", c.Name, c.Counts.Pass, c.Counts.Warn, c.Counts.Fail)
	}
	fmt.Println("failed:", !rep.Passed(false))
	// Output:
	// structure pass=1 warn=0 fail=0
	// topology  pass=6 warn=0 fail=0
	// hosts     pass=2 warn=0 fail=0
	// network   pass=5 warn=0 fail=0
	// storage   pass=2 warn=0 fail=0
	// nc        pass=1 warn=0 fail=0
	// vpc       pass=0 warn=0 fail=0
	// failed: false
}

// Configure a network check: PingHosts dials each host's SSH port (or
// the port written with the host) with its own timeout.
func ExamplePingHosts() {
	v := validator.PingHosts{Port: 2222, Timeout: time.Second, Parallel: 8}
	fmt.Println(v.Name())
	// Output: pinghosts
}

// Parse the address ranges of a Eucalyptus network configuration.
func ExampleParseIPRange() {
	r, err := validator.ParseIPRange("198.51.100.10-198.51.100.60")
	if err != nil {
		log.Fatal(err)
	}
	_, err = validator.ParseIPRange("198.51.100.60-198.51.100.10")
	fmt.Println(r.From, r.To)
	fmt.Println(err)
	// Output:
	// 198.51.100.10 198.51.100.60
	// invalid IP range: "198.51.100.60-198.51.100.10" is reversed: 198.51.100.60 comes after 198.51.100.10
}
