package report

import (
	"bufio"
	"cmp"
	"encoding/xml"
	"fmt"
	"hash"
	"hash/fnv"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/org/calyptos"
)

// maxNameRunes bounds a JUnit test case name; longer names are cut and
// marked with "...". The full message stays in the failure's message.
const maxNameRunes = 200

// WriteJUnit writes rep as JUnit XML, as read by Jenkins, GitLab and most
// CI servers:
//
//   - a <testsuites> root with the totals, and one <testsuite> per check
//     (name, tests, failures, errors="0", skipped, time in seconds);
//   - one <testcase> per Pass, Warn, Fail and Skip finding, with classname
//     "calyptos.<kind>.<check>" and name "<host>: <key>" (the key of the
//     finding's ID; the message for a finding without one), cut to 200
//     characters and made unique within its suite by a " (2)", " (3)"...
//     suffix, so that a case keeps its name across runs;
//   - a Pass has its message (when the name does not show it) and its
//     evidence, if any, in <system-out>;
//   - a Fail has <failure message="<message>" type="fail"> with the hint,
//     the reference and the evidence as its text;
//   - a Skip has <skipped message="<reason>">;
//   - a Warn passes, with <system-out>WARNING: <message></system-out> (and
//     its evidence); with opts.Strict it fails instead, with
//     <failure type="warning">, as a --strict run does;
//   - Info findings are not test cases (they would inflate the pass count):
//     they are kept, one "INFO <host>: <message>" line each, in the
//     suite's <system-out>;
//   - an interrupted report gets one more suite, "calyptos", with a test
//     case "run interrupted" that has an <error>, so that CI shows the run
//     as broken even if no finding failed.
//
// The document is written by encoding/xml one test case at a time, so
// memory use does not grow with the report. Characters XML 1.0 cannot
// carry (control characters other than tab, newline and carriage return,
// U+FFFE, U+FFFF) are dropped and invalid UTF-8 becomes U+FFFD, so the
// document is well-formed whatever the findings contain. Only opts.Strict
// and opts.Name are used.
func WriteJUnit(w io.Writer, rep *calyptos.Report, opts Options) error {
	if rep == nil {
		return ErrNilReport
	}
	bw := bufio.NewWriterSize(w, flushSize)
	bw.WriteString(xml.Header)
	j := &junitWriter{
		enc:    xml.NewEncoder(bw), // writes into bw, which it takes as its buffer
		rep:    rep,
		strict: opts.Strict,
		kind:   cmp.Or(opts.Name, string(rep.Kind)),
		names:  caseNames{used: map[uint64]struct{}{}, hash: fnv.New64a()},
	}
	j.enc.Indent("", "  ")
	err := j.document()
	if err == nil {
		err = j.enc.Close() // flushes bw
	}
	if err != nil {
		return fmt.Errorf("report: write junit: %w", err)
	}
	return nil
}

// junitWriter writes one report as JUnit XML. Its methods stop writing
// at the first error, which they keep in err.
type junitWriter struct {
	enc    *xml.Encoder
	rep    *calyptos.Report
	strict bool
	kind   string // names the run: Options.Name, else the report's Kind
	names  caseNames
	chunk  []byte // scratch for character data
	// attrs holds the attributes of the start tags of one test case:
	// encoding/xml writes them at once and keeps only the tag's name.
	attrs []xml.Attr
	err   error
}

// token encodes t unless an earlier token failed.
func (j *junitWriter) token(t xml.Token) {
	if j.err == nil {
		j.err = j.enc.EncodeToken(t)
	}
}

// document writes the root and its suites.
func (j *junitWriter) document() error {
	var total suiteCounts
	for _, c := range j.rep.Checks {
		if c != nil {
			total.add(countSuite(c, j.strict))
		}
	}
	if j.rep.Interrupted {
		total.add(interruptedCounts())
	}
	root := j.suiteStart("testsuites", "calyptos "+j.kind, total, j.rep.Duration)
	j.token(root)
	for _, c := range j.rep.Checks {
		if c != nil && j.err == nil {
			j.suite(c)
		}
	}
	if j.rep.Interrupted {
		j.interrupted()
	}
	j.token(root.End())
	j.token(xml.CharData("\n"))
	return j.err
}

// suiteStart is the start tag of a <testsuites> or <testsuite>.
func (j *junitWriter) suiteStart(tag, name string, n suiteCounts, d time.Duration) xml.StartElement {
	e := j.element(tag,
		"name", name,
		"tests", strconv.Itoa(n.tests),
		"failures", strconv.Itoa(n.failures),
		"errors", strconv.Itoa(n.errors),
		"skipped", strconv.Itoa(n.skipped),
		"time", strconv.FormatFloat(max(d.Seconds(), 0), 'f', 3, 64))
	// The JUnit schema wants ISO 8601 without a zone: here in UTC.
	if !j.rep.Started.IsZero() {
		e.Attr = append(e.Attr, xml.Attr{Name: xml.Name{Local: "timestamp"}, Value: j.rep.Started.UTC().Format("2006-01-02T15:04:05")})
	}
	return e
}

// suite writes check c as a <testsuite>, one test case at a time.
func (j *junitWriter) suite(c *calyptos.CheckResult) {
	start := j.suiteStart("testsuite", c.Name, countSuite(c, j.strict), c.Duration)
	j.token(start)
	class := "calyptos." + j.kind + "." + c.Name
	clear(j.names.used)
	infos := 0
	for _, f := range c.Findings {
		if f.Status == calyptos.Info {
			infos++
		} else if j.err == nil {
			j.testCase(class, f)
		}
	}
	if infos > 0 {
		j.infoOutput(c)
	}
	j.token(start.End())
}

// testCase writes finding f, which is not an Info, as a <testcase>.
func (j *junitWriter) testCase(class string, f calyptos.Finding) {
	j.attrs = j.attrs[:0]
	tc := j.element("testcase", "classname", class, "name", j.names.unique(caseName(f)))
	switch {
	case f.Status == calyptos.Fail:
		j.writeCase(tc, j.element("failure", "message", f.Text(), "type", "fail"), failureText(f))
	case f.Status == calyptos.Warn && j.strict:
		j.writeCase(tc, j.element("failure", "message", "WARNING: "+f.Text(), "type", "warning"), failureText(f))
	case f.Status == calyptos.Warn && failureText(f) != "":
		j.writeCase(tc, j.element("system-out"), "WARNING: ", f.Text(), "\n", failureText(f))
	case f.Status == calyptos.Warn:
		j.writeCase(tc, j.element("system-out"), "WARNING: ", f.Text())
	case f.Status == calyptos.Skip:
		j.writeCase(tc, j.element("skipped", "message", f.Text()))
	case f.ID != "" && f.Evidence != "":
		j.writeCase(tc, j.element("system-out"), f.Text(), "\n", f.Evidence)
	case f.ID != "":
		j.writeCase(tc, j.element("system-out"), f.Text())
	case f.Evidence != "":
		j.writeCase(tc, j.element("system-out"), f.Evidence)
	default:
		j.writeCase(tc, xml.StartElement{})
	}
}

// infoOutput writes c's Info findings, one "INFO host: message" line each,
// as the suite's <system-out>.
func (j *junitWriter) infoOutput(c *calyptos.CheckResult) {
	out := j.element("system-out")
	j.token(out)
	for _, f := range c.Findings {
		switch {
		case f.Status != calyptos.Info:
		case f.Host != "":
			j.text("INFO ", f.Host, ": ", f.Text(), "\n")
		default:
			j.text("INFO ", f.Text(), "\n")
		}
	}
	j.token(out.End())
}

// interrupted writes the suite that marks an interrupted run as broken.
func (j *junitWriter) interrupted() {
	start := j.suiteStart("testsuite", "calyptos", interruptedCounts(), 0)
	j.token(start)
	j.writeCase(j.element("testcase", "classname", "calyptos."+j.kind, "name", "run interrupted"),
		j.element("error", "message", "the run was interrupted before every check ran", "type", "interrupted"))
	j.token(start.End())
}

// element is a start tag with attributes given as name, value pairs,
// kept in j.attrs until the next test case.
func (j *junitWriter) element(name string, attrs ...string) xml.StartElement {
	start := len(j.attrs)
	for i := 0; i+1 < len(attrs); i += 2 {
		j.attrs = append(j.attrs, xml.Attr{Name: xml.Name{Local: attrs[i]}, Value: xmlChars(attrs[i+1])})
	}
	end := len(j.attrs)
	return xml.StartElement{Name: xml.Name{Local: name}, Attr: j.attrs[start:end:end]}
}

// writeCase writes the test case tc holding child (if it has a name) with
// text.
func (j *junitWriter) writeCase(tc, child xml.StartElement, text ...string) {
	j.token(tc)
	if child.Name.Local != "" {
		j.token(child)
		j.text(text...)
		j.token(child.End())
	}
	j.token(tc.End())
}

// text writes parts as character data, a chunk at a time, so that a
// host's output is never copied whole.
func (j *junitWriter) text(parts ...string) {
	const chunkSize = 4 << 10
	for _, s := range parts {
		for len(s) > 0 && j.err == nil {
			n := min(len(s), chunkSize)
			// Cut at the start of a character, not inside one.
			for k := n; k > n-utf8.UTFMax && k > 0; k-- {
				if k == len(s) || utf8.RuneStart(s[k]) {
					n = k
					break
				}
			}
			j.chunk = appendXMLChars(j.chunk[:0], s[:n])
			j.token(xml.CharData(j.chunk))
			s = s[n:]
		}
	}
}

// interruptedCounts counts the suite an interrupted run gets.
func interruptedCounts() suiteCounts { return suiteCounts{tests: 1, errors: 1} }

type suiteCounts struct {
	tests, failures, errors, skipped int
}

func (s *suiteCounts) add(o suiteCounts) {
	s.tests += o.tests
	s.failures += o.failures
	s.errors += o.errors
	s.skipped += o.skipped
}

// countSuite counts the test cases WriteJUnit makes of c's findings.
func countSuite(c *calyptos.CheckResult, strict bool) suiteCounts {
	var s suiteCounts
	for _, f := range c.Findings {
		switch f.Status {
		case calyptos.Info:
			continue
		case calyptos.Fail:
			s.failures++
		case calyptos.Warn:
			if strict {
				s.failures++
			}
		case calyptos.Skip:
			s.skipped++
		}
		s.tests++
	}
	return s
}

// caseName is the name of finding f's test case before it is made unique
// in its suite: "host: key" (or the key alone; the message for a finding
// without an ID) on one line, cut to maxNameRunes characters and marked
// "...", or "(no message)".
func caseName(f calyptos.Finding) string {
	key := caseKey(f)
	var b strings.Builder
	b.Grow(min(len(f.Host)+2+len(key), maxNameRunes+3))
	n := 0
	if f.Host != "" {
		n = appendNamePart(&b, n, f.Host)
		n = appendNamePart(&b, n, ": ")
	}
	appendNamePart(&b, n, key)
	// Trim the spaces, which line breaks have become, at both ends.
	if name := strings.Trim(b.String(), " "); name != "" {
		return name
	}
	return "(no message)"
}

// appendNamePart appends s to a name that has n characters so far, with
// line breaks and tabs as spaces, stopping with "..." after maxNameRunes
// characters. It returns the new count.
func appendNamePart(b *strings.Builder, n int, s string) int {
	for len(s) > 0 {
		// A run of printable ASCII is copied whole: the common case.
		k := 0
		for k < len(s) && k < maxNameRunes-n && s[k] >= 0x20 && s[k] < utf8.RuneSelf {
			k++
		}
		b.WriteString(s[:k])
		n += k
		if s = s[k:]; s == "" {
			break
		}
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		if n >= maxNameRunes {
			if n == maxNameRunes {
				b.WriteString("...")
			}
			return n + 1
		}
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			r = ' '
		case !xmlChar(r):
			continue
		}
		b.WriteRune(r) // invalid UTF-8 comes as U+FFFD
		n++
	}
	return n
}

// caseNames makes the test case names of one suite unique.
type caseNames struct {
	// used holds the FNV-1a hashes of the names given so far: 8 bytes a
	// case rather than its name. Two names of the same hash would only
	// earn the second a needless suffix.
	used map[uint64]struct{}
	hash hash.Hash64
	buf  []byte
}

// unique returns name, with a " (n)" suffix if the suite already has a
// case of that name.
func (cn *caseNames) unique(name string) string {
	for i := 1; ; i++ {
		s := name
		if i > 1 {
			s = name + " (" + strconv.Itoa(i) + ")"
		}
		cn.hash.Reset()
		cn.buf = append(cn.buf[:0], s...) // io.WriteString would copy s anew
		cn.hash.Write(cn.buf)
		h := cn.hash.Sum64()
		if _, dup := cn.used[h]; !dup {
			cn.used[h] = struct{}{}
			return s
		}
	}
}

// xmlChar reports whether r may appear in an XML 1.0 document.
func xmlChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' ||
		(r >= 0x20 && r <= 0xd7ff) || (r >= 0xe000 && r <= 0xfffd) || (r >= 0x10000 && r <= 0x10ffff)
}

// xmlChars returns s without the characters XML 1.0 cannot carry and with
// invalid UTF-8 as U+FFFD; s itself when it has neither. (encoding/xml
// would write U+FFFD for both; a dropped escape sequence reads better.)
func xmlChars(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
			return strings.Map(keepXMLChar, s)
		}
	}
	return s // ASCII XML can carry: the common case, checked fast
}

// keepXMLChar maps the characters XML cannot carry to -1, for strings.Map.
func keepXMLChar(r rune) rune {
	if xmlChar(r) {
		return r
	}
	return -1
}

// appendXMLChars appends xmlChars(s) to b.
func appendXMLChars(b []byte, s string) []byte {
	start := 0
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			b = append(b, s[start:i]...)
			b = append(b, "\uFFFD"...)
			start = i + 1
		case !xmlChar(r):
			b = append(b, s[start:i]...)
			start = i + utf8.RuneLen(r)
		}
	}
	return append(b, s[start:]...)
}
