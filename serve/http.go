package serve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/org/calyptos/internal/words"
)

// Bounds of the HTTP server: a slow or stuck client cannot hold a
// connection or a handler for long.
const (
	handlerTimeout    = 10 * time.Second
	readHeaderTimeout = 5 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = time.Minute
	shutdownGrace     = 5 * time.Second
)

// Handler returns the server's HTTP handler (every endpoint of the
// package documentation), each request bounded by a timeout.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.serveHealth)
	mux.HandleFunc("GET /report.json", s.serveFormat("json"))
	mux.HandleFunc("GET /report", s.serveReport)
	mux.HandleFunc("GET /{$}", s.serveFormat("html"))
	mux.HandleFunc("GET /metrics", s.metrics.serveMetrics)
	return http.TimeoutHandler(secureHeaders(mux), handlerTimeout, "request timed out\n")
}

// secureHeaders forbids every script, remote asset and frame on every
// answer: the page needs none, and host text cannot use one.
func secureHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// ListenAndServe listens on addr and serves until ctx ends, running the
// plan on its interval meanwhile. See Serve.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves HTTP on ln and runs the plan on its interval until ctx
// ends; then it cancels the run in progress, waits for it, lets requests
// in flight finish (for a few seconds) and returns nil. It returns an
// error only when the listener fails. At most Options.MaxConns connections
// are open at once; the next wait in the listen backlog.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readHeaderTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(newLimitListener(ln, s.opts.MaxConns)) }()
	// The runs stop with ctx, or when the listener fails: a server that
	// answers nobody should exit, for its supervisor to restart it.
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	loopDone := make(chan struct{})
	go func() {
		defer close(loopDone)
		s.Run(rctx)
	}()
	var err error
	select {
	case <-ctx.Done():
	case err = <-served:
		stop()
	}
	<-loopDone
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if serr := hs.Shutdown(sctx); serr != nil {
		hs.Close()
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// health returns whether the deployment is healthy and why, in one line.
func (s *Server) health() (bool, string) {
	st := s.state.Load()
	now := s.opts.Now()
	if st.last == nil {
		if st.lastErr != "" {
			return false, "no report: the last run failed: " + oneLine(st.lastErr)
		}
		return false, "starting: no run has completed yet"
	}
	rep, age := st.last.rep, now.Sub(st.last.finished)
	if limit := staleIntervals * s.opts.Interval; age > limit {
		return false, fmt.Sprintf("stale: the last report is %v old (more than %d intervals of %v)", age.Round(time.Second), staleIntervals, s.opts.Interval)
	}
	when := "run of " + rep.Started.UTC().Format(time.RFC3339)
	v := st.last.verdict
	switch {
	case rep.Interrupted:
		why := "the run was interrupted"
		if st.lastErr != "" {
			why = oneLine(st.lastErr)
		}
		return false, fmt.Sprintf("failing: %s; %d failures so far (%s)", why, rep.Totals.Fail, when)
	case v.gateErr != "":
		return false, fmt.Sprintf("failing: the baseline or waivers cannot be used: %s (%s)", oneLine(v.gateErr), when)
	case !v.passed && s.plan.Gate != nil:
		return false, fmt.Sprintf("failing: %d %s not waived nor in the baseline, in %s (%s)", v.regressions, plural(v.regressions, "regression", "regressions"), failedChecks(st.last), when)
	case !v.passed:
		return false, fmt.Sprintf("failing: %d %s in %s (%s)", rep.Totals.Fail, plural(rep.Totals.Fail, "failure", "failures"), failedChecks(st.last), when)
	}
	accepted := ""
	if v.accepted > 0 {
		accepted = fmt.Sprintf(", %d %s waived or in the baseline", v.accepted, plural(v.accepted, "failure", "failures"))
	}
	return true, fmt.Sprintf("ok: %s, %d passed, %s%s (%s)", words.Count(len(rep.Checks), "check", "checks"), rep.Totals.Pass,
		words.Count(rep.Totals.Warn, "warning", "warnings"), accepted, when)
}

// failedChecks names the checks that failed, at most three.
func failedChecks(sn *snapshot) string {
	var names []string
	n := 0
	for _, c := range sn.rep.Checks {
		if c != nil && c.Counts.Fail > 0 {
			if n++; n <= 3 {
				names = append(names, c.Name)
			}
		}
	}
	out := strings.Join(names, ", ")
	if n > 3 {
		out += " and " + strconv.Itoa(n-3) + " more"
	}
	return oneLine(out)
}

// oneLine makes s one line of printable text.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
			return ' '
		}
		return r
	}, s)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (s *Server) serveHealth(w http.ResponseWriter, _ *http.Request) {
	ok, why := s.health()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	fmt.Fprintln(w, why)
}

// snapshotFor returns the report a request asks for: the last, or with
// ?run=previous the one before.
func (s *Server) snapshotFor(w http.ResponseWriter, r *http.Request) *snapshot {
	st := s.state.Load()
	sn := st.last
	switch run := r.URL.Query().Get("run"); run {
	case "", "last":
	case "previous":
		sn = st.previous
	default:
		http.Error(w, "run must be last or previous", http.StatusBadRequest)
		return nil
	}
	if sn == nil {
		w.Header().Set("Retry-After", "10")
		http.Error(w, "no report yet: the first run has not completed", http.StatusServiceUnavailable)
	}
	return sn
}

type formatType struct{ name, mime string }

// formatTypes are what /report offers, in the order ties are broken.
func formatTypes() [3]formatType {
	return [...]formatType{
		{"json", "application/json"},
		{"html", "text/html; charset=utf-8"},
		{"text", "text/plain; charset=utf-8"},
	}
}

func (s *Server) serveFormat(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if sn := s.snapshotFor(w, r); sn != nil {
			writeSnapshot(w, r, sn, format)
		}
	}
}

func (s *Server) serveReport(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Vary", "Accept")
	format := negotiate(r.Header.Values("Accept"))
	if format == "" {
		http.Error(w, "not acceptable: this report is application/json, text/html or text/plain", http.StatusNotAcceptable)
		return
	}
	if sn := s.snapshotFor(w, r); sn != nil {
		writeSnapshot(w, r, sn, format)
	}
}

func writeSnapshot(w http.ResponseWriter, r *http.Request, sn *snapshot, format string) {
	body := sn.body[format]
	w.Header().Add("Vary", "Accept-Encoding")
	if acceptsGzip(r.Header.Values("Accept-Encoding")) {
		body = sn.gzipped[format]
		w.Header().Set("Content-Encoding", "gzip")
	}
	for _, f := range formatTypes() {
		if f.name == format {
			w.Header().Set("Content-Type", f.mime)
		}
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Header().Set("Last-Modified", sn.finished.UTC().Format(http.TimeFormat))
	w.Write(body)
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip.
func acceptsGzip(values []string) bool {
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if strings.EqualFold(strings.TrimSpace(enc), "gzip") {
				return qParam(params) > 0
			}
		}
	}
	return false
}

// negotiate returns the format the Accept header values prefer ("json",
// "html" or "text"), JSON when there is no header, "" when none is
// acceptable.
func negotiate(accept []string) string {
	if len(accept) == 0 {
		return "json"
	}
	best, bestQ := "", 0.0
	for _, f := range formatTypes() {
		mime, _, _ := strings.Cut(f.mime, ";")
		if q := quality(accept, mime); q > bestQ {
			best, bestQ = f.name, q
		}
	}
	return best
}

// quality is the q of the most specific media range of accept that
// matches mime (type/subtype), 0 when none does.
func quality(accept []string, mime string) float64 {
	typ, _, _ := strings.Cut(mime, "/")
	q, spec := 0.0, -1
	for _, v := range accept {
		for part := range strings.SplitSeq(v, ",") {
			rng, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			rng = strings.ToLower(strings.TrimSpace(rng))
			s := -1
			switch rng {
			case mime:
				s = 2
			case typ + "/*":
				s = 1
			case "*/*":
				s = 0
			}
			if s <= spec {
				continue
			}
			spec, q = s, qParam(params)
		}
	}
	return q
}

// qParam returns the q value of a header element's parameters, 1 when it
// has none or an invalid one.
func qParam(params string) float64 {
	q := 1.0
	for p := range strings.SplitSeq(params, ";") {
		if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.TrimSpace(k) == "q" {
			if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && f >= 0 && f <= 1 {
				q = f
			}
		}
	}
	return q
}
