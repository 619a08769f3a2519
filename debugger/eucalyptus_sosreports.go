package debugger

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/org/calyptos"
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
// sosreport runs non-interactively (--batch) into a fresh directory made
// with mktemp -d under RemoteTempDir; the archive path is read from
// sosreport's own output, so it works wherever sosreport writes. Only what
// the run created is removed afterwards (never /tmp/sosreport*). Missing
// packages (sos, eucalyptus-sos-plugins) are reported, and installed only
// when InstallPackages is set.
type EucalyptusSosreports struct {
	// InstallPackages lets the debugger install sos and
	// eucalyptus-sos-plugins with yum (or apt-get) where they are missing.
	InstallPackages bool
	// CommandTimeout bounds each sosreport run and each archive fetch
	// (default DefaultSosTimeout). sosreport itself is ended on the host a
	// little before it (with timeout, where the host has it), and the
	// directory of a run cut short is removed.
	CommandTimeout time.Duration
	// RemoteTempDir is the remote directory the temporary directory is
	// made in (default DefaultRemoteTempDir).
	RemoteTempDir string
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

// sosScript makes a temporary directory under tmp, prints it, and runs
// sosreport (sos report on sos 4) into it without questions. Where the
// host has a timeout that takes "timeout SECS PROG" (coreutils, busybox
// 1.30 and later; older busybox wants -t), sosreport is ended after limit
// (whole seconds, at least one), so that a run cut short does not leave
// it running.
func sosScript(tmp string, limit time.Duration) string {
	secs := strconv.Itoa(max(1, int(limit/time.Second)))
	return "d=$(mktemp -d " + calyptos.ShellQuote(tmp+"/calyptos-sos.XXXXXX") + ") || exit 1; echo \"" + sosMarker + "$d\"; " +
		"t=; if timeout 1 true >/dev/null 2>&1; then t='timeout " + secs + "'; fi; " +
		"if command -v sos >/dev/null 2>&1; then $t sos report --batch --tmp-dir \"$d\"; else $t sosreport --batch --tmp-dir \"$d\"; fi 2>&1"
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
	tmpdir   string
	archives []string
	fetched  []calyptos.Artifact
	errs     []error
}

// Debug implements calyptos.Debugger.
func (d *EucalyptusSosreports) Debug(ctx context.Context, c *calyptos.Check) {
	if c.ArtifactsDir() == "" {
		c.Skipped("no artifacts directory configured: set RunOptions.ArtifactsDir (the CLI's --artifacts DIR) to collect sosreports")
		return
	}
	hosts := c.Roles().EucaHosts()
	if len(hosts) == 0 {
		c.Skipped("no Eucalyptus hosts in the deployment")
		return
	}
	ready := d.ensureSos(ctx, c, hosts)
	if len(ready) == 0 {
		return
	}

	tmp := strings.TrimRight(withDefault(d.RemoteTempDir, DefaultRemoteTempDir), "/")
	if tmp == "" {
		tmp = "/"
	}
	limit := withDefault(d.CommandTimeout, DefaultSosTimeout)
	sctx := calyptos.WithCommandTimeout(ctx, limit)
	var runs []*sosHost
	remote := remoteLimit(limit)
	for _, r := range c.RunOnHosts(sctx, sosScript(tmp, remote), ready) {
		if !c.HostOK(r) {
			// A run cut short (its deadline passed) may have made its
			// directory already: the output read so far names it, and
			// cleanup removes it.
			if dir, _ := parseSosreport(r.Stdout); ownTempDir(dir, tmp) {
				runs = append(runs, &sosHost{host: r.Host, tmpdir: dir})
			}
			continue
		}
		h := &sosHost{host: r.Host}
		h.tmpdir, h.archives = parseSosreport(r.Stdout)
		if !ownTempDir(h.tmpdir, tmp) {
			h.tmpdir = ""
		}
		runs = append(runs, h)
		s := c.OnHost(r.Host)
		if len(h.archives) == 0 {
			msg := fmt.Sprintf("sosreport produced no archive (exit %d)", r.ExitCode)
			if r.ExitCode == 124 { // timeout's status: the limit sosScript set
				msg = fmt.Sprintf("sosreport produced no archive: stopped by its time limit after %s (EucalyptusSosreports.CommandTimeout)", remote.Round(time.Second))
			}
			s.Report(calyptos.Fail, msg, tail(evidence(r.Output), 2048))
			continue
		}
		for _, a := range h.archives {
			s.Successf("sosreport finished - %s", a)
		}
	}

	d.fetchAll(sctx, c, runs)
	for _, h := range runs {
		s := c.OnHost(h.host)
		for _, a := range h.fetched {
			s.Successf("sosreport downloaded - %s (%s)", a.Path, byteSize(a.Bytes))
		}
		for _, err := range h.errs {
			s.Failuref("sosreport not downloaded: %v", err)
		}
	}
	d.cleanup(ctx, c, runs)
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
		ready = calyptos.SortHosts(append(ready, d.install(ctx, c, missing, "sos", calyptos.Fail)...))
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
			c.OnHost(h).Failure("sos is not installed (no sosreport or sos command): install the sos package, or set InstallPackages (--install-packages)")
		}
	}
	for _, h := range ready {
		if noPlugins[h] {
			c.OnHost(h).Warning("Package not installed - eucalyptus-sos-plugins: the sosreport will lack Eucalyptus data")
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
			c.OnHost(r.Host).Successf("Installed %s", pkg)
			ok = append(ok, r.Host)
		default:
			c.OnHost(r.Host).Report(failed, fmt.Sprintf("Installing %s failed (exit %d)", pkg, r.ExitCode), tail(evidence(r.Output), 2048))
		}
	}
	return ok
}

// ownTempDir reports whether dir is a directory sosScript made under tmp,
// the only kind cleanup may remove.
func ownTempDir(dir, tmp string) bool {
	return dir != "" && path.Clean(dir) == dir && path.Dir(dir) == path.Clean(tmp) &&
		strings.HasPrefix(path.Base(dir), "calyptos-sos.") && !strings.ContainsAny(dir, "\n\x00")
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
				art, err := c.FetchToDir(ctx, h.host, a, "")
				if err != nil {
					h.errs = append(h.errs, err)
					continue
				}
				h.fetched = append(h.fetched, art)
			}
		})
	}
	wg.Wait()
}

// cleanup removes what the run made on each host: its temporary directory
// and any archive sosreport wrote outside it. It runs even when ctx has
// ended, with its own short deadline.
func (d *EucalyptusSosreports) cleanup(ctx context.Context, c *calyptos.Check, runs []*sosHost) {
	cmds := map[string]string{}
	var hosts []string
	for _, h := range runs {
		var rm []string
		if h.tmpdir != "" {
			rm = append(rm, "rm -rf -- "+calyptos.ShellQuote(h.tmpdir))
		}
		var files []string
		for _, a := range h.archives {
			if h.tmpdir == "" || !strings.HasPrefix(a, h.tmpdir+"/") {
				files = append(files, a, a+".md5", a+".sha256")
			}
		}
		if len(files) > 0 {
			rm = append(rm, "rm -f -- "+quoteAll(files))
		}
		if len(rm) > 0 {
			cmds[h.host] = strings.Join(rm, "; ")
			hosts = append(hosts, h.host)
		}
	}
	if len(hosts) == 0 {
		return
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	cctx = calyptos.WithCommandTimeout(cctx, time.Minute)
	for _, r := range c.RunEach(cctx, hosts, func(h string) string { return cmds[h] }) {
		switch {
		case r.Err != nil:
			c.OnHost(r.Host).Warningf("could not remove the remote sosreport files: %v", r.Err)
		case !r.OK():
			c.OnHost(r.Host).Report(calyptos.Warn, fmt.Sprintf("could not remove the remote sosreport files (exit %d)", r.ExitCode), evidence(r.Output))
		default:
			c.OnHost(r.Host).Infof("removed the remote sosreport files (%s)", cmds[r.Host])
		}
	}
}

// tail returns the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "[...]" + s[len(s)-n:]
}
