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

// healthyWeb is a web server as the fake hosts of these tests are.
func healthyWeb() *fakeHost {
	return &fakeHost{
		files: map[string]fakeFile{
			"/etc/nginx/nginx.conf": {stat: "regular file|644|root|root|0|0|1234", content: "user www-data;\nworker_processes auto;\n"},
			"/etc/motd":             {stat: "symbolic link|777|root|root|0|0|9", link: "/etc/issue"},
			"/var/www":              {stat: "directory|755|www-data|www-data|33|33|4096"},
		},
		kernel:    map[string]string{"/proc/sys/net/core/somaxconn": "4096", "/proc/sys/net/ipv4/ip_local_port_range": "32768\t60999"},
		users:     map[string]string{"www-data": "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin"},
		userGrps:  map[string]string{"www-data": "www-data adm"},
		groups:    map[string]string{"adm": "adm:x:4:syslog"},
		packages:  map[string][]string{"nginx": {"1.22.1-9"}, "kernel": {"5.14.0-1", "5.14.0-2"}},
		services:  map[string]string{"nginx": "unit=nginx init=systemd active=active enabled=enabled"},
		listeners: "tcp LISTEN 0 511 0.0.0.0:80 0.0.0.0:*\ntcp LISTEN 0 511 [::]:80 [::]:*\nudp UNCONN 0 0 127.0.0.53%lo:53 0.0.0.0:*\n",
		processes: []string{"systemd", "nginx", "nginx", "sshd"},
		mountinfo: "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n" +
			"30 22 8:2 / /var/www rw,noatime shared:2 - xfs /dev/sda2 rw,attr2\n",
		df: map[string]string{
			"/":        "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda1 10000000 9000000 1000000 90% /\n",
			"/var/www": "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda2 20000000 5000000 15000000 25% /var/www\n",
		},
		meminfo: "MemTotal: 8000000 kB\nMemFree: 100000 kB\nMemAvailable: 3000000 kB\n",
		commands: map[string]calyptos.Output{
			"nginx -t": {Stderr: "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\nnginx: configuration file /etc/nginx/nginx.conf test is successful\n"},
			"false":    {ExitCode: 1},
		},
		http: map[string]calyptos.Output{
			"http://127.0.0.1/healthz": {Stdout: "HTTP/1.1 301 Moved\r\nLocation: /ok\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nstatus: ok\n", Stderr: "client curl\n"},
		},
	}
}

// everyType has, for every resource type, assertions that pass on
// healthyWeb and assertions that fail.
const everyType = `roles:
  web:
    port:
      tcp:80: {listening: true, ip: ["0.0.0.0"]}
      tcp6:80: {listening: true}
      443: {listening: true}
      udp:53: {listening: true, ip: [{have-prefix: "10."}]}
    service:
      nginx: {running: true, enabled: true}
      chronyd: {running: true, enabled: false}
    package:
      nginx: {installed: true, versions: [{have-prefix: "1.22"}]}
      kernel: {installed: true, versions: {have-len: 1}}
      telnet: {installed: false}
      httpd: {installed: true}
    file:
      /etc/nginx/nginx.conf:
        exists: true
        mode: "0644"
        owner: root
        group: nginx
        filetype: file
        size: {gt: 1000}
        contents: [worker_processes, "!/^autoindex on/", "/^user www-data;$/", missing_directive]
        sha256: sha256-of-/etc/nginx/nginx.conf
        md5: 0123
      /etc/motd: {exists: true, filetype: symlink, linked-to: /etc/issue}
      /etc/absent: {exists: false}
      /etc/gone: {exists: true, mode: "0600"}
    command:
      "nginx -t": {exit-status: 0, stderr: ["syntax is ok"], stdout: []}
      fails:
        exec: "false"
        exit-status: 0
    kernel-param:
      net.core.somaxconn: {value: {ge: 4096}}
      net.ipv4.ip_local_port_range: {value: "32768 60999"}
      net.ipv4.tcp_syncookies: {value: "1"}
    mount:
      /var/www: {exists: true, filesystem: xfs, opts: [noatime], vfs-opts: [attr2], source: /dev/sda2, usage: {lt: 50}}
      /: {exists: true, usage: {lt: 80}}
      /srv: {exists: true}
    process:
      nginx: {running: true}
      apache2: {running: true}
    user:
      www-data: {exists: true, uid: 33, gid: 33, home: /var/www, shell: /usr/sbin/nologin, groups: [adm]}
      nobody: {exists: true}
    group:
      adm: {exists: true, gid: 4}
      wheel: {exists: true}
    http:
      http://127.0.0.1/healthz: {status: 200, body: ["status: ok"], headers: ["Content-Type: text/plain"]}
      http://127.0.0.1/down: {status: 200}
    disk:
      /var/www: {min-free: 10GiB, max-use: "50%"}
      /: {min-free: "20%"}
    memory:
      min-total: 4GiB
      min-available: 4GiB
`

// statusByID runs the file on one fake host and returns "status
// message" by finding key.
func statusByID(t *testing.T, src string, h *fakeHost) (map[string]string, *calyptostest.Executor) {
	t.Helper()
	f, err := Parse("checks.yml", []byte(src))
	require.NoError(t, err)
	rb := calyptos.NewRoleBuilder(map[string][]string{"web": {"w1"}, "db": {"d1", "d2"}})
	require.NoError(t, f.Validate(rb))
	e := calyptostest.NewExecutor(t)
	e.OnMatch("", "").Respond(h.respond)
	rep, err := calyptos.RunDebuggers(context.Background(), rb, e, f.Debuggers(), calyptos.RunOptions{})
	require.NoError(t, err)
	got := map[string]string{}
	for _, fd := range rep.Findings() {
		k := fd.Host + " " + fd.ID
		require.NotContains(t, got, k, "IDs are unique per host")
		got[k] = fd.Status.String() + " " + fd.Message
		if fd.Status == calyptos.Fail {
			assert.NotEmpty(t, fd.Hint, fd.ID)
		}
		assert.NotZero(t, fd.Pos.Line, fd.ID)
	}
	return got, e
}

func TestEveryResourceType(t *testing.T) {
	got, e := statusByID(t, everyType, healthyWeb())
	want := map[string]string{
		"checks:web/command:fails:exit-status":                       "fail",
		"checks:web/command:nginx--t:exit-status":                    "pass",
		"checks:web/command:nginx--t:stderr":                         "pass",
		"checks:web/command:nginx--t:stdout":                         "pass",
		"checks:web/disk:/:min-free":                                 "fail",
		"checks:web/disk:/var/www:max-use":                           "pass",
		"checks:web/disk:/var/www:min-free":                          "pass",
		"checks:web/file:/etc/absent:exists":                         "pass",
		"checks:web/file:/etc/gone:exists":                           "fail",
		"checks:web/file:/etc/gone:mode":                             "fail",
		"checks:web/file:/etc/motd:exists":                           "pass",
		"checks:web/file:/etc/motd:filetype":                         "pass",
		"checks:web/file:/etc/motd:linked-to":                        "pass",
		"checks:web/file:/etc/nginx/nginx.conf:contents":             "fail",
		"checks:web/file:/etc/nginx/nginx.conf:exists":               "pass",
		"checks:web/file:/etc/nginx/nginx.conf:filetype":             "pass",
		"checks:web/file:/etc/nginx/nginx.conf:group":                "fail",
		"checks:web/file:/etc/nginx/nginx.conf:md5":                  "fail",
		"checks:web/file:/etc/nginx/nginx.conf:mode":                 "pass",
		"checks:web/file:/etc/nginx/nginx.conf:owner":                "pass",
		"checks:web/file:/etc/nginx/nginx.conf:sha256":               "pass",
		"checks:web/file:/etc/nginx/nginx.conf:size":                 "pass",
		"checks:web/group:adm:exists":                                "pass",
		"checks:web/group:adm:gid":                                   "pass",
		"checks:web/group:wheel:exists":                              "fail",
		"checks:web/http:http://127.0.0.1/down:status":               "fail",
		"checks:web/http:http://127.0.0.1/healthz:body":              "pass",
		"checks:web/http:http://127.0.0.1/healthz:headers":           "pass",
		"checks:web/http:http://127.0.0.1/healthz:status":            "pass",
		"checks:web/kernel-param:net.core.somaxconn:value":           "pass",
		"checks:web/kernel-param:net.ipv4.ip_local_port_range:value": "pass",
		"checks:web/kernel-param:net.ipv4.tcp_syncookies:value":      "fail",
		"checks:web/memory:min-available":                            "fail",
		"checks:web/memory:min-total":                                "pass",
		"checks:web/mount:/:exists":                                  "pass",
		"checks:web/mount:/:usage":                                   "fail",
		"checks:web/mount:/srv:exists":                               "fail",
		"checks:web/mount:/var/www:exists":                           "pass",
		"checks:web/mount:/var/www:filesystem":                       "pass",
		"checks:web/mount:/var/www:opts":                             "pass",
		"checks:web/mount:/var/www:source":                           "pass",
		"checks:web/mount:/var/www:usage":                            "pass",
		"checks:web/mount:/var/www:vfs-opts":                         "pass",
		"checks:web/package:httpd:installed":                         "fail",
		"checks:web/package:kernel:installed":                        "pass",
		"checks:web/package:kernel:versions":                         "fail",
		"checks:web/package:nginx:installed":                         "pass",
		"checks:web/package:nginx:versions":                          "pass",
		"checks:web/package:telnet:installed":                        "pass",
		"checks:web/port:443:listening":                              "fail",
		"checks:web/port:tcp6:80:listening":                          "pass",
		"checks:web/port:tcp:80:ip":                                  "pass",
		"checks:web/port:tcp:80:listening":                           "pass",
		"checks:web/port:udp:53:ip":                                  "fail",
		"checks:web/port:udp:53:listening":                           "pass",
		"checks:web/process:apache2:running":                         "fail",
		"checks:web/process:nginx:running":                           "pass",
		"checks:web/service:chronyd:enabled":                         "pass",
		"checks:web/service:chronyd:running":                         "fail",
		"checks:web/service:nginx:enabled":                           "pass",
		"checks:web/service:nginx:running":                           "pass",
		"checks:web/user:nobody:exists":                              "fail",
		"checks:web/user:www-data:exists":                            "pass",
		"checks:web/user:www-data:gid":                               "pass",
		"checks:web/user:www-data:groups":                            "pass",
		"checks:web/user:www-data:home":                              "pass",
		"checks:web/user:www-data:shell":                             "pass",
		"checks:web/user:www-data:uid":                               "pass",
	}
	statuses := map[string]string{}
	for k, v := range got {
		statuses[strings.TrimPrefix(k, "w1 ")], _, _ = strings.Cut(v, " ")
	}
	assert.Equal(t, want, statuses)
	assert.Equal(t, 1, e.Sessions("w1"), "every resource of the file in one session")
	// Messages say what was expected and what the host has.
	for id, msg := range map[string]string{
		"checks:web/file:/etc/nginx/nginx.conf:group":      `fail file /etc/nginx/nginx.conf: group: expected "nginx", got "root"`,
		"checks:web/file:/etc/nginx/nginx.conf:contents":   `fail file /etc/nginx/nginx.conf: contents: not matched: "missing_directive" (no line has it)`,
		"checks:web/command:fails:exit-status":             `fail command false: exit-status: expected 0, got 1`,
		"checks:web/disk:/:min-free":                       `fail disk /: min-free: 10.0% free, 976.6 MiB, on / (at least 20%)`,
		"checks:web/http:http://127.0.0.1/down:status":     `fail http http://127.0.0.1/down: status: no HTTP response: curl: (7) Failed to connect`,
		"checks:web/kernel-param:net.core.somaxconn:value": `pass kernel-param net.core.somaxconn: value: "4096"`,
		"checks:web/package:kernel:versions":               `fail package kernel: versions: expected has length 1, got [5.14.0-1, 5.14.0-2]`,
		"checks:web/memory:min-available":                  `fail memory: min-available: 2.9 GiB (at least 4.0 GiB)`,
		"checks:web/port:udp:53:ip":                        `fail port udp:53: ip: expected contains (have-prefix "10."), got [127.0.0.53]`,
	} {
		assert.Equal(t, msg, got["w1 "+id], id)
	}
}
