package cli

import (
	"fmt"
	"io"

	"github.com/org/calyptos/internal/words"
)

// progress is the one-line indicator drawn on a terminal's stderr while a
// run goes on: "[3/9] network  12 findings, 1 failed". The console owns it
// and erases it around every other write to the terminal.
type progress struct {
	w      io.Writer
	width  int
	unit   string // "checks" or "hosts"
	total  int
	done   int
	fail   int
	found  int
	label  string
	shown  bool
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
		s += "  " + words.Count(p.found, "finding", "findings")
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

func (p *progress) draw() {
	if p.closed {
		return
	}
	io.WriteString(p.w, "\r\x1b[K"+p.line())
	p.shown = true
}

func (p *progress) erase() {
	if p.shown {
		io.WriteString(p.w, "\r\x1b[K")
		p.shown = false
	}
}
