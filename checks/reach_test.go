package checks

import (
	"strings"
	"testing"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReach(t *testing.T) {
	rb := calyptos.NewRoleBuilder(map[string][]string{"web": {"w1", "w2", "w3"}, "db": {"d1:2222", "d2"}, "none": nil})
	h := healthyWeb()
	h.probes = map[string]string{
		"d1 5432": "0 ", "d2 5432": "1 bash: connect: Connection refused",
		"d1 22": "124 ", "d2 22": "0 ",
		"d1 6432": "1 bash: connect: Connection refused", "d2 6432": "1 bash: connect: No route to host",
	}
	e := calyptostest.NewExecutor(t)
	e.OnMatch("", "").Respond(h.respond)
	e.HostDown("w3")
	rep := run(t, `roles:
  web:
    process:
      nginx: {running: true}
reach:
  - {from: web, to: db, port: 5432, timeout: 2s}
  - {from: web, to: db, port: 22, expect: closed}
  - {from: web, to: db, port: 6432, expect: closed, title: pgbouncer closed}
  - {from: web, to: none, port: 1}
  - {from: web, to: db, port: 2, skip: true}
`, rb, e)
	var got []string
	for _, f := range rep.Check(ReachName).Findings {
		got = append(got, f.Status.String()+" "+f.Host+" "+f.ID+" "+f.Message)
		if f.Status == calyptos.Fail && f.Host != "w3" {
			assert.NotEmpty(t, f.Hint)
			line := map[string]int{"5432": 6, "22": 7, "6432": 8}[f.ID[strings.LastIndex(f.ID, ":")+1:]]
			assert.Equal(t, line, f.Pos.Line, "a failure points at its edge")
		}
	}
	assert.Equal(t, []string{
		"skip  checks/reach:web--none:1 web → none on TCP 1: no hosts (web: 3, none: 0)",
		"skip  checks/reach:web--db:2 web → db on TCP 2: skipped (skip: true)",
		"fail w1 checks/reach:web--db:5432 web → db on TCP 5432: cannot reach d2: refused",
		"fail w2 checks/reach:web--db:5432 web → db on TCP 5432: cannot reach d2: refused",
		"fail w3 checks/unreachable cannot run commands: dial: connection refused: transport failure",
		"fail w1 checks/reach:web--db:22 web → db (expect closed) on TCP 22: expected closed, but d2: ok",
		"fail w2 checks/reach:web--db:22 web → db (expect closed) on TCP 22: expected closed, but d2: ok",
		"fail w1 checks/reach:web--db:6432 pgbouncer closed (expect closed) on TCP 6432: expected closed, but d2: error",
		"fail w2 checks/reach:web--db:6432 pgbouncer closed (expect closed) on TCP 6432: expected closed, but d2: error",
	}, got[:9])
	require.Len(t, got, 9)
	// The matrix has every probe, the unreachable source's as unknown.
	probes := rep.Probes()
	assert.Len(t, probes, 3*3*2)
	assert.Contains(t, probes, calyptos.Probe{From: "w1", To: "d1:2222", Port: 22, Proto: "tcp", Label: "web → db (expect closed)", Result: calyptos.ProbeTimeout})
	assert.Contains(t, probes, calyptos.Probe{From: "w3", To: "d2", Port: 5432, Proto: "tcp", Label: "web → db", Result: calyptos.ProbeUnknown, Detail: "source host unreachable"})
	// One session per source host: the probes run in its gathering
	// session. The probe of d1 dials its address, not its SSH port, with
	// each edge's timeout.
	for _, w := range []string{"w1", "w2"} {
		assert.Equal(t, 1, e.Sessions(w), w)
	}
	assert.Equal(t, 0, e.Sessions("d1:2222"))
	probed := false
	for _, c := range e.Calls() {
		if c.Host == "w1" && strings.Contains(c.Command, "probe_batch() {") {
			probed = true
			assert.Contains(t, c.Command, "\nprobe_batch 2 d1 5432 d2 5432\n")
			assert.Contains(t, c.Command, "\nprobe_batch 5 d1 22 d2 22 d1 6432 d2 6432\n")
		}
	}
	assert.True(t, probed, "w1 was sent the probe")
}

func TestReachPasses(t *testing.T) {
	rb := calyptos.NewRoleBuilder(map[string][]string{"lb": {"l1"}, "web": {"w1", "w2"}})
	h := healthyWeb()
	h.probes = map[string]string{"w1 8080": "0 ", "w2 8080": "0 "}
	e := calyptostest.NewExecutor(t)
	e.OnMatch("", "").Respond(h.respond)
	rep := run(t, "reach:\n  - {from: lb, to: web, port: 8080}\n  - {from: lb, to: web, port: 9000, expect: closed}\n", rb, e)
	assert.Equal(t, []string{
		"pass l1 checks/reach:lb--web:8080 lb → web on TCP 8080: reached all 2 hosts of web",
		"pass l1 checks/reach:lb--web:9000 lb → web (expect closed) on TCP 9000: closed, as expected, to all 2 hosts of web",
	}, lines(rep))
	assert.Equal(t, 1, e.Sessions("l1"), "one session: the probes are its facts")
}

// TestReachDialsInventoryAddresses: with Addresses (an inventory's
// ansible_host), a probe dials the target's address, not its name.
func TestReachDialsInventoryAddresses(t *testing.T) {
	rb := calyptos.NewRoleBuilder(map[string][]string{"lb": {"lb1"}, "web": {"web1"}})
	e := calyptostest.NewExecutor(t)
	e.OnMatch("", "").Stdout("")
	f, err := Parse("c.yml", []byte("reach:\n  - {from: lb, to: web, port: 8080}\n"))
	require.NoError(t, err)
	addr := Addresses(func(h string) string { return map[string]string{"web1": "10.0.2.21"}[h] })
	_, err = calyptos.RunDebuggers(t.Context(), rb, e, f.Debuggers(addr), calyptos.RunOptions{})
	require.NoError(t, err)
	var probe string
	for _, c := range e.Calls() {
		if strings.Contains(c.Command, "probe_batch() {") {
			probe = c.Command
		}
	}
	assert.Contains(t, probe, "\nprobe_batch 5 10.0.2.21 8080\n")
	assert.NotContains(t, probe, "web1")
}
