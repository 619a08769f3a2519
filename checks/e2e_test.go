package checks_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/checks"
	"github.com/org/calyptos/internal/sshdtest"
	"github.com/org/calyptos/sshexec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// e2eChecks has, for every resource type, an assertion that passes on
// this machine and one that fails (the clock's failure aside: the hosts
// share this machine's clock), and reach edges open and closed. %[1]d is
// sshd's port, %[2]s the test file, %[3]s its sha256, %[4]s the HTTP
// server, %[5]d and %[7]d ports listening on the db host, %[6]d and
// %[8]d closed ones.
const e2eChecks = `roles:
  web:
    port:
      tcp:%[1]d: {listening: true}
      tcp:1: {listening: true}
    service:
      calyptos-no-such-service: {running: false, enabled: false}
      calyptos-no-such-unit: {running: true}
    package:
      coreutils: {installed: true}
      calyptos-no-such-package: {installed: true}
    file:
      /etc/passwd: {exists: true, owner: root, mode: "0644", contents: ["/^root:/"]}
      %[2]s: {exists: true, mode: "0640", sha256: %[3]s, contents: [alpha, "!beta", gamma]}
    command:
      "echo hello": {exit-status: 0, stdout: [hello]}
      "exit 3": {exit-status: 0}
      "sleep 30": {exit-status: 0, timeout: 1s}
    kernel-param:
      kernel.ostype: {value: Linux}
      kernel.hostname: {value: {have-prefix: "calyptos-no-such-host-"}}
    mount:
      /: {exists: true}
      /calyptos/no/such/mount: {exists: true}
    process:
      sshd: {running: true}
      calyptos-nope: {running: true}
    user:
      root: {exists: true, uid: 0, groups: [root]}
      calyptos-nobody: {exists: true}
    group:
      root: {exists: true, gid: 0}
      calyptos-nogroup: {exists: true}
    http:
      %[4]s/ok: {status: 200, body: [ok], headers: ["/^X-Test: yes/"]}
      %[4]s/missing: {status: 200}
    disk:
      /tmp: {min-free: 1B, max-use: "100%%"}
      /: {min-free: 1000TiB}
    memory:
      min-total: 1MiB
      min-available: 1000TiB
    clock:
      max-skew: 10s
  gone:
    process:
      sshd: {running: true}
reach:
  - {from: web, to: db, port: %[5]d}
  - {from: web, to: db, port: %[6]d, expect: closed}
  - {from: web, to: db, port: %[8]d, title: web to a closed port}
  - {from: web, to: db, port: %[7]d, expect: closed, title: web to an open port}
`

// TestEndToEnd runs a checks file over SSH against real sshd hosts on
// loopback addresses (two web hosts, a db host, one host down): every
// resource type passes and fails, reach edges are open and closed, and
// each reachable host costs at most two SSH sessions.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts sshd")
	}
	srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.0.2", "127.0.0.3", "127.0.0.4"}})
	down, err := sshdtest.FreePort([]string{"127.0.0.5"})
	require.NoError(t, err)
	host := func(ip string) string { return fmt.Sprintf("%s:%d", ip, srv.Port) }

	file := filepath.Join(t.TempDir(), "app.conf")
	content := "alpha\ngamma\n"
	require.NoError(t, os.WriteFile(file, []byte(content), 0o640))
	require.NoError(t, os.Chmod(file, 0o640))
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ok" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("X-Test", "yes")
		fmt.Fprintln(w, "ok")
	}))
	defer web.Close()
	open1, open2 := listen(t, "127.0.0.4"), listen(t, "127.0.0.4")
	closed1, err := sshdtest.FreePort([]string{"127.0.0.4"})
	require.NoError(t, err)
	closed2, err := sshdtest.FreePort([]string{"127.0.0.4"})
	require.NoError(t, err)

	src := fmt.Sprintf(e2eChecks, srv.Port, file, fmt.Sprintf("%x", sha256.Sum256([]byte(content))), web.URL,
		open1, closed1, open2, closed2)
	f, err := checks.Parse("e2e.yml", []byte(src))
	require.NoError(t, err)
	rb := calyptos.NewRoleBuilder(map[string][]string{
		"web":  {host("127.0.0.2"), host("127.0.0.3")},
		"db":   {host("127.0.0.4")},
		"gone": {fmt.Sprintf("127.0.0.5:%d", down)},
	})
	require.NoError(t, f.Validate(rb))
	exec, err := sshexec.New(sshexec.Options{User: srv.User, IdentityFiles: []string{srv.ClientKeyFile},
		KnownHostsFiles: []string{srv.KnownHostsFile}, DisableAgent: true, DisableSSHConfig: true, ConnectTimeout: 5 * time.Second})
	require.NoError(t, err)
	defer exec.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := calyptos.RunDebuggers(ctx, rb, exec, f.Debuggers(), calyptos.RunOptions{CommandTimeout: 30 * time.Second})
	require.NoError(t, err)
	if testing.Verbose() {
		for _, fd := range rep.Findings() {
			t.Logf("%s %s %s: %s", fd.Status, fd.Host, fd.ID, fd.Message)
		}
	}
	checkE2E(t, rep, host("127.0.0.2"), file)
	st := exec.Stats()
	t.Logf("%d findings, %d SSH sessions and %d connections, in %v", len(rep.Findings()), st.Sessions, st.Dials, rep.Duration)
	// The db host has no resource: it is only probed, never logged into.
	assert.Equal(t, int64(2), st.Sessions, "one session per web host: its probes run in its gathering session")
	assert.Equal(t, int64(2), st.Dials, "one connection per web host")
}

// listen accepts TCP connections on ip until the test ends, and returns
// the port.
func listen(t *testing.T, ip string) int {
	t.Helper()
	ln, err := net.Listen("tcp", ip+":0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

// checkE2E checks the findings of TestEndToEnd on a web host.
func checkE2E(t *testing.T, rep *calyptos.Report, h, file string) {
	t.Helper()
	got := map[string]calyptos.Status{}
	for _, fd := range rep.Findings() {
		if fd.Host == h {
			got[fd.Key()] = fd.Status
		}
	}
	pass, fail := calyptos.Pass, calyptos.Fail
	want := map[string]calyptos.Status{
		"service:calyptos-no-such-service:running": pass, "service:calyptos-no-such-service:enabled": pass,
		"service:calyptos-no-such-unit:running": fail,
		"package:coreutils:installed":           pass, "package:calyptos-no-such-package:installed": fail,
		"file:/etc/passwd:exists": pass, "file:/etc/passwd:owner": pass, "file:/etc/passwd:mode": pass, "file:/etc/passwd:contents": pass,
		"file:" + file + ":exists": pass, "file:" + file + ":mode": pass, "file:" + file + ":sha256": pass, "file:" + file + ":contents": pass,
		"command:echo-hello:exit-status": pass, "command:echo-hello:stdout": pass,
		"command:exit-3:exit-status": fail, "command:sleep-30:exit-status": fail,
		"kernel-param:kernel.ostype:value": pass, "kernel-param:kernel.hostname:value": fail,
		"mount:/:exists": pass, "mount:/calyptos/no/such/mount:exists": fail,
		"process:sshd:running": pass, "process:calyptos-nope:running": fail,
		"user:root:exists": pass, "user:root:uid": pass, "user:root:groups": pass, "user:calyptos-nobody:exists": fail,
		"group:root:exists": pass, "group:root:gid": pass, "group:calyptos-nogroup:exists": fail,
		"disk:/tmp:min-free": pass, "disk:/tmp:max-use": pass, "disk:/:min-free": fail,
		"memory:min-total": pass, "memory:min-available": fail,
		"clock:max-skew": pass,
	}
	for k, st := range want {
		assert.Equal(t, st.String(), got[k].String(), k)
	}
	for k, st := range got {
		switch {
		case strings.HasPrefix(k, "port:tcp:1:"), strings.HasPrefix(k, "http:") && strings.Contains(k, "/missing:"):
			assert.Equal(t, fail, st, k)
		case strings.HasPrefix(k, "port:"), strings.HasPrefix(k, "http:"):
			assert.Equal(t, pass, st, k)
		}
	}
	var reach []string
	for _, fd := range rep.Check(checks.ReachName).Findings {
		if fd.Host == h {
			reach = append(reach, fd.Status.String()+" "+fd.Message[:strings.Index(fd.Message, ":")])
		}
	}
	slices.Sort(reach)
	assert.Len(t, reach, 4)
	assert.Regexp(t, `^fail web to a closed port on TCP \d+$`, reach[0])
	assert.Regexp(t, `^fail web to an open port \(expect closed\) on TCP \d+$`, reach[1])
	assert.Regexp(t, `^pass web → db \(expect closed\) on TCP \d+$`, reach[2])
	assert.Regexp(t, `^pass web → db on TCP \d+$`, reach[3])
	gone := false
	for _, fd := range rep.Check(checks.RoleName("gone")).Findings {
		gone = gone || fd.Key() == "unreachable" && fd.Status == calyptos.Fail
	}
	assert.True(t, gone, "the host down is one failure")
}
