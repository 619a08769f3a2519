package report_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/org/calyptos"
	"github.com/org/calyptos/report"
)

// TestWriteHTMLEveryContext puts hostile text in every place of the page
// that shows report or environment text (title, note, check name, host in
// text and in title= attributes, message, evidence, probe label and
// detail, artifact path) and checks that none of it becomes markup, that
// every Unicode Bidi_Control character is shown as an escape, and that
// the page forbids scripts and remote assets itself (a saved -o html file
// has no server to send a CSP header).
func TestWriteHTMLEveryContext(t *testing.T) {
	bidi := []rune{0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069}
	evil := `"'><img src=x onerror=alert(1)><script>x</script><a href="javascript:x">` + string(bidi) + "\x00\x1b\u0085"
	host := "h" + evil
	rep := newReport(calyptos.KindDebug,
		newCheck("c"+evil, time.Second,
			calyptos.Finding{Host: host, Status: calyptos.Fail, Message: "m" + evil, Evidence: "e" + evil},
			calyptos.Finding{Host: host, Status: calyptos.Warn, Message: "w" + evil},
		),
	)
	rep.Checks[0].Probes = []calyptos.Probe{
		{From: host, To: host, Port: 1, Proto: "tcp" + evil, Label: "l" + evil, Result: calyptos.ProbeRefused, Detail: "d" + evil},
		{From: host, To: "10.0.0.1", Port: 2, Proto: "tcp", Result: calyptos.ProbeResult("r" + evil)},
	}
	rep.Checks[0].Artifacts = []calyptos.Artifact{{Host: host, Path: "/p" + evil, Bytes: 1}}
	page := writeHTML(t, rep, report.HTMLOptions{Title: "t" + evil, Note: "n" + evil, Refresh: time.Minute})
	// Short messages: the page is long.
	// The page's one link is to its own grid: an in-page fragment.
	inPage := regexp.MustCompile(`<a href="#[a-z]+">`)
	assert.Len(t, inPage.FindAllString(page, -1), 1)
	page = inPage.ReplaceAllString(page, "<a>")
	for _, bad := range []string{"<img", "<script", "<a ", "\x00", "\x1b", "\u0085"} {
		assert.False(t, strings.Contains(page, bad), "page holds %q", bad)
	}
	for _, r := range bidi {
		assert.False(t, strings.ContainsRune(page, r), "page holds U+%04X", r)
	}
	assert.True(t, strings.Contains(page, `\u200f`), `no \u200f`)
	assert.True(t, regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'[^"]*">`).MatchString(page), "no CSP meta")
	// Every < of the page is markup (text's is &lt;): no tag loads anything.
	markup := regexp.MustCompile(`="[^"]*"`).ReplaceAllString(page, `=""`)
	assert.Empty(t, regexp.MustCompile(`(?i)<[^>]*\s(src|href|srcset|action)=|url\(|@import`).FindString(markup), "an asset is loaded")
	assert.Equal(t, strings.Count(page, "<table"), strings.Count(page, "</table>"))
}

// TestWriteHTMLEvidenceOnce: a failure's or warning's evidence is shown
// once, under "Failures and warnings", not again in its check (at 200
// hosts the copy was 90 KB of the page); a pass's evidence stays in its
// check, the only place it appears.
func TestWriteHTMLEvidenceOnce(t *testing.T) {
	rep := newReport(calyptos.KindDebug,
		newCheck("c", time.Second,
			calyptos.Finding{Host: "10.0.0.1", Status: calyptos.Fail, Message: "down", Evidence: "EVIDENCE-FAIL"},
			calyptos.Finding{Host: "10.0.0.1", Status: calyptos.Warn, Message: "slow", Evidence: "EVIDENCE-WARN"},
			calyptos.Finding{Host: "10.0.0.2", Status: calyptos.Pass, Message: "up", Evidence: "EVIDENCE-PASS"},
		),
	)
	page := writeHTML(t, rep, report.HTMLOptions{})
	for _, ev := range []string{"EVIDENCE-FAIL", "EVIDENCE-WARN", "EVIDENCE-PASS"} {
		assert.Equal(t, 1, strings.Count(page, ev), ev)
	}
}

// TestWriteHTMLHintAndRef: a finding's Hint and Ref are shown under its
// message, in the failures section and in its check, as escaped text (a
// Ref is not made a link: it comes from plugins and may be anything).
func TestWriteHTMLHintAndRef(t *testing.T) {
	rep := newReport(calyptos.KindDebug,
		newCheck("c", time.Second,
			calyptos.Finding{Host: "10.0.0.1", Status: calyptos.Fail, Message: "down", Hint: "restart <it>", Ref: "javascript:alert(1)"},
		),
	)
	page := writeHTML(t, rep, report.HTMLOptions{})
	assert.Equal(t, 1, strings.Count(page, `<div class="hint"><b>hint:</b> restart &lt;it&gt;</div>`))
	assert.Equal(t, 1, strings.Count(page, `<div class="hint">restart &lt;it&gt;</div>`))
	assert.Equal(t, 2, strings.Count(page, `<div class="hint">see: javascript:alert(1)</div>`))
	assert.NotContains(t, page, "href=") // no grid, so no link at all
}
