package checks_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/checks"
	"github.com/org/calyptos/inventory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Example runs a checks file over a fleet built in Go, on calyptostest's
// fake executor standing for the hosts.
func Example() {
	f, err := checks.Parse("checks.yml", []byte(`roles:
  web:
    process:
      nginx: {running: true}
reach:
  - {from: web, to: db, port: 5432}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	rb := calyptos.NewRoleBuilder(map[string][]string{"web": {"web1", "web2"}, "db": {"db1"}})
	if err := f.Validate(rb); err != nil {
		fmt.Println(err)
		return
	}
	e := calyptostest.NewExecutor(nil)
	e.OnMatch("web1", `/proc/\[0-9\]\*/comm`).Stdout("systemd\nnginx\n")
	e.OnMatch("web2", `/proc/\[0-9\]\*/comm`).Stdout("systemd\n")
	e.OnMatch("", `probe_batch\(\) \{`).Stdout("probe db1 5432 0 \n")
	rep, err := calyptos.RunDebuggers(context.Background(), rb, e, f.Debuggers(), calyptos.RunOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, fd := range rep.Findings() {
		fmt.Printf("%s %s %s\n  %s\n", fd.Status, fd.Host, fd.ID, fd.Text())
	}
	// Output:
	// pass web1 checks:web/process:nginx:running
	//   checks.yml:4:15: process nginx: running: true
	// fail web2 checks:web/process:nginx:running
	//   checks.yml:4:15: process nginx: running: expected true, got false
	// pass web1 checks/reach:web--db:5432
	//   checks.yml:6:5: web → db on TCP 5432: reached the host of db
	// pass web2 checks/reach:web--db:5432
	//   checks.yml:6:5: web → db on TCP 5432: reached the host of db
}

// TestFleetExample checks examples/fleet: its checks file is valid for the
// roles of its inventory, read by package inventory as the CLI reads it.
func TestFleetExample(t *testing.T) {
	f, err := checks.Load("../examples/fleet/checks.yml")
	require.NoError(t, err)
	inv, err := inventory.Load("../examples/fleet/hosts.ini")
	require.NoError(t, err)
	rb := inv.RoleBuilder()
	assert.Equal(t, []string{"db", "fleet", "lb", "web"}, nonEmpty(rb))
	require.NoError(t, f.Validate(rb))
	var names []string
	for _, d := range f.Debuggers() {
		names = append(names, d.Name())
	}
	assert.Equal(t, []string{"checks:all", "checks:lb", "checks:web", "checks:db", "checks"}, names)
}

// nonEmpty lists the roles with hosts, "all" left out.
func nonEmpty(rb *calyptos.RoleBuilder) []string {
	var out []string
	for _, r := range rb.RoleNames() {
		if r != calyptos.RoleAll && len(rb.Hosts(r)) > 0 {
			out = append(out, r)
		}
	}
	return out
}
