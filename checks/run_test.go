package checks

import (
	"context"
	"strings"
	"testing"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func run(t *testing.T, src string, rb *calyptos.RoleBuilder, e calyptos.Executor, extra ...calyptos.Debugger) *calyptos.Report {
	t.Helper()
	f, err := Parse("c.yml", []byte(src))
	require.NoError(t, err)
	require.NoError(t, f.Validate(rb))
	rep, err := calyptos.RunDebuggers(context.Background(), rb, e, append(f.Debuggers(), extra...), calyptos.RunOptions{})
	require.NoError(t, err)
	return rep
}

func lines(rep *calyptos.Report) []string {
	var out []string
	for _, f := range rep.Findings() {
		out = append(out, f.Status.String()+" "+f.Host+" "+f.ID+" "+f.Message)
	}
	return out
}

func TestUnreachableHost(t *testing.T) {
	rb := calyptos.NewRoleBuilder(map[string][]string{"web": {"w1", "w2"}})
	e := calyptostest.NewExecutor(t)
	e.OnMatch("", "").Respond(healthyWeb().respond)
	e.HostDown("w2")
	rep := run(t, "roles:\n  web:\n    process:\n      nginx: {running: true}\n    port:\n      tcp:80: {listening: true}\n", rb, e)
	assert.Equal(t, []string{
		"pass w1 checks:web/process:nginx:running process nginx: running: true",
		"pass w1 checks:web/port:tcp:80:listening port tcp:80: listening: true",
		"fail w2 checks:web/unreachable cannot run commands: dial: connection refused: transport failure",
	}, lines(rep))
	assert.Len(t, rep.Findings(), 3, "one finding for the host down, whatever it was to check")
	assert.Equal(t, 1, e.Sessions("w2"))
}

func TestSkipTitleHint(t *testing.T) {
	rb := calyptos.NewRoleBuilder(map[string][]string{"web": {"w1"}})
	e := calyptostest.NewExecutor(t)
	e.OnMatch("", "").Respond(healthyWeb().respond)
	rep := run(t, `roles:
  web:
    process:
      apache2: {running: true, title: "the old web server", hint: "start apache2", meta: {owner: web-team}}
      httpd: {running: true, skip: true}
`, rb, e)
	fs := rep.Findings()
	require.Len(t, fs, 2)
	assert.Equal(t, "the old web server: running: expected true, got false", fs[0].Message)
	assert.Equal(t, "start apache2", fs[0].Hint)
	assert.Equal(t, calyptos.Position{File: "c.yml", Line: 4, Column: 17}, fs[0].Pos)
	assert.Equal(t, calyptos.Skip, fs[1].Status)
	assert.Equal(t, "checks:web/process:httpd:running", fs[1].ID)
	for _, c := range e.Calls() {
		assert.NotContains(t, c.Command, "httpd", "a skipped resource reads nothing")
	}
}

// Two roles sharing a host, and a built-in debugger's services: one
// session, one services query for the union of the names.
func TestFactsMergeAcrossRoles(t *testing.T) {
	rb := calyptos.NewRoleBuilder(map[string][]string{"web": {"h1"}, "db": {"h1", "h2"}})
	h := healthyWeb()
	h.services["postgresql"] = "unit=postgresql init=systemd active=active enabled=enabled"
	e := calyptostest.NewExecutor(t)
	e.OnMatch("", "").Respond(h.respond)
	rep := run(t, `roles:
  web:
    service:
      nginx: {running: true}
    file:
      /etc/nginx/nginx.conf: {exists: true, contents: [worker_processes]}
  db:
    service:
      postgresql: {running: true}
    file:
      /var/www: {exists: true}
`, rb, e)
	calyptostest.NoFailures(t, rep)
	assert.Equal(t, 1, e.Sessions("h1"))
	assert.Equal(t, 1, e.Sessions("h2"))
	services, stats := 0, 0
	for _, c := range e.Calls() {
		if c.Host != "h1" {
			continue
		}
		if strings.Contains(c.Command, "for s in ") {
			services++
			assert.Contains(t, c.Command, "for s in nginx postgresql; do")
		}
		if strings.Contains(c.Command, "stat -c") {
			stats++
		}
	}
	assert.Equal(t, 1, services, "one services query for both roles")
	assert.Equal(t, 1, stats, "one files query for both roles")
}

func TestUnknownRoleAtRunTime(t *testing.T) {
	f, err := Parse("c.yml", []byte("roles:\n  web:\n    process:\n      nginx: {running: true}\n  empty:\n    process:\n      x: {running: true}\nreach:\n  - {from: web, to: nope, port: 1}\n"))
	require.NoError(t, err)
	rb := calyptos.NewRoleBuilder(map[string][]string{"empty": nil})
	rep, err := calyptos.RunDebuggers(context.Background(), rb, calyptostest.NewExecutor(t), f.Debuggers(), calyptos.RunOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{
		`fail  checks:web/role unknown role "web" (roles: all, empty)`,
		"skip  checks:empty/role role empty has no hosts",
		`fail  checks/reach:web--nope:1 unknown role "web" (roles: all, empty)`,
	}, lines(rep))
}

// An http password is redacted from the report, even when the run's
// options do not list it.
func TestPasswordRedacted(t *testing.T) {
	rb := calyptos.NewRoleBuilder(map[string][]string{"web": {"w1"}})
	h := healthyWeb()
	h.http["http://127.0.0.1/private"] = calyptos.Output{Stdout: "HTTP/1.1 401 No\r\n\r\nwrong password s3cr3t-pw\n", Stderr: "client curl\n"}
	e := calyptostest.NewExecutor(t)
	e.OnMatch("", "").Respond(h.respond)
	rep := run(t, "roles:\n  web:\n    http:\n      http://127.0.0.1/private: {status: 200, username: u, password: s3cr3t-pw}\n", rb, e)
	fs := rep.Findings()
	require.Len(t, fs, 1)
	assert.Equal(t, calyptos.Fail, fs[0].Status)
	assert.Contains(t, fs[0].Evidence, "wrong password [REDACTED]")
	assert.NotContains(t, fs[0].Evidence+fs[0].Message, "s3cr3t-pw")
	for _, c := range e.Calls() {
		if strings.Contains(c.Command, "curl") {
			assert.Contains(t, c.Command, "-u u:s3cr3t-pw", "the host gets it")
		}
	}
}
