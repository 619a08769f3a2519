package checks

import (
	"context"
	"crypto/md5"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/shelltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSplitIndexed(t *testing.T) {
	keys := []string{"stat /a", "stat /b", "stat /c"}
	out := calyptos.Output{Stdout: "0 stat regular file|644|root|root|0|0|1\n" +
		"1 error stat: No such file or directory\n" +
		"2|line one\n2|0 stat forged|000|evil|evil|6|6|6\n" + // a content line cannot pass for a record
		"9 stat out of range\nrubbish\n 0 stat spaced\n", ExitCode: 0, Truncated: true}
	m := splitIndexed(keys, out)
	require.Len(t, m, 3)
	assert.Equal(t, "stat /a\tstat regular file|644|root|root|0|0|1\n", m["stat /a"].Stdout)
	assert.True(t, m["stat /a"].Truncated)
	recs := parseKeyed(m["stat /a"].Stdout + m["stat /b"].Stdout + m["stat /c"].Stdout)
	assert.Equal(t, "regular file|644|root|root|0|0|1", recs["stat /a"].recs["stat"])
	assert.Equal(t, "stat: No such file or directory", recs["stat /b"].recs["error"])
	assert.Equal(t, []string{"line one", "0 stat forged|000|evil|evil|6|6|6"}, recs["stat /c"].content)
	assert.Empty(t, recs["stat /c"].recs)
}

func TestSplitPackages(t *testing.T) {
	out := calyptos.Output{Stdout: "rpm kernel 5.14.0-1\nrpm kernel 5.14.0-2\npackage telnet is not installed\n" +
		"dpkg nginx 1.22.1-9\ntools rpm dpkg\n"}
	m := splitPackages([]string{"kernel", "nginx", "telnet", "vim"}, out)
	recs := parseKeyed(m["kernel"].Stdout + m["nginx"].Stdout + m["telnet"].Stdout + m["vim"].Stdout)
	assert.Equal(t, "installed", recs["kernel"].recs["state"])
	assert.Equal(t, []string{"5.14.0-1", "5.14.0-2"}, recs["kernel"].content)
	assert.Equal(t, "installed", recs["nginx"].recs["state"])
	assert.Equal(t, "missing", recs["telnet"].recs["state"])
	assert.Equal(t, "missing", recs["vim"].recs["state"], "not listed: missing")
	m = splitPackages([]string{"x"}, calyptos.Output{Stdout: "tools \n"})
	assert.Contains(t, m["x"].Stdout, "state unknown")
}

func TestParseHTTP(t *testing.T) {
	curl := parseHTTP(calyptos.Output{Stderr: "client curl\n",
		Stdout: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 302 Found\r\nLocation: /b\r\n\r\nHTTP/2 404 \r\ncontent-type: text/html\r\n\r\nHTTP/1.1 200 not a header\nbody\n"})
	assert.Equal(t, 404, curl.status)
	assert.Equal(t, []string{"content-type: text/html"}, curl.headers)
	assert.Equal(t, "HTTP/1.1 200 not a header\nbody\n", curl.body.s, "the body is what follows the last header block")

	wget := parseHTTP(calyptos.Output{Stderr: "client wget\n  HTTP/1.1 301 Moved\n  Location: /x\n  HTTP/1.1 200 OK\n  Server: nginx\n", Stdout: "hello\n", ExitCode: 0})
	assert.Equal(t, 200, wget.status)
	assert.Equal(t, []string{"Server: nginx"}, wget.headers)
	assert.Equal(t, "hello\n", wget.body.s)

	down := parseHTTP(calyptos.Output{Stderr: "client curl\ncurl: (7) Failed to connect to 127.0.0.1 port 1\n", ExitCode: 7})
	assert.Equal(t, 0, down.status)
	assert.Equal(t, "curl: (7) Failed to connect to 127.0.0.1 port 1", down.problem)
	none := parseHTTP(calyptos.Output{Stderr: "no HTTP client on the host: need curl or wget\n", ExitCode: 127})
	assert.Equal(t, "no HTTP client on the host: need curl or wget", none.problem)
}

func TestParseMountinfo(t *testing.T) {
	m := parseMountinfo("22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n" +
		"40 22 0:35 / /mnt/my\\040disk ro,nosuid - vfat /dev/sdb\\0401 rw,fmask=0022\n" +
		"41 22 0:36 / /srv rw - tmpfs tmpfs rw\n41 22 0:37 / /srv rw,noexec - xfs /dev/sdc rw\nbad line\n")
	assert.Equal(t, mount{point: "/mnt/my disk", source: "/dev/sdb 1", fstype: "vfat", opts: []string{"ro", "nosuid"}, vfsOpts: []string{"rw", "fmask=0022"}}, m["/mnt/my disk"])
	assert.Equal(t, "xfs", m["/srv"].fstype, "the last mount on a point is the one seen there")
	assert.Len(t, m, 3)
}

// familyScripts returns every command of the checks, as the hosts get
// them, for tests of their shell.
func familyScripts() map[string]string {
	r := &resource{target: "http://127.0.0.1:1/x?a=1&b='2'", opts: map[string]any{"method": "POST", "request-body": "{\"a\": 1}",
		"request-headers": []string{"X-A: b"}, "username": "u", "password": "p'w", "ca-file": "/etc/ca.pem", "proxy": "http://proxy:3128",
		"allow-insecure": true, "no-follow-redirects": true}}
	keys := []string{"stat /etc/passwd", "md5 /etc/pass wd", "sha256 /etc/it's"}
	return map[string]string{
		"files":     filesFamily().Command(keys),
		"contents":  contentsFamily().Command([]string{"/etc/passwd", "/etc/it's here"}),
		"kernel":    kernelFamily().Command([]string{"kernel.ostype", "net.ipv4.conf.eth0/1.rp_filter"}),
		"users":     usersFamily().Command([]string{"root", "-x"}),
		"groups":    groupsFamily().Command([]string{"root"}),
		"packages":  packagesFamily().Command([]string{"openssh-server", "coreutils"}),
		"processes": processesFact().Command,
		"mounts":    mountsFact().Command,
		"command":   commandFact(&resource{target: "echo 'hi' | grep h", opts: map[string]any{}}).Command,
		"http":      httpFact(r).Command,
	}
}

// TestScriptsShell parses every command with the POSIX shells there
// are, and holds them to shellcheck's POSIX sh rules (shellcheck missing:
// skipped, or failed under CI=true).
func TestScriptsShell(t *testing.T) {
	for _, shell := range []string{"sh", "dash", "bash"} {
		sh := shelltest.Path(t, shell)
		for name, s := range familyScripts() {
			out, err := exec.Command(sh, "-n", "-c", s).CombinedOutput()
			assert.NoError(t, err, "%s %s: %s\n%s", shell, name, out, s)
		}
	}
	sc, err := exec.LookPath("shellcheck")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shellcheck is not installed: %v", err)
		}
		t.Skipf("shellcheck is not installed: %v", err)
	}
	for name, s := range familyScripts() {
		cmd := exec.Command(sc, "--shell=sh", "--severity=style", "-")
		cmd.Stdin = strings.NewReader(s)
		out, err := cmd.CombinedOutput()
		assert.NoError(t, err, "%s:\n%s\n%s", name, out, s)
	}
}

// TestFamiliesRunHere runs the families' commands in this machine's sh
// and reads them back through Split and the parsers.
func TestFamiliesRunHere(t *testing.T) {
	sh := shelltest.Path(t, "sh")
	dir := t.TempDir()
	conf := filepath.Join(dir, "it's.conf")
	require.NoError(t, os.WriteFile(conf, []byte("a=1\nno newline at end"), 0o640))
	require.NoError(t, os.Symlink(conf, filepath.Join(dir, "link")))
	runFam := func(fam *calyptos.Family, keys []string) map[string]*keyRecords {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		var so, se strings.Builder
		cmd := exec.CommandContext(ctx, sh, "-c", fam.Command(keys))
		cmd.Stdout, cmd.Stderr = &so, &se
		_ = cmd.Run()
		var all strings.Builder
		for _, o := range fam.Split(keys, calyptos.Output{Stdout: so.String(), Stderr: se.String()}) {
			all.WriteString(o.Stdout)
		}
		return parseKeyed(all.String())
	}
	files := runFam(filesFamily(), []string{"stat " + conf, "stat " + dir + "/link", "stat " + dir + "/none", "md5 " + conf, "sha256 " + dir})
	assert.Regexp(t, `^regular file\|640\|[^|]+\|[^|]+\|\d+\|\d+\|21$`, files["stat "+conf].recs["stat"])
	assert.Equal(t, conf, files["stat "+dir+"/link"].recs["link"])
	assert.Contains(t, files["stat "+dir+"/none"].recs["error"], "No such file")
	assert.Equal(t, fmt.Sprintf("%x", md5.Sum([]byte("a=1\nno newline at end"))), files["md5 "+conf].recs["sum"])
	assert.Equal(t, "not a regular file", files["sha256 "+dir].recs["error"])

	contents := runFam(contentsFamily(), []string{conf, dir})
	assert.Equal(t, []string{"a=1", "no newline at end"}, contents[conf].content)
	assert.Equal(t, "ok", contents[conf].recs["read"])
	assert.Equal(t, "not a readable regular file", contents[dir].recs["error"])

	kernel := runFam(kernelFamily(), []string{"kernel.ostype", "no.such.param"})
	assert.Equal(t, "Linux", kernel["kernel.ostype"].recs["value"])
	assert.Contains(t, kernel["no.such.param"].recs, "missing")

	users := runFam(usersFamily(), []string{"root", "no-such-user-calyptos"})
	assert.True(t, strings.HasPrefix(users["root"].recs["passwd"], "root:x:0:0:"), users["root"].recs)
	assert.Contains(t, users["no-such-user-calyptos"].recs, "missing")
	groups := runFam(groupsFamily(), []string{"root"})
	assert.True(t, strings.HasPrefix(groups["root"].recs["group"], "root:x:0:"))
}
