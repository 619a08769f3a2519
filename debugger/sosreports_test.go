package debugger

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/localexec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFilePermissions(t *testing.T) {
	rb := roles(map[string][]string{calyptos.RoleCLC: {"clc"}, calyptos.RoleNodeController: {"nc"}, calyptos.RoleConsole: {"console"}})
	e := calyptostest.NewExecutor(t)
	cmd := statCommand([]string{"/var/lib/eucalyptus", "/var/log/eucalyptus"})
	assert.Equal(t, "stat -c '%U %G %a %n' -- /var/lib/eucalyptus /var/log/eucalyptus", cmd)
	e.On("clc", cmd).Stdout(sample(t, "centos7", "stat"))
	e.On("nc", cmd).Stdout("root root 755 /var/lib/eucalyptus\n").
		Stderr("stat: cannot stat '/var/log/eucalyptus': No such file or directory\n").Exit(1)
	rep := run(t, rb, e, &FilePermissions{})
	assert.Equal(t, []string{
		"pass clc File permissions correct for /var/lib/eucalyptus (eucalyptus:eucalyptus, mode 755)",
		"pass clc File permissions correct for /var/log/eucalyptus (eucalyptus:eucalyptus, mode 755)",
		"fail nc File permissions incorrect for /var/lib/eucalyptus: owned by root:root (mode 755), want user eucalyptus",
		"fail nc cannot stat /var/log/eucalyptus",
	}, statuses(rep))
	f := calyptostest.Find(rep, calyptostest.Match{Message: "cannot stat"})
	assert.Equal(t, "stat: cannot stat '/var/log/eucalyptus': No such file or directory", f[0].Evidence)
	assert.Zero(t, e.CallCount(cmd)-2, "the console is not a Eucalyptus host")
}

func TestFilePermissionsOptions(t *testing.T) {
	e := calyptostest.NewExecutor(t)
	e.On("h", "stat -c '%U %G %a %n' -- '/srv/euca state'").Stdout("euca euca 700 /srv/euca state\n")
	rep := run(t, roles(map[string][]string{calyptos.RoleCLC: {"h"}}), e, &FilePermissions{Paths: []string{"/srv/euca state"}, Owner: "euca"})
	assert.Equal(t, []string{"pass h File permissions correct for /srv/euca state (euca:euca, mode 700)"}, statuses(rep))
}

func TestSosreportsSkipWithoutArtifactsDir(t *testing.T) {
	e := calyptostest.NewExecutor(t)
	rep := run(t, clcRoles(), e, &EucalyptusSosreports{})
	assert.Equal(t, []string{"skip - no artifacts directory configured: set RunOptions.ArtifactsDir (the CLI's --artifacts DIR) to collect sosreports"}, statuses(rep))
	assert.Empty(t, e.Calls(), "nothing is run on any host")
}

func sosRoles() *calyptos.RoleBuilder {
	return roles(map[string][]string{calyptos.RoleCLC: {"192.0.2.10"}, calyptos.RoleNodeController: {"192.0.2.21", "192.0.2.22"}, calyptos.RoleConsole: {"192.0.2.12"}})
}

func TestSosreportsCollects(t *testing.T) {
	dir := t.TempDir()
	e := calyptostest.NewExecutor(t)
	scriptDistro(t, e, "192.0.2.10", "centos6")
	scriptDistro(t, e, "192.0.2.21", "centos7")
	scriptDistro(t, e, "192.0.2.22", "centos7") // same remote file name as .21
	rep := calyptostest.RunDebugger(t, sosRoles(), e, &EucalyptusSosreports{}, calyptos.RunOptions{ArtifactsDir: dir})

	local := func(h, f string) string { return filepath.Join(dir, h, f) }
	c6 := "/var/tmp/calyptos-sos.k3J9aQ/sosreport-clc.000-20261125043512.tar.xz"
	c7 := "/var/tmp/calyptos-sos.Xy12Ab/sosreport-clc-20261125043512.tar.xz"
	assert.Equal(t, []string{
		"pass 192.0.2.10 sosreport finished - " + c6,
		"pass 192.0.2.21 sosreport finished - " + c7,
		"pass 192.0.2.22 sosreport finished - " + c7,
		"pass 192.0.2.10 sosreport downloaded - " + local("192.0.2.10", "sosreport-clc.000-20261125043512.tar.xz") + " (31 B)",
		"pass 192.0.2.21 sosreport downloaded - " + local("192.0.2.21", "sosreport-clc-20261125043512.tar.xz") + " (31 B)",
		"pass 192.0.2.22 sosreport downloaded - " + local("192.0.2.22", "sosreport-clc-20261125043512.tar.xz") + " (31 B)",
		"info 192.0.2.10 removed the remote sosreport files (rm -rf -- /var/tmp/calyptos-sos.k3J9aQ)",
		"info 192.0.2.21 removed the remote sosreport files (rm -rf -- /var/tmp/calyptos-sos.Xy12Ab)",
		"info 192.0.2.22 removed the remote sosreport files (rm -rf -- /var/tmp/calyptos-sos.Xy12Ab)",
	}, statuses(rep))
	// Files of two hosts with the same remote name did not overwrite each
	// other.
	for _, h := range []string{"192.0.2.21", "192.0.2.22"} {
		b, err := os.ReadFile(local(h, "sosreport-clc-20261125043512.tar.xz"))
		require.NoError(t, err)
		assert.Equal(t, "sosreport archive of "+h, string(b))
	}
	assert.Len(t, rep.Check("eucalyptus_sosreports").Artifacts, 3)
	// Never the original's rm -rf /tmp/sosreport*, and nothing on the
	// console (not a Eucalyptus host).
	for _, c := range e.Calls() {
		assert.NotContains(t, c.Command, "sosreport*")
		assert.NotEqual(t, "192.0.2.12", c.Host)
	}
	run := e.Calls()
	var sos string
	for _, c := range run {
		if strings.HasPrefix(c.Command, "d=$(mktemp") {
			sos = c.Command
		}
	}
	assert.Contains(t, sos, "--batch")
	assert.Contains(t, sos, "mktemp -d /var/tmp/calyptos-sos.XXXXXX")
}

func TestSosreportsArchiveOutsideTempDir(t *testing.T) {
	// sos 2.2 ignoring --tmp-dir and writing to /tmp: the path is read from
	// its output, fetched from there, and only that file is removed.
	dir := t.TempDir()
	e := calyptostest.NewExecutor(t)
	scriptDistro(t, e, "", "centos6")
	e.OnMatch("", `^d=\$\(mktemp -d `).Stdout(sample(t, "centos6", "sosreport-tmp"))
	rep := calyptostest.RunDebugger(t, clcRoles(), e, &EucalyptusSosreports{}, calyptos.RunOptions{ArtifactsDir: dir})
	a := "/tmp/sosreport-clc.000-20261125043512.tar.xz"
	calyptostest.HasFinding(t, rep, calyptostest.Match{Status: calyptos.Pass, Message: "sosreport downloaded - " + filepath.Join(dir, clc, "sosreport-clc.000-20261125043512.tar.xz")})
	calyptostest.NoFailures(t, rep)
	assert.Equal(t, 1, e.CallCount("rm -rf -- /var/tmp/calyptos-sos.Pq7Rs1; rm -f -- "+a+" "+a+".md5 "+a+".sha256"))
	assert.Equal(t, []string{clc}, hostsFetched(e, a))
}

func hostsFetched(e *calyptostest.Executor, remote string) []string {
	var hs []string
	for _, c := range e.Calls() {
		if c.Fetch && c.Command == remote {
			hs = append(hs, c.Host)
		}
	}
	return hs
}

func TestSosreportsMissingSos(t *testing.T) {
	dir := t.TempDir()
	e := calyptostest.NewExecutor(t)
	e.On("", sosCheckCommand()).Stdout("tool=no\npkg=sos status=missing\npkg=eucalyptus-sos-plugins status=missing\n")
	rep := calyptostest.RunDebugger(t, clcRoles(), e, &EucalyptusSosreports{}, calyptos.RunOptions{ArtifactsDir: dir})
	assert.Equal(t, []string{
		"fail 192.0.2.10 sos is not installed (no sosreport or sos command): install the sos package, or set InstallPackages (--install-packages)",
	}, statuses(rep))
	assert.Len(t, e.Calls(), 1, "nothing installed, nothing run")

	// With InstallPackages: installed with yum (signatures checked), then run.
	e = calyptostest.NewExecutor(t)
	scriptDistro(t, e, "", "centos7")
	e.On("", sosCheckCommand()).Stdout("tool=no\npkg=sos status=missing\npkg=eucalyptus-sos-plugins status=missing\n")
	e.On("", installScript("sos"))
	e.On("", installScript("eucalyptus-sos-plugins")).Stdout("No package eucalyptus-sos-plugins available.\nError: Nothing to do\n").Exit(1)
	rep = calyptostest.RunDebugger(t, clcRoles(), e, &EucalyptusSosreports{InstallPackages: true}, calyptos.RunOptions{ArtifactsDir: dir})
	assert.Equal(t, 1, e.CallCount(installScript("sos")))
	assert.Equal(t, 1, e.CallCount(installScript("eucalyptus-sos-plugins")))
	assert.NotContains(t, installScript("sos"), "nogpgcheck")
	assert.Contains(t, installScript("sos"), "yum install --assumeyes --quiet sos;")
	assert.Contains(t, installScript("sos"), "apt-get install -y -q sosreport;", "Debian calls the package sosreport")
	assert.Equal(t, []string{
		"pass 192.0.2.10 Installed sos",
		"warn 192.0.2.10 Installing eucalyptus-sos-plugins failed (exit 1)",
		"warn 192.0.2.10 Package not installed - eucalyptus-sos-plugins: the sosreport will lack Eucalyptus data",
	}, statuses(rep)[:3])
	calyptostest.HasFinding(t, rep, calyptostest.Match{Status: calyptos.Pass, Message: "sosreport downloaded"})
	calyptostest.NoFailures(t, rep)
}

func TestSosreportsFailures(t *testing.T) {
	dir := t.TempDir()
	e := calyptostest.NewExecutor(t)
	scriptDistro(t, e, "", "centos7")
	e.OnMatch("192.0.2.21", `^d=\$\(mktemp -d `).Stdout("calyptos-tmpdir=/var/tmp/calyptos-sos.Zz9\nTraceback (most recent call last):\nOSError: [Errno 28] No space left on device\n").Exit(1)
	e.OnFetch("192.0.2.22", "~.*").Err(os.ErrPermission)
	rep := calyptostest.RunDebugger(t, sosRoles(), e, &EucalyptusSosreports{}, calyptos.RunOptions{ArtifactsDir: dir})
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: "192.0.2.21", Status: calyptos.Fail, Message: "sosreport produced no archive (exit 1)"})
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: "192.0.2.22", Status: calyptos.Fail, Message: "sosreport not downloaded: fetch 192.0.2.22:/var/tmp/calyptos-sos.Xy12Ab/sosreport-clc-20261125043512.tar.xz: permission denied"})
	// Cleanup still ran on both, for the directory they made.
	assert.Equal(t, 1, e.CallCount("rm -rf -- /var/tmp/calyptos-sos.Zz9"))
	assert.Equal(t, 2, e.CallCount("rm -rf -- /var/tmp/calyptos-sos.Xy12Ab"))
	_, err := os.Stat(filepath.Join(dir, "192.0.2.22", "sosreport-clc-20261125043512.tar.xz"))
	assert.ErrorIs(t, err, os.ErrNotExist, "no partial file")
}

func TestSosreportsTimeouts(t *testing.T) {
	assert.Equal(t, 65*time.Minute, (&EucalyptusSosreports{}).Timeout())
	assert.Equal(t, 25*time.Minute, (&EucalyptusSosreports{CommandTimeout: 10 * time.Minute}).Timeout())

	// The sosreport command gets its own deadline, not the run's short one.
	dir := t.TempDir()
	e := calyptostest.NewExecutor(t)
	scriptDistro(t, e, "", "centos7")
	e.OnMatch("", `^d=\$\(mktemp -d `).Stdout(sample(t, "centos7", "sosreport")).Delay(300 * time.Millisecond)
	rep := calyptostest.RunDebugger(t, clcRoles(), e, &EucalyptusSosreports{}, calyptos.RunOptions{ArtifactsDir: dir, CommandTimeout: 100 * time.Millisecond})
	calyptostest.NoFailures(t, rep)

	// And that deadline holds.
	e = calyptostest.NewExecutor(t)
	scriptDistro(t, e, "", "centos7")
	e.OnMatch("", `^d=\$\(mktemp -d `).Delay(time.Minute)
	rep = calyptostest.RunDebugger(t, clcRoles(), e, &EucalyptusSosreports{CommandTimeout: 100 * time.Millisecond}, calyptos.RunOptions{ArtifactsDir: dir})
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: clc, Status: calyptos.Fail, Message: "deadline exceeded"})
}

func TestSosScriptQuotesTempDir(t *testing.T) {
	s := sosScript("/var/tmp/my dir", time.Hour)
	assert.True(t, strings.HasPrefix(s, "d=$(mktemp -d '/var/tmp/my dir/calyptos-sos.XXXXXX') || exit 1;"), s)
}

// A sosreport cut short by its deadline still has its temporary
// directory removed: the partial output names it.
func TestSosreportsCleansUpAfterTimeout(t *testing.T) {
	dir := t.TempDir()
	e := calyptostest.NewExecutor(t)
	scriptDistro(t, e, "", "centos7")
	e.OnMatch(clc, `^d=\$\(mktemp -d `).Stdout("calyptos-tmpdir=/var/tmp/calyptos-sos.T1m3\n\nsosreport (version 3.5)\n").
		Err(fmt.Errorf("ssh: run: %w", context.DeadlineExceeded))
	rep := calyptostest.RunDebugger(t, clcRoles(), e, &EucalyptusSosreports{}, calyptos.RunOptions{ArtifactsDir: dir})
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: clc, Status: calyptos.Fail, Message: "deadline exceeded"})
	assert.Equal(t, 1, e.CallCount("rm -rf -- /var/tmp/calyptos-sos.T1m3"))
	assert.Len(t, calyptostest.Find(rep, calyptostest.Match{Host: clc, Status: calyptos.Fail}), 1, calyptostest.Dump(rep))
}

// TestSosScriptBoundsSosreport runs sosScript on this machine with a
// stand-in sosreport that never finishes: the remote side ends it at the
// limit, so nothing started by the run is left running after it.
func TestSosScriptBoundsSosreport(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	if _, err := exec.LookPath("timeout"); err != nil {
		t.Skip("no timeout")
	}
	bin := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(bin, "sosreport"), []byte("#!/bin/sh\nexec sleep 60\n"), 0o755))
	tmp := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, sh, "-c", sosScript(tmp, time.Second))
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))
	start := time.Now()
	out, err := cmd.Output()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "%s", out)
	assert.Equal(t, 124, ee.ExitCode())
	assert.Less(t, time.Since(start), 20*time.Second)
	d, _ := parseSosreport(string(out))
	assert.True(t, ownTempDir(d, tmp), "%s", out)
}

// sosreport ended by the host's timeout (exit 124) says so, with the limit
// and the option that raises it.
func TestSosreportsRemoteTimeoutMessage(t *testing.T) {
	dir := t.TempDir()
	e := calyptostest.NewExecutor(t)
	scriptDistro(t, e, "", "centos7")
	e.OnMatch(clc, `^d=\$\(mktemp -d `).Stdout("calyptos-tmpdir=/var/tmp/calyptos-sos.T1m3\n\nsosreport (version 3.5)\n Running plugins. Please wait ...\n").Exit(124)
	rep := calyptostest.RunDebugger(t, clcRoles(), e, &EucalyptusSosreports{CommandTimeout: 10 * time.Minute}, calyptos.RunOptions{ArtifactsDir: dir})
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: clc, Status: calyptos.Fail,
		Message: "sosreport produced no archive: stopped by its time limit after 9m0s (EucalyptusSosreports.CommandTimeout)"})
	assert.Equal(t, 1, e.CallCount("rm -rf -- /var/tmp/calyptos-sos.T1m3"))
}

// TestSosreportsRunsHere runs the debugger through localexec with a
// stand-in sosreport that behaves like sos 3.x (archive in --tmp-dir, a
// checksum file next to it): the archive is fetched into <dir>/<host>/ and
// the remote temporary directory is gone afterwards.
func TestSosreportsRunsHere(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	bin := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(bin, "sosreport"), []byte(`#!/bin/sh
while [ $# -gt 0 ]; do case "$1" in --tmp-dir) d=$2; shift ;; esac; shift; done
[ -n "$d" ] || exit 2
printf 'archive of this host\n' > "$d/sosreport-here-20261125043512.tar.xz"
echo 0a1c5e1c4cbd1d2f2c9c5b1b0a4bd3e6 > "$d/sosreport-here-20261125043512.tar.xz.md5"
printf '\nsosreport (version 3.5)\n\nYour sosreport has been generated and saved in:\n  %s\n\nThe checksum is: 0a1c\n' "$d/sosreport-here-20261125043512.tar.xz"
`), 0o755))
	remoteTmp, artifacts := t.TempDir(), t.TempDir()
	lx := localexec.New(localexec.Options{Env: append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))})
	rep := calyptostest.RunDebugger(t, clcRoles(), lx, &EucalyptusSosreports{RemoteTempDir: remoteTmp},
		calyptos.RunOptions{ArtifactsDir: artifacts, CommandTimeout: 30 * time.Second})
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: clc, Status: calyptos.Pass, Message: "sosreport downloaded"})
	got, err := os.ReadFile(filepath.Join(artifacts, clc, "sosreport-here-20261125043512.tar.xz"))
	require.NoError(t, err, calyptostest.Dump(rep))
	assert.Equal(t, "archive of this host\n", string(got))
	left, err := os.ReadDir(remoteTmp)
	require.NoError(t, err)
	assert.Empty(t, left, "the remote temporary directory is removed")
}
