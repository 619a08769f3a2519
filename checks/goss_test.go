package checks

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gossAdd is what goss add writes for a few resources of a host (goss
// v0.4), its attributes and defaults as goss writes them.
const gossAdd = `port:
  tcp:22:
    listening: true
    ip:
    - 0.0.0.0
service:
  sshd:
    enabled: true
    running: true
user:
  sshd:
    exists: true
    uid: 74
    gid: 74
    groups:
    - sshd
    home: /var/empty/sshd
    shell: /sbin/nologin
group:
  sshd:
    exists: true
    gid: 74
process:
  sshd:
    running: true
package:
  openssh-server:
    installed: true
    versions:
    - 8.0p1-19.el8_8
file:
  /etc/ssh/sshd_config:
    exists: true
    mode: "0600"
    owner: root
    group: root
    filetype: file
    contents: []
command:
  echo hi:
    exit-status: 0
    stdout:
    - hi
    stderr: []
    timeout: 10000
    skip: false
kernel-param:
  kernel.ostype:
    value: Linux
mount:
  /:
    exists: true
    opts:
    - rw
    - relatime
    source: /dev/sda1
    filesystem: ext4
    timeout: 1000
http:
  https://example.com:
    status: 200
    allow-insecure: false
    no-follow-redirects: false
    timeout: 5000
    body: []
    title: the front page
    meta: {team: web}
`

// TestGossFilePasted checks that a goss file's resources, pasted under a
// role, are read as goss reads them.
func TestGossFilePasted(t *testing.T) {
	indented := "  all:\n"
	for l := range strings.Lines(gossAdd) {
		indented += "    " + l
	}
	f, err := Parse("goss.yml", []byte("roles:\n"+indented))
	require.NoError(t, err)
	n := 0
	for _, r := range f.roles[0].resources {
		n += len(r.asserts)
	}
	assert.Equal(t, 31, n)
	var cmd *resource
	for _, r := range f.roles[0].resources {
		if r.typ.name == "command" {
			cmd = r
		}
	}
	require.NotNil(t, cmd)
	assert.Equal(t, defaultCommandTimeout, commandFact(cmd).Timeout, "goss's timeout is in milliseconds")
}
