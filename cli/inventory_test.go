package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/eucalyptus"
)

const hostsINI = `[web]
web01 ansible_host=127.0.0.11 ansible_port=2222 ansible_user=deploy
web02 ansible_host=127.0.0.12
web03 ansible_host=127.0.0.13

[db]
db01 ansible_host=127.0.0.21

[prod:children]
web
db
`

func writeInventory(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hosts.ini")
	require.NoError(t, os.WriteFile(p, []byte(text), 0o600))
	return p
}

// TestRolesFromInventory: roles -o json lists the inventory's groups and,
// for each host, the address, port and user it is reached at.
func TestRolesFromInventory(t *testing.T) {
	inv := writeInventory(t, hostsINI)
	h := newHarness(t, nil, nil)
	require.Equal(t, ExitOK, h.run("roles", "--inventory", inv, "-o", "json"), h.stderr.String())
	var res RolesResult
	require.NoError(t, json.Unmarshal(h.stdout.Bytes(), &res))
	assert.Equal(t, []string{"web01", "web02", "web03"}, res.Roles["web"])
	assert.Equal(t, []string{"db01", "web01", "web02", "web03"}, res.Roles["prod"])
	assert.Equal(t, HostInfo{Address: "127.0.0.11", Port: 2222, User: "deploy", Roles: []string{"prod", "web"}}, res.Hosts["web01"])
	assert.Equal(t, HostInfo{Address: "127.0.0.21", Roles: []string{"db", "prod"}}, res.Hosts["db01"])
	assert.NotContains(t, res.Roles, eucalyptus.RoleCLC, "an inventory has its own roles, not Eucalyptus's")

	h = newHarness(t, nil, nil)
	require.Equal(t, ExitOK, h.run("roles", "--inventory", inv))
	assert.Contains(t, h.stdout.String(), "web01  prod, web (at deploy@127.0.0.11:2222)")
}

// TestExecuteHostPattern: execute -r takes Ansible's host patterns, and
// the transport is given each host's connection settings.
func TestExecuteHostPattern(t *testing.T) {
	inv := writeInventory(t, hostsINI)
	h := newHarness(t, nil, nil)
	var got SSHConfig
	h.withSSH(func(cfg SSHConfig, e *calyptostest.Executor) {
		got = cfg
		e.OnMatch("", "uptime").Stdout("up\n")
	})
	require.Equal(t, ExitOK, h.run("execute", "--inventory", inv, "-r", "web:!web03", "-o", "json", "uptime"), h.stderr.String())
	var res ExecResult
	require.NoError(t, json.Unmarshal(h.stdout.Bytes(), &res))
	require.Len(t, res.Hosts, 2)
	assert.Equal(t, "web01", res.Hosts[0].Host, "reports name the host by its inventory name")
	assert.Equal(t, "web02", res.Hosts[1].Host)
	assert.Equal(t, HostSettings{Address: "127.0.0.11", Port: 2222, User: "deploy"}, got.Hosts["web01"])

	h = newHarness(t, nil, nil)
	assert.Equal(t, ExitUsage, h.run("execute", "--inventory", inv, "-r", "nosuch*", "uptime"))
	assert.Contains(t, h.stderr.String(), "groups with hosts: all, db, prod, web")
	h = newHarness(t, nil, nil)
	assert.Equal(t, ExitUsage, h.run("execute", "--inventory", inv, "-e", inv, "uptime"))
	assert.Contains(t, h.stderr.String(), "-e and --inventory are exclusive")
}

// TestDebugLimit: --limit narrows a debug run to a host pattern.
func TestDebugLimit(t *testing.T) {
	inv := writeInventory(t, hostsINI)
	h := newHarness(t, nil, []calyptos.Debugger{check{"uptime", func(ctx context.Context, c *calyptos.Check) {
		for _, r := range c.RunOnHosts(ctx, "uptime", c.Roles().All()) {
			if c.HostOK(r) {
				c.OnHost(r.Host).Success("up")
			}
		}
	}}})
	h.withSSH(func(_ SSHConfig, e *calyptostest.Executor) { e.OnMatch("", "uptime").Stdout("up\n") })
	require.Equal(t, ExitOK, h.run("debug", "--inventory", inv, "--limit", "prod:&web:!web01", "-o", "json"), h.stderr.String())
	var rep calyptos.Report
	require.NoError(t, json.Unmarshal(h.stdout.Bytes(), &rep))
	var hosts []string
	for _, f := range rep.Findings() {
		hosts = append(hosts, f.Host)
	}
	assert.Equal(t, []string{"web02", "web03"}, hosts)
}
