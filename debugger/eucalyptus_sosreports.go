package debugger

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/artifact"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/hostname"
	count "github.com/org/calyptos/internal/words"
	"github.com/org/calyptos/redact"
)

// Defaults of EucalyptusSosreports.
const (
	// DefaultSosTimeout bounds one sosreport run, and one fetch of its
	// archive.
	DefaultSosTimeout = 30 * time.Minute
	// DefaultRemoteTempDir is where the remote temporary directory is made:
	// sosreports are large, and /tmp is often a small tmpfs.
	DefaultRemoteTempDir = "/var/tmp"
)

// EucalyptusSosreports runs sosreport on every Eucalyptus host and collects
// the archives into the run's artifacts directory, as
// <ArtifactsDir>/<host>/<archive> (eucalyptus_sosreports).
//
// Without an artifacts directory it reports a Skip and touches no host.
// sosreport runs non-interactively (--batch) into a fresh directory
// under RemoteTempDir whose name the run picks itself (calyptos-sos.
// and 128 random bits, made with mkdir, which fails rather than reuse a
// directory that exists). An archive is fetched only if the path
// sosreport prints lies inside that directory; one written elsewhere (an
// old sos that ignores --tmp-dir) is reported, neither fetched nor
// removed. Afterwards only that directory is removed, by the name the run
// picked, never by a path read from the host's output (never
// /tmp/sosreport*). Missing packages (sos, eucalyptus-sos-plugins) are
// reported, and installed only when InstallPackages is set.
//
// The archive kept is a redacted copy: every text member of the tar
// archive (gzip or xz) has the environment's secrets and the run's extra
// secrets (RunOptions.Secrets) replaced by [REDACTED], as the report does,
// so the same secret reads the same in every host's copy. A member is
// text unless its first 8000 bytes hold a NUL byte; a binary member is
// kept as it is unless a secret appears in it as it is, in which case it
// is left out (and named in a warning). A secret inside compressed or
// encoded data is not seen. The unredacted original is kept only with
// KeepUnredacted (the CLI's --artifacts-unredacted). The local file name
// is the archive's with the secrets replaced by REDACTED: a host's name
// for its archive is host output like any other.
type EucalyptusSosreports struct {
	// InstallPackages lets the debugger install sos and
	// eucalyptus-sos-plugins with yum (or apt-get) where they are missing.
	InstallPackages bool
	// CommandTimeout bounds each sosreport run and each archive fetch
	// (default DefaultSosTimeout). sosreport itself is ended on the host a
	// little before it (with timeout, where the host has it), and the
	// directory of a run cut short is removed.
	CommandTimeout time.Duration
	// RemoteTempDir is the remote directory, an absolute path, the
	// temporary directory is made in (default DefaultRemoteTempDir).
	RemoteTempDir string
	// KeepUnredacted keeps the archive as sosreport wrote it too, as
	// <ArtifactsDir>/<host>/unredacted-<archive>, next to the redacted
	// copy. It holds the environment's secrets.
	KeepUnredacted bool

	// tempName picks the remote directory's name (tests set it).
	tempName func() string
}

// Name returns "eucalyptus_sosreports".
func (*EucalyptusSosreports) Name() string { return "eucalyptus_sosreports" }

// Timeout is the debugger's time limit: long enough for a sosreport run,
// a fetch and the cleanup. The runner uses it instead of its CheckTimeout.
func (d *EucalyptusSosreports) Timeout() time.Duration {
	return 2*withDefault(d.CommandTimeout, DefaultSosTimeout) + 5*time.Minute
}

// sosCheckCommand tells whether sos is there and which packages are.
func sosCheckCommand() string {
	return "if command -v sos >/dev/null 2>&1 || command -v sosreport >/dev/null 2>&1; then echo tool=yes; else echo tool=no; fi; " +
		packageScript("sos", "eucalyptus-sos-plugins")
}

// sosScript makes the directory dir (which must not exist yet) and runs
// sosreport (sos report on sos 4) into it without questions, with TMPDIR
// pointing there too. Where the host has a timeout that takes "timeout
// SECS PROG" (coreutils, busybox 1.30 and later; older busybox wants -t),
// sosreport is ended after limit (whole seconds, at least one), so that a
// run cut short does not leave it running.
func sosScript(dir string, limit time.Duration) string {
	secs := strconv.Itoa(max(1, int(limit/time.Second)))
	return "d=" + calyptos.ShellQuote(dir) + "; mkdir -m 700 -- \"$d\" || exit 1; " +
		"t=; if timeout 1 true >/dev/null 2>&1; then t='timeout " + secs + "'; fi; " +
		"if command -v sos >/dev/null 2>&1; then TMPDIR=\"$d\" $t sos report --batch --tmp-dir \"$d\"; else TMPDIR=\"$d\" $t sosreport --batch --tmp-dir \"$d\"; fi 2>&1"
}

// newTempName returns a fresh name for the remote directory: the prefix
// and 128 random bits, so that nobody can make it first.
func newTempName() string {
	return "calyptos-sos." + rand.Text()
}

// remoteLimit is how long sosreport may run on the host: a little less
// than the command's deadline, so that the host ends it and answers
// before this side gives up.
func remoteLimit(deadline time.Duration) time.Duration {
	return deadline - min(deadline/10, time.Minute)
}

// sosHost is what happened on one host.
type sosHost struct {
	host     string
	archives []string
	fetched  []fetched
	errs     []error
}

// fetched is one archive collected: the redacted copy, and the original
// when it is kept.
type fetched struct {
	copy, original calyptos.Artifact
	stats          artifact.Stats
}

// Debug implements calyptos.Debugger.
func (d *EucalyptusSosreports) Debug(ctx context.Context, c *calyptos.Check) {
	if c.ArtifactsDir() == "" {
		c.Skipped("no artifacts directory configured: set RunOptions.ArtifactsDir (the CLI's --artifacts DIR) to collect sosreports")
		return
	}
	hosts := eucalyptus.ComponentHosts(c.Roles())
	if len(hosts) == 0 {
		c.Skipped("no Eucalyptus hosts in the deployment")
		return
	}
	ready := d.ensureSos(ctx, c, hosts)
	if len(ready) == 0 {
		return
	}

	tmp := withDefault(d.RemoteTempDir, DefaultRemoteTempDir)
	if !path.IsAbs(tmp) {
		c.Key("remote-temp-dir").Hint("set EucalyptusSosreports.RemoteTempDir to an absolute path such as /var/tmp").Failuref("EucalyptusSosreports.RemoteTempDir %q is not an absolute path", tmp)
		return
	}
	pick := newTempName
	if d.tempName != nil {
		pick = d.tempName
	}
	dir := path.Join(tmp, pick())
	limit := withDefault(d.CommandTimeout, DefaultSosTimeout)
	sctx := calyptos.WithCommandTimeout(ctx, limit)
	var runs []*sosHost
	remote := remoteLimit(limit)
	for _, r := range c.RunOnHosts(sctx, sosScript(dir, remote), ready) {
		h := &sosHost{host: r.Host}
		runs = append(runs, h) // even cut short, the directory may be there
		if !c.HostOK(r) {
			continue
		}
		s := c.OnHost(r.Host)
		var outside []string
		h.archives, outside = sosArchives(r.Stdout, dir)
		for _, a := range outside {
			s.Key("outside-run-dir").Hint("update sos so that it honours --tmp-dir, and remove the old archive by hand").Warningf("sosreport says it wrote %s, outside the run's directory %s: not fetched, not removed (an old sos that ignores --tmp-dir, or a file that was there before)", a, dir)
		}
		if len(h.archives) == 0 {
			msg := fmt.Sprintf("sosreport produced no archive (exit %d)", r.ExitCode)
			if r.ExitCode == 124 { // timeout's status: the limit sosScript set
				msg = fmt.Sprintf("sosreport produced no archive: stopped by its time limit after %s (EucalyptusSosreports.CommandTimeout)", remote.Round(time.Second))
			}
			s.Key("sosreport").Hint("run sosreport by hand on the host to see why; raise EucalyptusSosreports.CommandTimeout if it was cut short").Report(calyptos.Fail, msg, tail(evidence(r.Output), 2048))
			continue
		}
		for _, a := range h.archives {
			s.Key("sosreport").Successf("sosreport finished - %s", a)
		}
	}

	d.fetchAll(sctx, c, runs)
	for _, h := range runs {
		d.reportFetched(c.OnHost(h.host), h)
	}
	d.cleanup(ctx, c, runs, dir)
}

// sosArchives returns the archives sosreport says it wrote: those inside
// dir (cleaned, with no ".." left), and those it names elsewhere.
func sosArchives(out, dir string) (inside, outside []string) {
	for line := range strings.Lines(out) {
		l := strings.TrimSpace(line)
		if !strings.HasPrefix(l, "/") || strings.ContainsAny(l, " \t\x00") || !sosArchiveName.MatchString(path.Base(l)) {
			continue
		}
		switch {
		case path.Clean(l) == l && strings.HasPrefix(l, dir+"/"):
			if !slices.Contains(inside, l) {
				inside = append(inside, l)
			}
		case !slices.Contains(outside, l):
			outside = append(outside, l)
		}
	}
	return inside, outside
}

// sosArchiveName matches the base name of a sosreport archive, which
// becomes a local file name: printable ASCII only, no spaces.
var sosArchiveName = regexp.MustCompile(`^sosreport[A-Za-z0-9._+@-]*\.(tar|tar\.xz|tar\.gz|tar\.bz2|tar\.zst)$`)

// localName is the local file name of an archive the host named base: its
// secrets replaced (the name comes from host output, and a file name
// leaves the report's redaction behind), with only the characters
// sosArchiveName allows, so that the report shows the file that exists.
func localName(r *redact.Redactor, base string) string {
	s := strings.ReplaceAll(r.Redact(base), redact.Redacted, "REDACTED")
	return strings.Map(func(c rune) rune {
		if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._+@-", c)) {
			return c
		}
		return '_'
	}, s)
}

// reportFetched reports what was collected from one host.
func (d *EucalyptusSosreports) reportFetched(s calyptos.Scope, h *sosHost) {
	for _, f := range h.fetched {
		st := f.stats
		s.Key("download").Successf("sosreport downloaded - %s (%s), redacted: secrets replaced in %d of %s, %s as they were",
			f.copy.Path, byteSize(f.copy.Bytes), st.Redacted, count.Count(st.Text, "text file", "text files"), count.Count(st.Binary-len(st.Dropped), "binary file", "binary files"))
		if n := len(st.Dropped); n > 0 {
			s.Key("redacted-copy").Hint("collect with --artifacts-unredacted if those files are needed, and keep that copy private").Warningf("sosreport copy %s leaves out %s a secret and cannot be rewritten: %s",
				f.copy.Path, count.Count(n, "file that holds", "files that hold"), strings.Join(st.Dropped[:min(n, 5)], ", "))
		}
		if n := len(st.TooLarge); n > 0 {
			s.Key("too-large").Hint("collect with --artifacts-unredacted to keep the archive whole").Warningf("sosreport copy %s leaves out %s larger than %s: %s",
				f.copy.Path, count.Count(n, "file", "files"), byteSize(artifact.DefaultMaxMemberSize), strings.Join(st.TooLarge[:min(n, 5)], ", "))
		}
		if f.original.Path != "" {
			s.Infof("kept the unredacted original - %s (%s): it holds the environment's secrets (KeepUnredacted)", f.original.Path, byteSize(f.original.Bytes))
		}
	}
	for _, err := range h.errs {
		s.Key("download").Hint("check the free space of the artifacts directory and that SFTP works to the host").Failuref("sosreport not downloaded: %v", err)
	}
}

// ensureSos checks for sos on hosts, installs it where allowed, and returns
// the hosts where it can run.
func (d *EucalyptusSosreports) ensureSos(ctx context.Context, c *calyptos.Check, hosts []string) []string {
	var ready, missing []string
	noPlugins := map[string]bool{}
	for _, r := range c.RunOnHosts(ctx, sosCheckCommand(), hosts) {
		if !c.HostOK(r) {
			continue
		}
		if !parsePackages(r.Stdout)["eucalyptus-sos-plugins"] {
			noPlugins[r.Host] = true
		}
		if strings.Contains(r.Stdout, "tool=yes") {
			ready = append(ready, r.Host)
		} else {
			missing = append(missing, r.Host)
		}
	}
	if d.InstallPackages {
		// sos first on its own: the plugins come from the Eucalyptus
		// repository, which a host may lack, and must not stop sos.
		ready = hostname.Sort(append(ready, d.install(ctx, c, missing, "sos", calyptos.Fail)...))
		var want []string
		for _, h := range ready {
			if noPlugins[h] {
				want = append(want, h)
			}
		}
		for _, h := range d.install(ctx, c, want, "eucalyptus-sos-plugins", calyptos.Warn) {
			delete(noPlugins, h)
		}
	} else {
		for _, h := range missing {
			c.OnHost(h).Key("sos").Hint("install the sos package (yum install sos), or run with --install-packages").Failure("sos is not installed (no sosreport or sos command): install the sos package, or set InstallPackages (--install-packages)")
		}
	}
	for _, h := range ready {
		if noPlugins[h] {
			c.OnHost(h).Key("sos-plugins").Hint("install eucalyptus-sos-plugins from the Eucalyptus repository, or run with --install-packages").Warning("Package not installed - eucalyptus-sos-plugins: the sosreport will lack Eucalyptus data")
		}
	}
	return ready
}

// install installs pkg on hosts with one fan-out, reports each outcome
// (a failure with status failed), and returns the hosts where it worked.
func (d *EucalyptusSosreports) install(ctx context.Context, c *calyptos.Check, hosts []string, pkg string, failed calyptos.Status) []string {
	if len(hosts) == 0 {
		return nil
	}
	var ok []string
	for _, r := range c.RunOnHosts(ctx, installScript(pkg), hosts) {
		switch {
		case !c.HostOK(r):
		case r.OK():
			c.OnHost(r.Host).Key("install:"+pkg).Successf("Installed %s", pkg)
			ok = append(ok, r.Host)
		default:
			c.OnHost(r.Host).Key("install:"+pkg).Hint("install the package by hand (yum install <pkg>) to see why; the Eucalyptus repository must be configured").Report(failed, fmt.Sprintf("Installing %s failed (exit %d)", pkg, r.ExitCode), tail(evidence(r.Output), 2048))
		}
	}
	return ok
}

// fetchAll fetches every archive, a few hosts at a time.
func (d *EucalyptusSosreports) fetchAll(ctx context.Context, c *calyptos.Check, runs []*sosHost) {
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for _, h := range runs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			for _, a := range h.archives {
				f, err := d.fetch(ctx, c, h.host, a)
				if err != nil {
					h.errs = append(h.errs, err)
					continue
				}
				h.fetched = append(h.fetched, f)
			}
		})
	}
	wg.Wait()
}

// fetch collects one archive: straight from the host into its redacted
// copy, or, with KeepUnredacted, into the original first and from there
// into the copy.
func (d *EucalyptusSosreports) fetch(ctx context.Context, c *calyptos.Check, host, remote string) (fetched, error) {
	var f fetched
	opts := artifact.Options{TempDir: c.ArtifactsDir()}
	name := localName(c.Redactor(), path.Base(remote))
	if d.KeepUnredacted {
		orig, err := c.FetchToDir(ctx, host, remote, "unredacted-"+name)
		if err != nil {
			return f, err
		}
		f.original = orig
		f.copy, err = c.WriteArtifact(host, name, remote, func(w io.Writer) error {
			in, err := os.Open(orig.Path)
			if err != nil {
				return err
			}
			defer in.Close()
			f.stats, err = artifact.RedactArchive(ctx, w, in, c.Redactor(), opts)
			return err
		})
		if err != nil {
			return f, fmt.Errorf("no redacted copy of %s:%s (the original is kept): %w", host, remote, err)
		}
		return f, nil
	}
	var err error
	f.copy, err = c.WriteArtifact(host, name, remote, func(w io.Writer) error {
		pr, pw := io.Pipe()
		done := make(chan error, 1)
		go func() {
			err := c.Fetch(ctx, host, remote, pw)
			pw.CloseWithError(err)
			done <- err
		}()
		var rerr error
		f.stats, rerr = artifact.RedactArchive(ctx, w, pr, c.Redactor(), opts)
		if rerr == nil {
			_, rerr = io.Copy(io.Discard, pr) // what follows the archive's end
		}
		pr.CloseWithError(cmp.Or(rerr, io.ErrClosedPipe))
		if ferr := <-done; ferr != nil {
			return fmt.Errorf("fetch %s:%s: %w", host, remote, ferr)
		}
		return rerr
	})
	if err != nil {
		return f, fmt.Errorf("%w (set KeepUnredacted, --artifacts-unredacted, to keep the archive as it is)", err)
	}
	return f, nil
}

// cleanup removes the directory the run made on each host where sosreport
// was started, by the name the run picked. It runs even when ctx has
// ended, with its own short deadline; a host found unreachable is left
// alone (its failure is reported already).
func (d *EucalyptusSosreports) cleanup(ctx context.Context, c *calyptos.Check, runs []*sosHost, dir string) {
	hosts := make([]string, len(runs))
	for i, h := range runs {
		hosts[i] = h.host
	}
	if len(hosts) == 0 {
		return
	}
	rm := "rm -rf -- " + calyptos.ShellQuote(dir)
	cmd := rm + " && ! test -e " + calyptos.ShellQuote(dir)
	limit := time.Minute
	if ctx.Err() != nil {
		// Interrupted: the runner waits a couple of seconds for the check
		// to return (then the process may exit); removing the directory
		// must fit in that.
		limit = interruptedCleanup
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*limit)
	defer cancel()
	cctx = calyptos.WithCommandTimeout(cctx, limit)
	for _, r := range c.RunOnHosts(cctx, cmd, hosts) {
		switch {
		case errors.Is(r.Err, calyptos.ErrHostDown):
		case r.Err != nil:
			c.OnHost(r.Host).Key("cleanup").Hint("remove the run's sosreport directory under the remote temporary directory by hand").Warningf("could not remove the remote sosreport directory %s: %v", dir, r.Err)
		case !r.OK():
			c.OnHost(r.Host).Key("cleanup").Hint("remove the run's sosreport directory under the remote temporary directory by hand").Report(calyptos.Warn, fmt.Sprintf("could not remove the remote sosreport directory %s (exit %d)", dir, r.ExitCode), evidence(r.Output))
		default:
			c.OnHost(r.Host).Infof("removed the remote sosreport files (%s)", rm)
		}
	}
}

// interruptedCleanup bounds the removal of the remote directory once the
// run was interrupted: half the runner's 2 s grace for a check that was
// told to stop, per call, so that the cleanup ends before the runner
// gives up on the check.
const interruptedCleanup = 900 * time.Millisecond

// tail returns the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "[...]" + s[len(s)-n:]
}
