package validator_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/validator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// openPort returns a port on 127.0.0.1 that accepts connections until the
// test ends.
func openPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

// closedPort returns a port on 127.0.0.1 that nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	return p
}

// hangingDialer never connects: it waits for its context, as a dial to a
// host that drops packets does.
type hangingDialer struct{ calls atomic.Int32 }

func (d *hangingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d.calls.Add(1)
	<-ctx.Done()
	return nil, &net.OpError{Op: "dial", Net: network, Err: ctx.Err()}
}

func TestPingHosts(t *testing.T) {
	open, closed := openPort(t), closedPort(t)
	openHost := "127.0.0.1:" + strconv.Itoa(open)
	closedHost := "127.0.0.1:" + strconv.Itoa(closed)
	for _, tc := range []struct {
		name  string
		v     *validator.PingHosts
		roles map[string][]string
		want  []finding
	}{
		{
			name:  "host ports",
			v:     &validator.PingHosts{},
			roles: map[string][]string{eucalyptus.RoleCLC: {openHost}, eucalyptus.RoleNodeController: {closedHost}},
			want: []finding{
				passOn(openHost, fmt.Sprintf("%s accepts TCP connections on port %d", openHost, open)),
				failOn(closedHost, fmt.Sprintf("cannot reach %s on TCP port %d: connection refused", closedHost, closed)),
				fail("1 of 2 hosts did not answer"),
			},
		},
		{
			name:  "default port from the field",
			v:     &validator.PingHosts{Port: open},
			roles: map[string][]string{eucalyptus.RoleCLC: {"127.0.0.1"}},
			want: []finding{
				passOn("127.0.0.1", fmt.Sprintf("127.0.0.1 accepts TCP connections on port %d", open)),
				pass("all 1 host answered"),
			},
		},
		{
			name:  "hang becomes a timeout",
			v:     &validator.PingHosts{Timeout: 50 * time.Millisecond, DialContext: (&hangingDialer{}).DialContext},
			roles: map[string][]string{eucalyptus.RoleCLC: {"127.0.0.2"}},
			want: []finding{
				failOn("127.0.0.2", "cannot reach 127.0.0.2 on TCP port 22: no answer within 50ms"),
				fail("1 of 1 host did not answer"),
			},
		},
		{
			name:  "invalid host",
			v:     &validator.PingHosts{},
			roles: map[string][]string{eucalyptus.RoleCLC: {"[::1"}},
			want: []finding{
				failOn("[::1", `cannot reach [::1: invalid host: "[::1": missing ']'`),
				fail("1 of 1 host did not answer"),
			},
		},
		{
			name:  "no hosts",
			v:     &validator.PingHosts{},
			roles: map[string][]string{},
			want:  []finding{skipped("the deployment lists no hosts")},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			res := run(t, tc.v, calyptos.NewRoleBuilder(tc.roles))
			assert.Less(t, time.Since(start), 10*time.Second)
			assert.ElementsMatch(t, tc.want, of(res, calyptos.Pass, calyptos.Fail, calyptos.Warn, calyptos.Skip))
		})
	}
}

func TestPingHostsProbes(t *testing.T) {
	open, closed := openPort(t), closedPort(t)
	rb := calyptos.NewRoleBuilder(map[string][]string{eucalyptus.RoleCLC: {"127.0.0.1:" + strconv.Itoa(open), "127.0.0.1:" + strconv.Itoa(closed)}})
	res := run(t, validator.PingHosts{}, rb)
	require.Len(t, res.Probes, 2)
	got := map[int]calyptos.ProbeResult{}
	for _, p := range res.Probes {
		assert.Equal(t, "localhost", p.From)
		assert.Equal(t, "127.0.0.1", p.To)
		assert.Equal(t, "tcp", p.Proto)
		got[p.Port] = p.Result
	}
	assert.Equal(t, map[int]calyptos.ProbeResult{open: calyptos.ProbeOK, closed: calyptos.ProbeRefused}, got)
}

// TestPingHostsRespectsContext cancels the run while every dial hangs:
// the check must return promptly and report each host as not reached.
func TestPingHostsRespectsContext(t *testing.T) {
	d := &hangingDialer{}
	hosts := []string{"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"}
	rb := calyptos.NewRoleBuilder(map[string][]string{eucalyptus.RoleNodeController: hosts})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	rep, err := calyptos.RunValidators(ctx, rb, []calyptos.Validator{validator.PingHosts{Timeout: time.Hour, Parallel: 2, DialContext: d.DialContext}}, calyptos.RunOptions{})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	calyptostest.RequireHints(t, rep)
	assert.Less(t, time.Since(start), 5*time.Second)
	res := rep.Check("pinghosts")
	require.NotNil(t, res)
	for _, h := range hosts {
		var found bool
		for _, f := range res.Findings {
			if f.Host == h {
				found = true
				assert.Equal(t, calyptos.Fail, f.Status, f.Message)
			}
		}
		assert.True(t, found, "no finding for %s", h)
	}
	assert.Positive(t, d.calls.Load(), "the configured dialer was used")
}

// reposEnv returns a RoleBuilder whose file sets the eucalyptus URL
// attributes given.
func reposEnv(t *testing.T, urls map[string]string) *calyptos.RoleBuilder {
	t.Helper()
	var b strings.Builder
	b.WriteString("name: repos\ndefault_attributes:\n  eucalyptus:\n")
	for k, v := range urls {
		fmt.Fprintf(&b, "    %s: %q\n", k, v)
	}
	b.WriteString("    topology:\n      clc: [127.0.0.1]\n      user-facing: [127.0.0.1]\n      clusters:\n        one: {cc: [127.0.0.1], sc: [127.0.0.1], nodes: [127.0.0.1]}\n")
	rb, err := eucalyptus.Parse("repos.yml", []byte(b.String()))
	require.NoError(t, err)
	return rb
}

func TestRepos(t *testing.T) {
	var flaky atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/yum/repodata/repomd.xml", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/img.raw", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	})
	mux.HandleFunc("/get-only", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.WriteHeader(http.StatusMethodNotAllowed)
		}
	})
	mux.HandleFunc("/flaky", func(w http.ResponseWriter, r *http.Request) {
		if flaky.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	mux.HandleFunc("/down", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) })
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	base := srv.URL
	fast := validator.Repos{Backoff: time.Millisecond}
	for _, tc := range []struct {
		name string
		v    validator.Repos
		urls map[string]string
		want []finding
	}{
		{
			name: "yum repo checked through repomd.xml",
			v:    fast,
			urls: map[string]string{"eucalyptus-repo": base + "/yum/", "default-img-url": base + "/img.raw"},
			want: []finding{
				pass("eucalyptus-repo " + base + "/yum/repodata/repomd.xml answered 200 OK"),
				pass("default-img-url " + base + "/img.raw answered 200 OK"),
			},
		},
		{
			name: "directory asked as written",
			v:    validator.Repos{CheckDirectory: true, Retries: -1},
			urls: map[string]string{"euca2ools-repo": base + "/yum/"},
			want: []finding{fail("euca2ools-repo " + base + "/yum/ answered 404 Not Found")},
		},
		{
			name: "404 is final",
			v:    fast,
			urls: map[string]string{"euca2ools-repo": base + "/nothing/"},
			want: []finding{fail("euca2ools-repo " + base + "/nothing/repodata/repomd.xml answered 404 Not Found")},
		},
		{
			name: "redirect passes, HEAD refused falls back to GET",
			v:    fast,
			urls: map[string]string{"init-script-url": base + "/moved", "post-script-url": base + "/get-only"},
			want: []finding{
				pass("init-script-url " + base + "/moved answered 302 Found"),
				pass("post-script-url " + base + "/get-only answered 200 OK"),
			},
		},
		{
			name: "5xx retried until it answers",
			v:    fast,
			urls: map[string]string{"init-script-url": base + "/flaky"},
			want: []finding{pass("init-script-url " + base + "/flaky answered 200 OK")},
		},
		{
			name: "5xx retried then failed",
			v:    validator.Repos{Retries: 1, Backoff: time.Millisecond},
			urls: map[string]string{"post-script-url": base + "/down"},
			want: []finding{fail("post-script-url " + base + "/down answered 502 Bad Gateway (after 2 attempts)")},
		},
		{
			name: "hanging server times out",
			v:    validator.Repos{Timeout: 100 * time.Millisecond, Retries: -1},
			urls: map[string]string{"default-img-url": base + "/hang"},
			want: []finding{fail("default-img-url " + base + "/hang is unreachable: no answer within 100ms")},
		},
		{
			name: "credentials never shown",
			v:    fast,
			urls: map[string]string{"enterprise-repo": strings.Replace(base, "http://", "http://alice:hunter2@", 1) + "/nothing/?token=hunter3&arch=x86_64"},
			want: []finding{fail("enterprise-repo " + base + "/nothing/repodata/repomd.xml?arch=x86_64&token=REDACTED answered 404 Not Found")},
		},
		{
			name: "yum variables and other schemes",
			v:    fast,
			urls: map[string]string{"eucalyptus-repo": base + "/$releasever/", "default-img-url": "ftp://127.0.0.1/img"},
			want: []finding{
				warn("eucalyptus-repo " + base + "/$releasever/ holds yum variables ($releasever, $basearch, ...) and cannot be checked from here"),
				skipped("default-img-url ftp://127.0.0.1/img: only http and https URLs are checked"),
			},
		},
		{
			name: "no URLs",
			v:    fast,
			urls: map[string]string{},
			want: []finding{skipped("no repository or download URL in the file")},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			flaky.Store(0)
			start := time.Now()
			res := run(t, tc.v, reposEnv(t, tc.urls))
			assert.Less(t, time.Since(start), 10*time.Second)
			assert.ElementsMatch(t, tc.want, of(res, calyptos.Pass, calyptos.Fail, calyptos.Warn, calyptos.Skip))
			for _, f := range res.Findings {
				assert.NotContains(t, f.Message, "alice")
				assert.NotContains(t, f.Message, "hunter")
			}
		})
	}
}

func TestReposUnreachable(t *testing.T) {
	port := closedPort(t)
	u := "http://127.0.0.1:" + strconv.Itoa(port) + "/img"
	res := run(t, validator.Repos{Retries: -1}, reposEnv(t, map[string]string{"default-img-url": u}))
	got := of(res, calyptos.Fail)
	require.Len(t, got, 1)
	assert.True(t, strings.HasPrefix(got[0].Msg, "default-img-url "+u+" is unreachable: "), got[0].Msg)
	assert.Contains(t, got[0].Msg, "connection refused")
}

func TestSafeURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://alice:pw@repo.example.com/x/":        "http://repo.example.com/x/",
		"https://repo.example.com/x?password=pw&a=b": "https://repo.example.com/x?a=b&password=REDACTED",
		"http://repo.example.com/x?a=b":              "http://repo.example.com/x?a=b",
	} {
		u, err := url.Parse(in)
		require.NoError(t, err)
		assert.Equal(t, want, validator.SafeURL(u))
	}
}
