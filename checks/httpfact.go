package checks

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/org/calyptos"
)

// httpAnswer is what an HTTP request from a host got.
type httpAnswer struct {
	client string // "curl" or "wget"
	// status is 0 when no response came; problem then says why.
	status  int
	headers []string
	body    text
	problem string
}

// httpFact requests an http resource's URL from the host, with curl or
// else wget, within the resource's timeout. Its name holds a hash of the
// command, not the command: that may hold a password.
func httpFact(r *resource) *calyptos.Fact[httpAnswer] {
	t := cmp.Or(optDuration(r, "timeout"), defaultHTTPTimeout)
	cmd := "if command -v curl >/dev/null 2>&1; then echo 'client curl' >&2; " + curlCommand(r, t) +
		"; elif command -v wget >/dev/null 2>&1; then echo 'client wget' >&2; " + wgetCommand(r, t) +
		"; else echo 'no HTTP client on the host: need curl or wget' >&2; exit 127; fi"
	return &calyptos.Fact[httpAnswer]{Name: "checks http " + r.target + " " + shortHash(cmd), Command: cmd,
		Timeout: t + 2*time.Second,
		Parse:   func(o calyptos.Output) (httpAnswer, error) { return parseHTTP(o), nil }}
}

// curlCommand writes the headers then the body on stdout.
func curlCommand(r *resource, t time.Duration) string {
	args := []string{"curl", "-sS", "-D", "-", "--max-time", strconv.FormatFloat(t.Seconds(), 'f', -1, 64)}
	if !optBool(r, "no-follow-redirects") {
		args = append(args, "-L")
	}
	if optBool(r, "allow-insecure") {
		args = append(args, "-k")
	}
	for _, h := range optStrings(r, "request-headers") {
		args = append(args, "-H", q(h))
	}
	if m := optString(r, "method"); m != "" {
		args = append(args, "-X", q(m))
	}
	if b, ok := r.opts["request-body"].(string); ok {
		args = append(args, "--data-binary", q(b))
	}
	if u := optString(r, "username"); u != "" || optString(r, "password") != "" {
		args = append(args, "-u", q(u+":"+optString(r, "password")))
	}
	for _, of := range [][2]string{{"ca-file", "--cacert"}, {"cert-file", "--cert"}, {"key-file", "--key"}, {"proxy", "--proxy"}} {
		if v := optString(r, of[0]); v != "" {
			args = append(args, of[1], q(v))
		}
	}
	return strings.Join(append(args, q(r.target)), " ")
}

// wgetCommand writes the headers on stderr and the body on stdout.
func wgetCommand(r *resource, t time.Duration) string {
	args := []string{"wget", "-q", "-S", "-O", "-", "-T", strconv.Itoa(secondsUp(t))}
	if optBool(r, "no-follow-redirects") {
		args = append(args, "--max-redirect=0")
	}
	if optBool(r, "allow-insecure") {
		args = append(args, "--no-check-certificate")
	}
	for _, h := range optStrings(r, "request-headers") {
		args = append(args, q("--header="+h))
	}
	if m := optString(r, "method"); m != "" {
		args = append(args, q("--method="+m))
	}
	if b, ok := r.opts["request-body"].(string); ok {
		args = append(args, q("--body-data="+b))
	}
	for _, of := range [][2]string{{"username", "--user="}, {"password", "--password="}, {"ca-file", "--ca-certificate="},
		{"cert-file", "--certificate="}, {"key-file", "--private-key="}} {
		if v := optString(r, of[0]); v != "" {
			args = append(args, q(of[1]+v))
		}
	}
	cmd := strings.Join(append(args, q(r.target)), " ")
	if p := optString(r, "proxy"); p != "" {
		cmd = "http_proxy=" + q(p) + " https_proxy=" + q(p) + " " + cmd
	}
	return cmd
}

// secondsUp is d in whole seconds, rounded up, at least 1.
func secondsUp(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}

// optStrings returns a list setting of r.
func optStrings(r *resource, name string) []string {
	l, _ := r.opts[name].([]string)
	return l
}

// parseHTTP reads curl's headers and body from stdout, or wget's headers
// from stderr and body from stdout.
func parseHTTP(o calyptos.Output) httpAnswer {
	a := httpAnswer{}
	first, rest, _ := strings.Cut(o.Stderr, "\n")
	a.client = strings.TrimPrefix(first, "client ")
	body := o.Stdout
	if a.client == "curl" {
		var heads []string
		heads, body = curlHeaders(o.Stdout)
		a.status, a.headers = lastResponse(heads)
	} else {
		a.status, a.headers = lastResponse(strings.Split(rest, "\n"))
	}
	a.body = text{s: body, truncated: o.Truncated}
	if a.status == 0 {
		a.problem = strings.TrimSpace(rest)
		if a.client != "curl" && a.client != "wget" {
			a.problem = strings.TrimSpace(o.Stderr)
		}
		if a.problem == "" {
			a.problem = fmt.Sprintf("no HTTP response (exit %d)", o.ExitCode)
		}
	}
	return a
}

// curlHeaders splits curl -D -'s output into its header blocks' lines
// and the body: a block starts with an HTTP/ status line and ends at a
// blank line; another block follows only an informational (1xx) one or
// a redirect (3xx with a Location) that -L followed, so a body that
// starts with "HTTP/" stays the body.
func curlHeaders(out string) (heads []string, body string) {
	rest := out
	for strings.HasPrefix(rest, "HTTP/") {
		block, after, found := strings.Cut(rest, "\r\n\r\n")
		if !found {
			block, after, found = strings.Cut(rest, "\n\n")
		}
		lines := strings.Split(strings.ReplaceAll(block, "\r\n", "\n"), "\n")
		heads = append(heads, lines...)
		heads = append(heads, "")
		rest = after
		status, hs := lastResponse(lines)
		redirect := status >= 300 && status < 400 && slices.ContainsFunc(hs, func(h string) bool {
			return strings.HasPrefix(strings.ToLower(h), "location:")
		})
		if !found || !(status >= 100 && status < 200 || redirect) {
			break
		}
	}
	return heads, rest
}

// lastResponse returns the status and headers of the last response in
// header lines (curl's, or wget -S's indented ones).
func lastResponse(lines []string) (int, []string) {
	status, start := 0, -1
	for i, l := range lines {
		l = strings.TrimSpace(l)
		if !strings.HasPrefix(l, "HTTP/") {
			continue
		}
		if f := strings.Fields(l); len(f) >= 2 {
			if n, err := strconv.Atoi(f[1]); err == nil && n >= 100 && n <= 999 {
				status, start = n, i
			}
		}
	}
	if start < 0 {
		return 0, nil
	}
	var hs []string
	for _, l := range lines[start+1:] {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "HTTP/") {
			break
		}
		hs = append(hs, l)
	}
	return status, hs
}
