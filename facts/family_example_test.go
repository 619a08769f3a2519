package facts_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/facts"
)

// serviceCheck is a debugger that reports whether each of its services
// runs; it declares them, so that the run gathers them before it starts.
type serviceCheck struct {
	name     string
	services []string
}

func (d serviceCheck) Name() string { return d.name }

func (d serviceCheck) Needs(rb *calyptos.RoleBuilder) []calyptos.Need {
	return []calyptos.Need{{Fact: facts.Services(d.services...), Hosts: rb.All()}}
}

func (d serviceCheck) Debug(ctx context.Context, c *calyptos.Check) {
	for _, r := range calyptos.Gather(ctx, c, facts.Services(d.services...), c.Roles().All()) {
		if !c.Reached(r.Host, r.Err) {
			continue
		}
		var up []string
		for _, s := range r.Value {
			if s.Running {
				up = append(up, s.Name)
			}
		}
		c.OnHost(r.Host).Infof("running: %s", strings.Join(up, " "))
	}
}

// Facts of one family asked by different checks are one query per host: a
// third-party check asking for 3 services and a built-in one asking for 4
// (one of them the same) cost one systemctl round over the 6 units, in the
// host's one gathering session, and each check reads only its own.
func Example_family() {
	const host = "192.0.2.10"
	rb := calyptos.NewRoleBuilder(map[string][]string{"web": {host}})
	fake := calyptostest.NewExecutor(nil)
	all := facts.Services("chronyd", "cron", "nginx", "ntpd", "rsyslog", "sshd")
	var out strings.Builder
	for _, u := range all.Keys {
		state := "active"
		if u == "ntpd" {
			state = "inactive"
		}
		fmt.Fprintf(&out, "unit=%s init=systemd active=%s enabled=enabled\n", u, state)
	}
	calyptostest.OnFact(fake, "", all).Stdout(out.String())

	ds := []calyptos.Debugger{
		serviceCheck{"builtin_time", []string{"chronyd", "ntpd", "rsyslog", "sshd"}},
		serviceCheck{"third_party_web", []string{"nginx", "sshd", "cron"}},
	}
	rep, err := calyptos.RunDebuggers(context.Background(), rb, fake, ds, calyptos.RunOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range rep.Findings() {
		fmt.Println(f.Check, f.Message)
	}
	fmt.Println("sessions:", fake.Sessions(host), "service queries:", fake.CallCount(all.Command))
	// Output:
	// builtin_time running: chronyd rsyslog sshd
	// third_party_web running: nginx sshd cron
	// sessions: 1 service queries: 1
}
