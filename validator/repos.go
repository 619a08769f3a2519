package validator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/redact"
)

// Defaults for Repos fields left zero.
const (
	DefaultRepoTimeout  = 10 * time.Second
	DefaultRepoRetries  = 2
	DefaultRepoBackoff  = 500 * time.Millisecond
	DefaultRepoParallel = 4
)

// Repos checks from this machine that every repository and download URL
// of eucalyptus (eucalyptus-repo, euca2ools-repo, enterprise-repo,
// default-img-url, init-script-url, post-script-url, whichever are set)
// answers over HTTP(S).
//
// Each URL is asked with HEAD (GET when the server refuses HEAD with 405
// or 501), with Timeout per request. 2xx and 3xx answers pass (redirects
// are not followed by the default client); 4xx and 5xx fail with the code.
// Connection errors, timeouts, 5xx and 429 are retried up to Retries times,
// waiting Backoff, then twice as long, and so on; other 4xx answers are
// final. For the three yum repositories the file yum needs,
// <repo>/repodata/repomd.xml, is asked for instead of the directory
// (directory listings are often forbidden, and a directory without
// repodata is no repository); set CheckDirectory to ask for the URL as
// written. URLs holding yum variables ($releasever, $basearch) cannot be
// resolved here and are a warning; non-HTTP schemes are skipped.
//
// Findings never show credentials: user:password@ is removed from every
// URL shown, as are the values of query parameters whose names
// redact.IsSecretKey.
type Repos struct {
	// Client sends the requests (default: an http.Client that does not
	// follow redirects, with Timeout).
	Client *http.Client
	// Timeout bounds each request (default DefaultRepoTimeout).
	Timeout time.Duration
	// Retries is how many times a failed request is retried: 0 means
	// DefaultRepoRetries, a negative value means never.
	Retries int
	// Backoff is the wait before the first retry, doubled for each next
	// one (default DefaultRepoBackoff).
	Backoff time.Duration
	// Parallel bounds the URLs checked at once (default DefaultRepoParallel).
	Parallel int
	// CheckDirectory asks for yum repository URLs as written instead of
	// their repodata/repomd.xml.
	CheckDirectory bool
}

// Name returns "repos".
func (Repos) Name() string { return "repos" }

// repoKey is one URL attribute.
type repoKey struct {
	key string
	yum bool
}

func repoKeys() []repoKey {
	return []repoKey{
		{"eucalyptus-repo", true}, {"euca2ools-repo", true}, {"enterprise-repo", true},
		{"default-img-url", false}, {"init-script-url", false}, {"post-script-url", false},
	}
}

// repoResult is the verdict on one URL.
type repoResult struct {
	status calyptos.Status
	msg    string
	hint   string // what to do about a failure or warning
}

// Validate asks every URL.
func (r Repos) Validate(ctx context.Context, c *calyptos.Check) {
	e := env(c)
	if e == nil {
		return
	}
	if r.Timeout <= 0 {
		r.Timeout = DefaultRepoTimeout
	}
	switch {
	case r.Retries == 0:
		r.Retries = DefaultRepoRetries
	case r.Retries < 0:
		r.Retries = 0
	}
	if r.Backoff <= 0 {
		r.Backoff = DefaultRepoBackoff
	}
	if r.Parallel <= 0 {
		r.Parallel = DefaultRepoParallel
	}
	if r.Client == nil {
		r.Client = &http.Client{
			Timeout:       r.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	type job struct {
		key repoKey
		raw string
	}
	var jobs []job
	for _, k := range repoKeys() {
		if s, ok := e.String("eucalyptus", k.key); ok && strings.TrimSpace(s) != "" {
			jobs = append(jobs, job{k, strings.TrimSpace(s)})
		}
	}
	if len(jobs) == 0 {
		c.Skipped("no repository or download URL in the file")
		return
	}
	results := make([]repoResult, len(jobs))
	sem := make(chan struct{}, r.Parallel)
	var wg sync.WaitGroup
	for i, j := range jobs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			results[i] = repoResult{calyptos.Fail, fmt.Sprintf("%s: not checked: %v", j.key.key, ctx.Err()), "the run was stopped: run validate again"}
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			results[i] = r.check(ctx, j.key, j.raw)
		})
	}
	wg.Wait()
	for i, res := range results {
		c.Key(jobs[i].key.key).Hint(res.hint).Report(res.status, res.msg, "")
	}
}

// check asks one URL.
func (r Repos) check(ctx context.Context, k repoKey, raw string) repoResult {
	u, err := url.Parse(raw)
	if err != nil {
		return repoResult{calyptos.Fail, fmt.Sprintf("%s is not a valid URL", k.key), "write a full http:// or https:// URL"}
	}
	switch {
	case strings.Contains(raw, "$"):
		return repoResult{calyptos.Warn, fmt.Sprintf("%s %s holds yum variables ($releasever, $basearch, ...) and cannot be checked from here", k.key, SafeURL(u)), "check it from a host of the cloud (yum repolist), or write the URL without variables"}
	case u.Scheme != "http" && u.Scheme != "https":
		return repoResult{calyptos.Skip, fmt.Sprintf("%s %s: only http and https URLs are checked", k.key, SafeURL(u)), ""}
	case u.Host == "":
		return repoResult{calyptos.Fail, fmt.Sprintf("%s %s has no host", k.key, SafeURL(u)), "write a full URL with a host name, e.g. http://repo.example.com/path/"}
	}
	if k.yum && !r.CheckDirectory && !strings.HasSuffix(u.Path, ".rpm") {
		u = u.JoinPath("repodata", "repomd.xml")
	}
	shown := SafeURL(u)
	var code int
	for attempt := 0; ; attempt++ {
		code, err = r.try(ctx, u)
		retry := err != nil || code >= 500 || code == http.StatusTooManyRequests
		if !retry || attempt >= r.Retries || ctx.Err() != nil {
			tries := ""
			if attempt > 0 {
				tries = fmt.Sprintf(" (after %d attempts)", attempt+1)
			}
			switch {
			case err != nil:
				return repoResult{calyptos.Fail, fmt.Sprintf("%s %s is unreachable: %v%s", k.key, shown, err, tries), "check the URL and that this machine reaches it (DNS, proxy, firewall); the cloud's hosts must reach it too"}
			case code >= 400:
				return repoResult{calyptos.Fail, fmt.Sprintf("%s %s answered %d %s%s", k.key, shown, code, http.StatusText(code), tries), "correct the URL: a yum repository has repodata/repomd.xml under it"}
			}
			return repoResult{calyptos.Pass, fmt.Sprintf("%s %s answered %d %s", k.key, shown, code, http.StatusText(code)), ""}
		}
		t := time.NewTimer(r.Backoff << attempt)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
	}
}

// try sends one HEAD (then GET if HEAD is refused) and returns the code.
func (r Repos) try(ctx context.Context, u *url.URL) (int, error) {
	code, err := r.do(ctx, http.MethodHead, u)
	if err == nil && (code == http.StatusMethodNotAllowed || code == http.StatusNotImplemented) {
		code, err = r.do(ctx, http.MethodGet, u)
	}
	return code, err
}

func (r Repos) do(ctx context.Context, method string, u *url.URL) (int, error) {
	rctx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, method, u.String(), nil)
	if err != nil {
		return 0, errors.New("cannot build the request")
	}
	resp, err := r.Client.Do(req)
	if err != nil {
		// url.Error repeats the URL, credentials included: keep the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if ue != nil && ue.Timeout() || errors.Is(err, context.DeadlineExceeded) {
			if ctx.Err() != nil {
				return 0, ctx.Err()
			}
			return 0, fmt.Errorf("no answer within %v", r.Timeout)
		}
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// SafeURL returns u as text fit for a report: without user:password@ and
// with the value of every query parameter whose name redact.IsSecretKey
// replaced by REDACTED.
func SafeURL(u *url.URL) string {
	v := *u
	v.User = nil
	if v.RawQuery != "" {
		q := v.Query()
		changed := false
		for k := range q {
			if redact.IsSecretKey(k) {
				q.Set(k, "REDACTED")
				changed = true
			}
		}
		if changed {
			v.RawQuery = q.Encode()
		}
	}
	return v.String()
}
