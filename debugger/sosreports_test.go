package debugger

import (
	"archive/tar"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/localexec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/ulikunitz/xz"
)

func TestFilePermissions(t *testing.T) {
	rb := roles(map[string][]string{eucalyptus.RoleCLC: {"clc"}, eucalyptus.RoleNodeController: {"nc"}, eucalyptus.RoleConsole: {"console"}})
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
	rep := run(t, roles(map[string][]string{eucalyptus.RoleCLC: {"h"}}), e, &FilePermissions{Paths: []string{"/srv/euca state"}, Owner: "euca"})
	assert.Equal(t, []string{"pass h File permissions correct for /srv/euca state (euca:euca, mode 700)"}, statuses(rep))
}

func TestSosreportsSkipWithoutArtifactsDir(t *testing.T) {
	e := calyptostest.NewExecutor(t)
	rep := run(t, clcRoles(), e, &EucalyptusSosreports{})
	assert.Equal(t, []string{"skip - no artifacts directory configured: set RunOptions.ArtifactsDir (the CLI's --artifacts DIR) to collect sosreports"}, statuses(rep))
	assert.Empty(t, e.Calls(), "nothing is run on any host")
}

func sosRoles() *calyptos.RoleBuilder {
	return roles(map[string][]string{eucalyptus.RoleCLC: {"192.0.2.10"}, eucalyptus.RoleNodeController: {"192.0.2.21", "192.0.2.22"}, eucalyptus.RoleConsole: {"192.0.2.12"}})
}

// sosSecret is a secret of the run that the hosts' archives hold.
const sosSecret = "Db-Passw0rd-42"

// recordedDirRE matches the temporary directory in a recorded sosreport
// output; scriptSos puts the one the run picked in its place.
var recordedDirRE = regexp.MustCompile(`/var/tmp/calyptos-sos\.[A-Za-z0-9]+`)

// sosCommandRE matches sosScript's command and captures its directory.
var sosCommandRE = regexp.MustCompile(`^d='?([^';]+)'?; mkdir -m 700 `)

// scriptSos makes e answer sosScript on host with the recorded output out
// (its directory replaced by the run's), and serve a small sosreport
// archive of host holding sosSecret.
func scriptSos(t testing.TB, e *calyptostest.Executor, host, out string) {
	t.Helper()
	e.OnMatch(host, sosCommandRE.String()).Respond(func(_, cmd string) (calyptos.Output, error) {
		dir := sosCommandRE.FindStringSubmatch(cmd)[1]
		return calyptos.Output{Stdout: recordedDirRE.ReplaceAllLiteralString(out, dir)}, nil
	})
	e.OnFetch(host, "~/.*/sosreport-.*").Content(string(sosArchive(t, cmp.Or(host, "a-host"))))
}

// sosArchive is a sosreport archive (tar.xz) of host: a configuration
// file holding sosSecret as it is and upper-cased, a log, and a binary
// file.
func sosArchive(t testing.TB, host string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := xz.NewWriter(&buf)
	require.NoError(t, err)
	tw := tar.NewWriter(zw)
	for _, m := range []struct{ name, body string }{
		{"etc/eucalyptus/eucalyptus.conf", "DB_PASSWORD=\"" + sosSecret + "\"\n# was " + strings.ToUpper(sosSecret) + "\n"},
		{"var/log/eucalyptus/cloud-output.log", "login as admin\n"},
		{"hostname", host + "\n"},
		{"var/lib/rpm/Packages", "\x00\x01\x02binary"},
	} {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: "sosreport-" + host + "/" + m.name, Typeflag: tar.TypeReg, Mode: 0o600, Size: int64(len(m.body))}))
		_, err := tw.Write([]byte(m.body))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// archiveFiles returns the regular files of a tar.xz archive on disk.
func archiveFiles(t *testing.T, file string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	zr, err := xz.NewReader(bytes.NewReader(b))
	require.NoError(t, err)
	tr := tar.NewReader(zr)
	files := map[string]string{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		require.NoError(t, err)
		body, err := io.ReadAll(tr)
		require.NoError(t, err)
		files[h.Name] = string(body)
	}
}

// fixedName makes the run pick the remote directory calyptos-sos.TEST.
func fixedName() string { return "calyptos-sos.TEST" }

const testDir = "/var/tmp/calyptos-sos.TEST"

func TestSosreportsCollects(t *testing.T) {
	dir := t.TempDir()
	e := calyptostest.NewExecutor(t)
	scriptDistro(t, e, "192.0.2.10", "centos6")
	scriptDistro(t, e, "192.0.2.21", "centos7")
	scriptDistro(t, e, "192.0.2.22", "centos7") // same remote file name as .21
	rep := calyptostest.RunDebugger(t, sosRoles(), e, &EucalyptusSosreports{tempName: fixedName}, calyptos.RunOptions{ArtifactsDir: dir, Secrets: []string{sosSecret}})
	calyptostest.RequireHints(t, rep)

	local := func(h, f string) string { return filepath.Join(dir, h, f) }
	c6 := testDir + "/sosreport-clc.000-20261125043512.tar.xz"
	c7 := testDir + "/sosreport-clc-20261125043512.tar.xz"
	size := func(h, f string) string {
		fi, err := os.Stat(local(h, f))
		require.NoError(t, err)
		return byteSize(fi.Size())
	}
	got := statuses(rep)
	want := []string{
		"pass 192.0.2.10 sosreport finished - " + c6,
		"pass 192.0.2.21 sosreport finished - " + c7,
		"pass 192.0.2.22 sosreport finished - " + c7,
	}
	for _, h := range []string{"192.0.2.10", "192.0.2.21", "192.0.2.22"} {
		f := path.Base(map[bool]string{true: c6, false: c7}[h == "192.0.2.10"])
		want = append(want, "pass "+h+" sosreport downloaded - "+local(h, f)+" ("+size(h, f)+"), redacted: secrets replaced in 1 of 3 text files, 1 binary file as they were")
	}
	for _, h := range []string{"192.0.2.10", "192.0.2.21", "192.0.2.22"} {
		want = append(want, "info "+h+" removed the remote sosreport files (rm -rf -- "+testDir+")")
	}
	assert.Equal(t, want, got)
	// Each host's copy is its own, redacted the same way; the upper-cased
	// secret is replaced once the Redactor matches case-insensitively.
	for _, h := range []string{"192.0.2.21", "192.0.2.22"} {
		files := archiveFiles(t, local(h, "sosreport-clc-20261125043512.tar.xz"))
		assert.True(t, strings.HasPrefix(files["sosreport-"+h+"/etc/eucalyptus/eucalyptus.conf"], "DB_PASSWORD=\"[REDACTED]\"\n"))
		assert.Equal(t, h+"\n", files["sosreport-"+h+"/hostname"])
		assert.Equal(t, "\x00\x01\x02binary", files["sosreport-"+h+"/var/lib/rpm/Packages"])
		for name, body := range files {
			assert.NotContains(t, body, sosSecret, name)
		}
		_, err := os.Stat(local(h, "unredacted-sosreport-clc-20261125043512.tar.xz"))
		assert.ErrorIs(t, err, os.ErrNotExist, "no original without KeepUnredacted")
	}
	assert.Len(t, rep.Check("eucalyptus_sosreports").Artifacts, 3)
	// Never the original's rm -rf /tmp/sosreport*, and nothing on the
	// console (not a Eucalyptus host).
	var sos string
	for _, c := range e.Calls() {
		assert.NotContains(t, c.Command, "sosreport*")
		assert.NotEqual(t, "192.0.2.12", c.Host)
		if sosCommandRE.MatchString(c.Command) {
			sos = c.Command
		}
	}
	assert.Contains(t, sos, "--batch")
	assert.True(t, strings.HasPrefix(sos, "d="+testDir+"; mkdir -m 700 -- \"$d\" || exit 1; "), sos)
}

// TestSosreportsKeepUnredacted: with KeepUnredacted the original is kept
// byte for byte next to the redacted copy, and the report says so.
func TestSosreportsKeepUnredacted(t *testing.T) {
	dir := t.TempDir()
	e := calyptostest.NewExecutor(t)
	scriptDistro(t, e, "", "centos7")
	rep := calyptostest.RunDebugger(t, clcRoles(), e, &EucalyptusSosreports{KeepUnredacted: true, tempName: fixedName},
		calyptos.RunOptions{ArtifactsDir: dir, Secrets: []string{sosSecret}})
	calyptostest.NoFailures(t, rep)
	orig := filepath.Join(dir, clc, "unredacted-sosreport-clc-20261125043512.tar.xz")
	b, err := os.ReadFile(orig)
	require.NoError(t, err)
	assert.Equal(t, sosArchive(t, "a-host"), b)
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: clc, Status: calyptos.Info, Message: "kept the unredacted original - " + orig})
	files := archiveFiles(t, filepath.Join(dir, clc, "sosreport-clc-20261125043512.tar.xz"))
	assert.True(t, strings.HasPrefix(files["sosreport-a-host/etc/eucalyptus/eucalyptus.conf"], "DB_PASSWORD=\"[REDACTED]\"\n"))
	assert.Equal(t, 1, len(hostsFetched(e, testDir+"/sosreport-clc-20261125043512.tar.xz")), "fetched once")
}

// TestSosreportsRedactionFails: an archive that cannot be redacted (not a
// tar archive, or bzip2) is not kept, and the report says how to keep it.
func TestSosreportsRedactionFails(t *testing.T) {
	dir := t.TempDir()
	e := calyptostest.NewExecutor(t)
	scriptDistro(t, e, "", "centos7")
	e.OnFetch(clc, "~/.*/sosreport-.*").Content("BZh91AY&SY" + sosSecret)
	rep := calyptostest.RunDebugger(t, clcRoles(), e, &EucalyptusSosreports{tempName: fixedName}, calyptos.RunOptions{ArtifactsDir: dir})
	calyptostest.RequireHints(t, rep)
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: clc, Status: calyptos.Fail,
		Message: "sosreport not downloaded: write artifact sosreport-clc-20261125043512.tar.xz for " + clc + ": artifact: unsupported archive: bzip2-compressed (set KeepUnredacted, --artifacts-unredacted, to keep the archive as it is)"})
	left, err := os.ReadDir(filepath.Join(dir, clc))
	require.NoError(t, err)
	assert.Empty(t, left, "nothing kept")
	assert.Equal(t, 1, e.CallCount("rm -rf -- "+testDir+" && ! test -e "+testDir))
}

// TestSosreportsHostileOutput: whatever paths the host's output names,
// only archives inside the run's own directory are fetched, and only that
// directory, by the name the run picked, is removed.
func TestSosreportsHostileOutput(t *testing.T) {
	tests := []struct {
		name, out string
		fetched   []string
		warned    []string
	}{
		{"archive outside", "Your sosreport has been generated and saved in:\n  /tmp/sosreport-clc-2026.tar.xz\n",
			nil, []string{"/tmp/sosreport-clc-2026.tar.xz"}},
		{"dot-dot out of the directory", "  " + testDir + "/../../../etc/sosreport-x.tar.xz\n",
			nil, []string{testDir + "/../../../etc/sosreport-x.tar.xz"}},
		{"another calyptos directory", "  /var/tmp/calyptos-sos.OTHER/sosreport-x.tar.xz\n",
			nil, []string{"/var/tmp/calyptos-sos.OTHER/sosreport-x.tar.xz"}},
		{"prefix without the slash", "  " + testDir + "X/sosreport-x.tar.xz\n",
			nil, []string{testDir + "X/sosreport-x.tar.xz"}},
		{"trailing junk on the directory line", "calyptos-tmpdir=" + testDir + " junk\n  " + testDir + "/sosreport-x.tar.xz\n",
			[]string{testDir + "/sosreport-x.tar.xz"}, nil},
		{"trailing junk on the archive line", "  " + testDir + "/sosreport-x.tar.xz junk\n", nil, nil},
		{"carriage return", "  " + testDir + "/sosreport-x.tar.xz\r\n", []string{testDir + "/sosreport-x.tar.xz"}, nil},
		{"nothing", "", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			e := calyptostest.NewExecutor(t)
			scriptDistro(t, e, "", "centos7")
			e.OnMatch(clc, sosCommandRE.String()).Stdout(tt.out)
			rep := calyptostest.RunDebugger(t, clcRoles(), e, &EucalyptusSosreports{tempName: fixedName}, calyptos.RunOptions{ArtifactsDir: dir})
			calyptostest.RequireHints(t, rep)
			var fetched, removals []string
			for _, c := range e.Calls() {
				if c.Fetch {
					fetched = append(fetched, c.Command)
				} else if strings.Contains(c.Command, "rm ") {
					removals = append(removals, c.Command)
				}
			}
			assert.Equal(t, tt.fetched, fetched)
			assert.Equal(t, []string{"rm -rf -- " + testDir + " && ! test -e " + testDir}, removals, "only the run's own directory")
			var warned []string
			for _, f := range calyptostest.Find(rep, calyptostest.Match{Status: calyptos.Warn, Message: "outside the run's directory"}) {
				warned = append(warned, strings.Fields(strings.TrimPrefix(f.Message, "sosreport says it wrote "))[0][:len(strings.Fields(strings.TrimPrefix(f.Message, "sosreport says it wrote "))[0])-1])
			}
			assert.Equal(t, tt.warned, warned)
		})
	}
}

func TestSosArchives(t *testing.T) {
	in, out := sosArchives(sample(t, "centos7", "sosreport"), "/var/tmp/calyptos-sos.Xy12Ab")
	assert.Equal(t, []string{"/var/tmp/calyptos-sos.Xy12Ab/sosreport-clc-20261125043512.tar.xz"}, in)
	assert.Empty(t, out)
	in, out = sosArchives(sample(t, "centos6", "sosreport-tmp"), "/var/tmp/calyptos-sos.Pq7Rs1")
	assert.Empty(t, in)
	assert.Equal(t, []string{"/tmp/sosreport-clc.000-20261125043512.tar.xz"}, out)
	in, _ = sosArchives("/d/x/../sosreport-a.tar.xz\n/d//sosreport-b.tar.xz\n/d/sub/sosreport-c.tar.gz\n/d/notsos.tar.xz\n/d/sosreport-d.tar.xz\n/d/sosreport-d.tar.xz\n", "/d")
	assert.Equal(t, []string{"/d/sub/sosreport-c.tar.gz", "/d/sosreport-d.tar.xz"}, in)
}

func FuzzSosArchives(f *testing.F) {
	seed(f, "sosreport")
	seed(f, "sosreport-tmp")
	f.Add("/var/tmp/calyptos-sos.Xy12Ab/../sosreport-x.tar.xz\n")
	f.Fuzz(func(t *testing.T, out string) {
		in, _ := sosArchives(out, "/var/tmp/calyptos-sos.Xy12Ab")
		for _, a := range in {
			if path.Clean(a) != a || !strings.HasPrefix(a, "/var/tmp/calyptos-sos.Xy12Ab/") || strings.ContainsAny(a, " \t\n\r\x00") {
				t.Fatalf("archive outside the directory accepted: %q", a)
			}
		}
	})
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
	calyptostest.RequireHints(t, rep)
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
	calyptostest.RequireHints(t, rep)
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
	e.OnMatch("192.0.2.21", sosCommandRE.String()).Stdout("Traceback (most recent call last):\nOSError: [Errno 28] No space left on device\n").Exit(1)
	e.OnFetch("192.0.2.22", "~.*").Err(os.ErrPermission)
	rep := calyptostest.RunDebugger(t, sosRoles(), e, &EucalyptusSosreports{tempName: fixedName}, calyptos.RunOptions{ArtifactsDir: dir})
	calyptostest.RequireHints(t, rep)
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: "192.0.2.21", Status: calyptos.Fail, Message: "sosreport produced no archive (exit 1)"})
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: "192.0.2.22", Status: calyptos.Fail, Message: "sosreport not downloaded: write artifact sosreport-clc-20261125043512.tar.xz for 192.0.2.22: fetch 192.0.2.22:" + testDir + "/sosreport-clc-20261125043512.tar.xz: permission denied"})
	// Cleanup still ran on every host, for the directory the run made.
	assert.Equal(t, 3, e.CallCount("rm -rf -- "+testDir+" && ! test -e "+testDir))
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
	e.OnMatch("", sosCommandRE.String()).Stdout(recordedDirRE.ReplaceAllString(sample(t, "centos7", "sosreport"), testDir)).Delay(300 * time.Millisecond)
	rep := calyptostest.RunDebugger(t, clcRoles(), e, &EucalyptusSosreports{tempName: fixedName}, calyptos.RunOptions{ArtifactsDir: dir, CommandTimeout: 100 * time.Millisecond})
	calyptostest.RequireHints(t, rep)
	calyptostest.NoFailures(t, rep)

	// And that deadline holds.
	e = calyptostest.NewExecutor(t)
	scriptDistro(t, e, "", "centos7")
	e.OnMatch("", sosCommandRE.String()).Delay(time.Minute)
	rep = calyptostest.RunDebugger(t, clcRoles(), e, &EucalyptusSosreports{CommandTimeout: 100 * time.Millisecond}, calyptos.RunOptions{ArtifactsDir: dir})
	calyptostest.RequireHints(t, rep)
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: clc, Status: calyptos.Fail, Message: "deadline exceeded"})
}

func TestSosScriptQuotesTempDir(t *testing.T) {
	s := sosScript("/var/tmp/my dir/calyptos-sos.X", time.Hour)
	assert.True(t, strings.HasPrefix(s, "d='/var/tmp/my dir/calyptos-sos.X'; mkdir -m 700 -- \"$d\" || exit 1;"), s)
	assert.Regexp(t, `^calyptos-sos\.[A-Z2-7]{26}$`, newTempName())
	assert.NotEqual(t, newTempName(), newTempName())
}

// A sosreport cut short by its deadline, even before it printed
// anything, still has its directory removed: the run knows its name.
func TestSosreportsCleansUpAfterTimeout(t *testing.T) {
	dir := t.TempDir()
	e := calyptostest.NewExecutor(t)
	scriptDistro(t, e, "", "centos7")
	e.OnMatch(clc, sosCommandRE.String()).Err(fmt.Errorf("ssh: run: %w", context.DeadlineExceeded))
	rep := calyptostest.RunDebugger(t, clcRoles(), e, &EucalyptusSosreports{tempName: fixedName}, calyptos.RunOptions{ArtifactsDir: dir})
	calyptostest.RequireHints(t, rep)
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: clc, Status: calyptos.Fail, Message: "deadline exceeded"})
	assert.Equal(t, 1, e.CallCount("rm -rf -- "+testDir+" && ! test -e "+testDir))
	assert.Len(t, calyptostest.Find(rep, calyptostest.Match{Host: clc, Status: calyptos.Fail}), 1, calyptostest.Dump(rep))
}

// A removal that left the directory behind is not reported as done.
func TestSosreportsCleanupFailureReported(t *testing.T) {
	dir := t.TempDir()
	e := calyptostest.NewExecutor(t)
	scriptDistro(t, e, "", "centos7")
	e.On(clc, "rm -rf -- "+testDir+" && ! test -e "+testDir).Stderr("rm: cannot remove '" + testDir + "/x': Operation not permitted\n").Exit(1)
	rep := calyptostest.RunDebugger(t, clcRoles(), e, &EucalyptusSosreports{tempName: fixedName}, calyptos.RunOptions{ArtifactsDir: dir})
	calyptostest.RequireHints(t, rep)
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: clc, Status: calyptos.Warn, Message: "could not remove the remote sosreport directory " + testDir + " (exit 1)"})
	assert.Empty(t, calyptostest.Find(rep, calyptostest.Match{Host: clc, Message: "removed the remote"}))
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
	d := filepath.Join(t.TempDir(), "calyptos-sos.X")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, sh, "-c", sosScript(d, time.Second))
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))
	start := time.Now()
	out, err := cmd.Output()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "%s", out)
	assert.Equal(t, 124, ee.ExitCode())
	assert.Less(t, time.Since(start), 20*time.Second)
	fi, err := os.Stat(d)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm())
}

// TestSosScriptRefusesExistingDir: a directory (or link) of that name
// made beforehand by someone else is never used: the script stops.
func TestSosScriptRefusesExistingDir(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	bin := t.TempDir()
	ran := filepath.Join(bin, "ran")
	require.NoError(t, os.WriteFile(filepath.Join(bin, "sosreport"), []byte("#!/bin/sh\ntouch "+ran+"\n"), 0o755))
	d := filepath.Join(t.TempDir(), "calyptos-sos.X")
	require.NoError(t, os.Symlink(t.TempDir(), d))
	cmd := exec.Command(sh, "-c", sosScript(d, time.Minute))
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "%s", out)
	assert.Equal(t, 1, ee.ExitCode())
	assert.NoFileExists(t, ran, "sosreport did not run")
}

// sosreport ended by the host's timeout (exit 124) says so, with the limit
// and the option that raises it.
func TestSosreportsRemoteTimeoutMessage(t *testing.T) {
	dir := t.TempDir()
	e := calyptostest.NewExecutor(t)
	scriptDistro(t, e, "", "centos7")
	e.OnMatch(clc, sosCommandRE.String()).Stdout("\nsosreport (version 3.5)\n Running plugins. Please wait ...\n").Exit(124)
	rep := calyptostest.RunDebugger(t, clcRoles(), e, &EucalyptusSosreports{CommandTimeout: 10 * time.Minute, tempName: fixedName}, calyptos.RunOptions{ArtifactsDir: dir})
	calyptostest.RequireHints(t, rep)
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: clc, Status: calyptos.Fail,
		Message: "sosreport produced no archive: stopped by its time limit after 9m0s (EucalyptusSosreports.CommandTimeout)"})
	assert.Equal(t, 1, e.CallCount("rm -rf -- "+testDir+" && ! test -e "+testDir))
}

// TestSosreportsRunsHere runs the debugger through localexec with a
// stand-in sosreport that behaves like sos 3.x (archive in --tmp-dir, a
// checksum file next to it): the archive is fetched into <dir>/<host>/
// redacted, and the remote temporary directory is gone afterwards.
func TestSosreportsRunsHere(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	bin := t.TempDir()
	src := filepath.Join(bin, "archive.tar.xz")
	require.NoError(t, os.WriteFile(src, sosArchive(t, "here"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(bin, "sosreport"), []byte(`#!/bin/sh
while [ $# -gt 0 ]; do case "$1" in --tmp-dir) d=$2; shift ;; esac; shift; done
[ -n "$d" ] || exit 2
cp `+src+` "$d/sosreport-here-20261125043512.tar.xz"
echo 0a1c5e1c4cbd1d2f2c9c5b1b0a4bd3e6 > "$d/sosreport-here-20261125043512.tar.xz.md5"
printf '\nsosreport (version 3.5)\n\nYour sosreport has been generated and saved in:\n  %s\n\nThe checksum is: 0a1c\n' "$d/sosreport-here-20261125043512.tar.xz"
`), 0o755))
	remoteTmp, artifacts := t.TempDir(), t.TempDir()
	lx := localexec.New(localexec.Options{Env: append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))})
	rep := calyptostest.RunDebugger(t, clcRoles(), lx, &EucalyptusSosreports{RemoteTempDir: remoteTmp},
		calyptos.RunOptions{ArtifactsDir: artifacts, CommandTimeout: 30 * time.Second, Secrets: []string{sosSecret}})
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: clc, Status: calyptos.Pass, Message: "sosreport downloaded"})
	files := archiveFiles(t, filepath.Join(artifacts, clc, "sosreport-here-20261125043512.tar.xz"))
	assert.True(t, strings.HasPrefix(files["sosreport-here/etc/eucalyptus/eucalyptus.conf"], "DB_PASSWORD=\"[REDACTED]\"\n"), calyptostest.Dump(rep))
	left, err := os.ReadDir(remoteTmp)
	require.NoError(t, err)
	assert.Empty(t, left, "the remote temporary directory is removed")
	fi, err := os.Stat(filepath.Join(artifacts, clc, "sosreport-here-20261125043512.tar.xz"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
}

func TestSosreportsRelativeTempDir(t *testing.T) {
	e := calyptostest.NewExecutor(t)
	scriptDistro(t, e, "", "centos7")
	rep := calyptostest.RunDebugger(t, clcRoles(), e, &EucalyptusSosreports{RemoteTempDir: "tmp"}, calyptos.RunOptions{ArtifactsDir: t.TempDir()})
	calyptostest.RequireHints(t, rep)
	calyptostest.HasFinding(t, rep, calyptostest.Match{Status: calyptos.Fail, Message: `EucalyptusSosreports.RemoteTempDir "tmp" is not an absolute path`})
	for _, c := range e.Calls() {
		assert.False(t, sosCommandRE.MatchString(c.Command), "sosreport not run")
	}
}

// The archive's base name becomes a local file name: a host cannot put
// control characters (terminal escapes) or other odd bytes in it.
func TestSosArchivesRefusesOddNames(t *testing.T) {
	for _, name := range []string{"sosreport-\x1b[2J.tar.xz", "sosreport-a\x7f.tar.xz", "sosreport-\u202e.tar.xz", "sosreport-a\xff.tar.gz", "sosreport-a\x0b.tar"} {
		in, _ := sosArchives("/d/"+name+"\n", "/d")
		assert.Empty(t, in, "%q", name)
	}
	in, _ := sosArchives("/d/sosreport-clc.example.com-case_1+2@x-2026-01-01-abcdef.tar.xz\n", "/d")
	assert.Len(t, in, 1)
}
