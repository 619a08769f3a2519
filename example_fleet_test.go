package calyptos_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
)

// openFiles is a custom fact: the host's limit of open files, read from
// /proc and parsed into an int. Facts are returned by a function, so that
// no caller can change another's.
func openFiles() *calyptos.Fact[int] {
	return &calyptos.Fact[int]{
		Name:    "fs.file-max",
		Command: "cat /proc/sys/fs/file-max",
		Parse: func(o calyptos.Output) (int, error) {
			return strconv.Atoi(strings.TrimSpace(o.Stdout))
		},
	}
}

// fileLimit is a custom check of any fleet: every host of the "db" role
// must allow at least min open files.
type fileLimit struct{ min int }

func (fileLimit) Name() string { return "file_limit" }

// Needs declares the fact, so that the run gathers it with every other
// check's facts, in one session per host, before the checks start.
func (fileLimit) Needs(rb *calyptos.RoleBuilder) []calyptos.Need {
	return []calyptos.Need{{Fact: openFiles(), Hosts: rb.Hosts("db")}}
}

func (d fileLimit) Debug(ctx context.Context, c *calyptos.Check) {
	for _, r := range calyptos.Gather(ctx, c, openFiles(), c.Roles().Hosts("db")) {
		switch {
		case !c.Reached(r.Host, r.Err): // reported once: the host is unreachable
		case r.Err != nil:
			c.OnHost(r.Host).Key("file-max").Report(calyptos.Fail, "cannot read fs.file-max: "+r.Err.Error(), r.Output.Stderr)
		case r.Value < d.min:
			c.OnHost(r.Host).Key("file-max").Hint("raise fs.file-max in /etc/sysctl.d/").
				Failuref("fs.file-max is %d, below %d", r.Value, d.min)
		default:
			c.OnHost(r.Host).Key("file-max").Successf("fs.file-max is %d", r.Value)
		}
	}
}

// Your own fleet, no environment file: roles from a map (or from an
// Ansible inventory, package inventory), a custom fact and a custom check,
// and its test with the scripted executor of calyptostest.
func Example_fleet() {
	rb := calyptos.NewRoleBuilder(map[string][]string{
		"web": {"10.0.0.1", "10.0.0.2"},
		"db":  {"10.0.0.10", "10.0.0.11"},
	})
	fake := calyptostest.NewExecutor(nil)
	calyptostest.OnFact(fake, "10.0.0.10", openFiles()).Stdout("9223372036854775807\n")
	calyptostest.OnFact(fake, "10.0.0.11", openFiles()).Stdout("65536\n")

	rep, err := calyptos.RunDebuggers(context.Background(), rb, fake, []calyptos.Debugger{fileLimit{min: 1 << 20}}, calyptos.RunOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rb.RoleNames())
	for _, f := range rep.Findings() {
		fmt.Println(f.Status, f.ID, f.Host, f.Message)
	}
	fmt.Println(rep.Outcome())
	// Output:
	// [all db web]
	// pass file_limit/file-max 10.0.0.10 fs.file-max is 9223372036854775807
	// fail file_limit/file-max 10.0.0.11 fs.file-max is 65536, below 1048576
	// failed
}
