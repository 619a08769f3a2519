// Package browsertest runs a real headless Chromium for tests: it dumps
// the DOM a page renders to, takes a screenshot of it, or times its
// rendering. Tests skip when
// the browser is absent, except under CI=true where they fail: CI installs
// it (.ci/run).
package browsertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Path returns the browser's path, or skips t (fails it under CI=true)
// when there is none.
func Path(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("CALYPTOS_CHROMIUM"); p != "" {
		return p
	}
	// The commands Chromium goes by, Debian's first.
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed: CI must install it (apt-get install chromium)")
	}
	t.Skip("chromium is not installed (apt-get install -y chromium): browser test skipped")
	return ""
}

// flags are the ones that work in a container without a display, a GPU or
// a network, and that keep the browser from phoning home.
func flags(profile string) []string {
	return []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir=" + profile}
}

// run starts the browser with args after the common flags and returns its
// stdout; the profile is a fresh temporary directory.
func run(ctx context.Context, t testing.TB, browser string, args ...string) ([]byte, error) {
	t.Helper()
	profile := t.TempDir()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, append(flags(profile), args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s: %w\n%s", browser, err, lastBytes(errb.Bytes(), 2000))
	}
	return out.Bytes(), nil
}

func lastBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// DumpDOM loads url (a file:// or http:// address) and returns the DOM
// after the page loaded, serialised, and how long the browser took.
func DumpDOM(ctx context.Context, t testing.TB, browser, url string) (string, time.Duration, error) {
	t.Helper()
	start := time.Now()
	out, err := run(ctx, t, browser, "--dump-dom", url)
	return string(out), time.Since(start), err
}

// Screenshot renders url into a PNG of width×height pixels at dst.
func Screenshot(ctx context.Context, t testing.TB, browser, url, dst string, width, height int) error {
	t.Helper()
	abs, err := filepath.Abs(dst)
	if err != nil {
		return err
	}
	if _, err := run(ctx, t, browser, "--hide-scrollbars", "--window-size="+strconv.Itoa(width)+","+strconv.Itoa(height),
		"--screenshot="+abs, url); err != nil {
		return err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return err
	}
	if st.Size() == 0 {
		return errors.New("empty screenshot")
	}
	return nil
}

// FileURL returns the file:// address of the local file path.
func FileURL(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	return "file://" + filepath.ToSlash(abs), nil
}

// RenderTime loads url in the browser, driven over the DevTools protocol
// (chromedp), and returns how long the page took from the start of its
// navigation to its second painted frame: fetching, parsing, style,
// layout and paint, without the browser's start-up.
func RenderTime(ctx context.Context, t testing.TB, browser, url string) (time.Duration, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	bctx, done := newBrowser(ctx, t, browser, 1280, 900)
	defer done()
	// Start the browser on a blank page first, so that its start-up is
	// not part of the page's time.
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		return 0, fmt.Errorf("start %s: %w", browser, err)
	}
	if err := chromedp.Do(bctx, chromedp.Navigate(url)); err != nil {
		return 0, fmt.Errorf("load %s: %w", url, err)
	}
	const painted = `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))`
	ms, err := chromedp.Run(bctx, chromedp.Evaluate[float64](painted, chromedp.EvalAwaitPromise))
	if err != nil {
		return 0, fmt.Errorf("render %s: %w", url, err)
	}
	return time.Duration(ms * float64(time.Millisecond)), nil
}

// Tops loads url in a window of width×height CSS pixels, driven over the
// DevTools protocol, and returns, for each CSS selector, the offset from
// the top of the page of the first element it matches, in CSS pixels (-1
// when none matches), and the text the first screen shows: the text of
// the visible elements whose top lies above height.
func Tops(ctx context.Context, t testing.TB, browser, url string, width, height int, selectors ...string) ([]float64, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	bctx, done := newBrowser(ctx, t, browser, width, height)
	defer done()
	if err := chromedp.Do(bctx, chromedp.Navigate(url)); err != nil {
		return nil, "", fmt.Errorf("load %s: %w", url, err)
	}
	tops := make([]float64, len(selectors))
	for i, sel := range selectors {
		js := `(() => { const e = document.querySelector(` + strconv.Quote(sel) +
			`); return e ? e.getBoundingClientRect().top + window.scrollY : -1 })()`
		v, err := chromedp.Run(bctx, chromedp.Evaluate[float64](js))
		if err != nil {
			return nil, "", fmt.Errorf("offset of %s: %w", sel, err)
		}
		tops[i] = v
	}
	// The first screen's text: every text node whose box starts above the
	// fold and that is rendered (not in a closed <details>).
	screen := `(() => { const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT); const out = [];
	  for (let n = w.nextNode(); n; n = w.nextNode()) { const r = document.createRange(); r.selectNodeContents(n);
	    const b = r.getBoundingClientRect(); if (b.height > 0 && b.top < ` + strconv.Itoa(height) + `) out.push(n.textContent) }
	  return out.join(" ") })()`
	text, err := chromedp.Run(bctx, chromedp.Evaluate[string](screen))
	if err != nil {
		return nil, "", fmt.Errorf("first screen of %s: %w", url, err)
	}
	return tops, text, nil
}

// newBrowser starts the browser with a window of width×height on a blank
// page and returns its context and the function that stops it.
func newBrowser(ctx context.Context, t testing.TB, browser string, width, height int) (context.Context, func()) {
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(browser), chromedp.WindowSize(width, height)}
	for _, f := range flags(t.TempDir()) {
		name, value, ok := strings.Cut(strings.TrimPrefix(f, "--"), "=")
		if !ok {
			opts = append(opts, chromedp.Flag(name, true))
			continue
		}
		opts = append(opts, chromedp.Flag(name, value))
	}
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	return bctx, func() { bcancel(); acancel() }
}
