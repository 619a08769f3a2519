package cli

import (
	"fmt"
	"io"
	"sync"

	"github.com/org/calyptos"
)

// progress is the one-line indicator drawn on a terminal's stderr while a
// run goes on: "[3/9] network  12 findings, 1 failed". Every other write to
// the terminal must go through pause / resume so that the line is erased
// first and redrawn after.
type progress struct {
	mu     sync.Mutex
	w      io.Writer
	width  int
	unit   string // "checks" or "hosts"
	total  int
	done   int
	fail   int
	found  int
	label  string
	shown  bool
	paused int
	closed bool
}

func newProgress(w io.Writer, width, total int, unit string) *progress {
	if width <= 0 {
		width = 80
	}
	return &progress{w: w, width: width, total: total, unit: unit}
}

// line returns the text of the indicator.
func (p *progress) line() string {
	s := fmt.Sprintf("[%d/%d %s]", p.done, p.total, p.unit)
	if p.label != "" {
		s += " " + p.label
	}
	if p.found > 0 {
		s += fmt.Sprintf("  %d %s", p.found, plural(p.found, "finding", "findings"))
		if p.fail > 0 {
			s += fmt.Sprintf(", %d failed", p.fail)
		}
	}
	// Never wrap: a wrapped line cannot be erased with \r.
	if r := []rune(s); len(r) >= p.width {
		s = string(r[:p.width-1])
	}
	return s
}

func (p *progress) drawLocked() {
	if p.closed || p.paused > 0 {
		return
	}
	io.WriteString(p.w, "\r\x1b[K"+p.line())
	p.shown = true
}

func (p *progress) eraseLocked() {
	if p.shown {
		io.WriteString(p.w, "\r\x1b[K")
		p.shown = false
	}
}

// pause erases the line until resume.
func (p *progress) pause() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.paused++
	p.eraseLocked()
}

func (p *progress) resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.paused--
	p.drawLocked()
}

// update changes the state with f and redraws.
func (p *progress) update(f func(p *progress)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p)
	p.drawLocked()
}

// close erases the line for good.
func (p *progress) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.eraseLocked()
	p.closed = true
}

// liveReporter forwards a run's events to the text stream (if any) and
// keeps the progress line (if any) out of its way: each event erases the
// line, writes, updates the counts and draws the line again.
type liveReporter struct {
	next calyptos.Reporter
	prog *progress
	// prompting, if set, is read-held around each event: see
	// options.prompting.
	prompting *sync.RWMutex
}

var _ calyptos.Reporter = (*liveReporter)(nil)

func (l *liveReporter) event(write func(calyptos.Reporter), update func(*progress)) {
	if l.prompting != nil {
		l.prompting.RLock()
		defer l.prompting.RUnlock()
	}
	if l.prog == nil {
		if l.next != nil {
			write(l.next)
		}
		return
	}
	l.prog.mu.Lock()
	defer l.prog.mu.Unlock()
	if l.next != nil {
		l.prog.eraseLocked()
		write(l.next)
	}
	update(l.prog)
	l.prog.drawLocked()
}

func (l *liveReporter) CheckStarted(name string) {
	l.event(func(r calyptos.Reporter) { r.CheckStarted(name) }, func(p *progress) { p.label = name })
}

func (l *liveReporter) Finding(f calyptos.Finding) {
	l.event(func(r calyptos.Reporter) { r.Finding(f) }, func(p *progress) {
		if f.Status == calyptos.Info {
			return
		}
		p.found++
		if f.Status == calyptos.Fail {
			p.fail++
		}
	})
}

func (l *liveReporter) CheckFinished(r *calyptos.CheckResult) {
	l.event(func(next calyptos.Reporter) { next.CheckFinished(r) }, func(p *progress) { p.done++; p.label = "" })
}

// pausingWriter erases the progress line around every write, for output
// that is not a Reporter event (execute's host blocks, the summary).
type pausingWriter struct {
	w    io.Writer
	prog *progress
	// prompting, if set, is read-held around each write: see
	// options.prompting.
	prompting *sync.RWMutex
}

func (pw pausingWriter) Write(b []byte) (int, error) {
	if pw.prompting != nil {
		pw.prompting.RLock()
		defer pw.prompting.RUnlock()
	}
	if pw.prog != nil {
		pw.prog.pause()
		defer pw.prog.resume()
	}
	return pw.w.Write(b)
}
