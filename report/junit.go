package report

import (
	"io"
	"strconv"
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
//     "calyptos.<kind>.<check>" and name "<host>: <message>", cut to 200
//     characters and made unique within its suite by a " (2)", " (3)"...
//     suffix;
//   - a Pass is an empty test case, with its evidence, if any, in
//     <system-out>;
//   - a Fail has <failure message="<message>" type="fail"> with the
//     evidence as its text;
//   - a Skip has <skipped message="<reason>"/>;
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
// Characters XML 1.0 cannot carry (control characters other than tab,
// newline and carriage return, U+FFFE, U+FFFF) are dropped, and invalid
// UTF-8 becomes U+FFFD, so the document is well-formed whatever the
// findings contain. Only opts.Strict is used.
func WriteJUnit(w io.Writer, rep *calyptos.Report, opts Options) error {
	if rep == nil {
		return ErrNilReport
	}
	cw := &chunkWriter{w: w, what: "junit"}
	var total suiteCounts
	for _, c := range rep.Checks {
		if c != nil {
			total.add(countSuite(c, opts.Strict))
		}
	}
	if rep.Interrupted {
		total.add(suiteCounts{tests: 1, errors: 1})
	}
	b := make([]byte, 0, flushSize+4<<10)
	b = append(b, xmlHeader...)
	b = append(b, `<testsuites name="calyptos `...)
	b = appendXMLAttr(b, string(rep.Kind))
	b = append(b, '"')
	b = total.appendAttrs(b)
	b = appendXMLTime(b, rep.Duration.Seconds())
	b = appendTimestamp(b, rep)
	b = append(b, ">\n"...)

	classPrefix := "calyptos." + string(rep.Kind) + "."
	names := &caseNames{used: map[uint64]struct{}{}}
	var err error
	for _, c := range rep.Checks {
		if c == nil {
			continue
		}
		clear(names.used)
		if b, err = writeSuite(cw, b, rep, c, classPrefix, names, opts.Strict); err != nil {
			return err
		}
	}
	if rep.Interrupted {
		b = append(b, `  <testsuite name="calyptos"`...)
		b = suiteCounts{tests: 1, errors: 1}.appendAttrs(b)
		b = append(b, ` time="0.000"`...)
		b = appendTimestamp(b, rep)
		b = append(b, ">\n"...)
		b = append(b, `    <testcase classname="calyptos.`...)
		b = appendXMLAttr(b, string(rep.Kind))
		b = append(b, `" name="run interrupted">`+"\n"+
			`      <error message="the run was interrupted before every check ran" type="interrupted"></error>`+"\n"+
			"    </testcase>\n  </testsuite>\n"...)
	}
	b = append(b, "</testsuites>\n"...)
	return cw.write(b)
}

const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

type suiteCounts struct {
	tests, failures, errors, skipped int
}

func (s *suiteCounts) add(o suiteCounts) {
	s.tests += o.tests
	s.failures += o.failures
	s.errors += o.errors
	s.skipped += o.skipped
}

func (s suiteCounts) appendAttrs(b []byte) []byte {
	b = append(b, ` tests="`...)
	b = strconv.AppendInt(b, int64(s.tests), 10)
	b = append(b, `" failures="`...)
	b = strconv.AppendInt(b, int64(s.failures), 10)
	b = append(b, `" errors="`...)
	b = strconv.AppendInt(b, int64(s.errors), 10)
	b = append(b, `" skipped="`...)
	b = strconv.AppendInt(b, int64(s.skipped), 10)
	return append(b, '"')
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

func appendXMLTime(b []byte, seconds float64) []byte {
	b = append(b, ` time="`...)
	b = strconv.AppendFloat(b, max(seconds, 0), 'f', 3, 64)
	return append(b, '"')
}

// appendTimestamp appends the run's start as the JUnit schema wants it:
// ISO 8601 without a zone, here in UTC.
func appendTimestamp(b []byte, rep *calyptos.Report) []byte {
	if rep.Started.IsZero() {
		return b
	}
	b = append(b, ` timestamp="`...)
	b = rep.Started.UTC().AppendFormat(b, "2006-01-02T15:04:05")
	return append(b, '"')
}

func writeSuite(cw *chunkWriter, b []byte, rep *calyptos.Report, c *calyptos.CheckResult, classPrefix string, names *caseNames, strict bool) ([]byte, error) {
	var err error
	b = append(b, `  <testsuite name="`...)
	b = appendXMLAttr(b, c.Name)
	b = append(b, '"')
	b = countSuite(c, strict).appendAttrs(b)
	b = appendXMLTime(b, c.Duration.Seconds())
	b = appendTimestamp(b, rep)
	b = append(b, ">\n"...)

	// The class name is the same for every case of the suite.
	class := appendXMLAttr(nil, classPrefix+c.Name)
	infos := 0
	for _, f := range c.Findings {
		if f.Status == calyptos.Info {
			infos++
			continue
		}
		b = append(b, `    <testcase classname="`...)
		b = append(b, class...)
		b = append(b, `" name="`...)
		b = appendXMLAttr(b, names.unique(f.Host, f.Message))
		b = append(b, '"')
		switch {
		case f.Status == calyptos.Fail:
			b = appendFailure(b, "fail", f.Message, f.Evidence)
		case f.Status == calyptos.Warn && strict:
			b = appendFailure(b, "warning", "WARNING: "+f.Message, f.Evidence)
		case f.Status == calyptos.Warn:
			b = append(b, ">\n      <system-out>WARNING: "...)
			b = appendXMLText(b, f.Message)
			if f.Evidence != "" {
				b = append(b, '\n')
				b = appendXMLText(b, f.Evidence)
			}
			b = append(b, "</system-out>\n    </testcase>\n"...)
		case f.Status == calyptos.Skip:
			b = append(b, ">\n      <skipped message=\""...)
			b = appendXMLAttr(b, f.Message)
			b = append(b, "\"/>\n    </testcase>\n"...)
		case f.Evidence != "":
			b = append(b, ">\n      <system-out>"...)
			b = appendXMLText(b, f.Evidence)
			b = append(b, "</system-out>\n    </testcase>\n"...)
		default:
			b = append(b, "/>\n"...)
		}
		if b, err = cw.maybeFlush(b); err != nil {
			return nil, err
		}
	}
	if infos > 0 {
		b = append(b, "    <system-out>"...)
		for _, f := range c.Findings {
			if f.Status != calyptos.Info {
				continue
			}
			b = append(b, "INFO "...)
			if f.Host != "" {
				b = appendXMLText(b, f.Host)
				b = append(b, ": "...)
			}
			b = appendXMLText(b, f.Message)
			b = append(b, '\n')
			if b, err = cw.maybeFlush(b); err != nil {
				return nil, err
			}
		}
		b = append(b, "</system-out>\n"...)
	}
	b = append(b, "  </testsuite>\n"...)
	return cw.maybeFlush(b)
}

func appendFailure(b []byte, kind, msg, evidence string) []byte {
	b = append(b, ">\n      <failure message=\""...)
	b = appendXMLAttr(b, msg)
	b = append(b, `" type="`...)
	b = append(b, kind...)
	b = append(b, `">`...)
	b = appendXMLText(b, evidence)
	return append(b, "</failure>\n    </testcase>\n"...)
}

// caseNames makes the test case names of one suite unique.
type caseNames struct {
	// used holds the FNV-1a hashes of the names given so far; keeping
	// hashes rather than names saves an allocation per test case. Two
	// names of the same hash would only earn the second a needless suffix.
	used map[uint64]struct{}
	buf  []byte
}

// unique returns "host: msg" (or msg alone) on one line, without the
// characters XML cannot carry, cut to maxNameRunes characters and marked
// "...", with a " (n)" suffix if the suite already has a case of that name.
// The result is only valid until the next call.
func (cn *caseNames) unique(host, msg string) []byte {
	b := cn.buf[:0]
	n := 0
	if host != "" {
		b, n = appendNamePart(b, n, host)
		b, n = appendNamePart(b, n, ": ")
	}
	b, _ = appendNamePart(b, n, msg)
	// Trim spaces, which the line breaks have become, at both ends.
	start := 0
	for start < len(b) && b[start] == ' ' {
		start++
	}
	for len(b) > start && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	if start > 0 {
		b = append(b[:0], b[start:]...)
	}
	if len(b) == 0 {
		b = append(b, "(no message)"...)
	}
	base := len(b)
	for i := 1; ; i++ {
		if i > 1 {
			b = append(b[:base], " ("...)
			b = strconv.AppendInt(b, int64(i), 10)
			b = append(b, ')')
		}
		h := fnv1a(b)
		if _, dup := cn.used[h]; !dup {
			cn.used[h] = struct{}{}
			cn.buf = b
			return b
		}
	}
}

// appendNamePart appends s to a test case name that has n characters so
// far, with line breaks and tabs as spaces and characters XML cannot carry
// dropped, stopping with "..." after maxNameRunes characters.
func appendNamePart(b []byte, n int, s string) ([]byte, int) {
	for i := 0; i < len(s); {
		if n > maxNameRunes {
			return b, n
		}
		if n == maxNameRunes {
			return append(b, "..."...), n + 1
		}
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf {
			// A run of printable ASCII, appended in one go.
			j := i + 1
			for j < len(s) && j-i < maxNameRunes-n && s[j] >= 0x20 && s[j] < utf8.RuneSelf {
				j++
			}
			b = append(b, s[i:j]...)
			n += j - i
			i = j
			continue
		}
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == '\n' || c == '\r' || c == '\t':
				c = ' '
			case c < 0x20:
				continue
			}
			b = append(b, c)
			n++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if !xmlChar(r) {
			continue
		}
		b = utf8.AppendRune(b, r)
		n++
	}
	return b, n
}

func fnv1a(b []byte) uint64 {
	const (
		offset = 14695981039346656037
		prime  = 1099511628211
	)
	h := uint64(offset)
	for _, c := range b {
		h ^= uint64(c)
		h *= prime
	}
	return h
}

// xmlChar reports whether r may appear in an XML 1.0 document.
func xmlChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' ||
		(r >= 0x20 && r <= 0xd7ff) || (r >= 0xe000 && r <= 0xfffd) || (r >= 0x10000 && r <= 0x10ffff)
}

// appendXMLText appends s escaped for element content.
func appendXMLText(b []byte, s string) []byte { return appendXMLEscaped(b, s, false) }

// appendXMLAttr appends s escaped for a double-quoted attribute value.
func appendXMLAttr[S []byte | string](b []byte, s S) []byte { return appendXMLEscaped(b, s, true) }

// appendXMLEscaped escapes the markup characters of s, drops the characters
// XML 1.0 cannot carry and replaces invalid UTF-8 with U+FFFD. In
// attributes, tab and line breaks are written as character references so
// that attribute normalisation keeps them.
func appendXMLEscaped[S []byte | string](b []byte, s S, attr bool) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '&' && c != '<' && c != '>' && c != '"' {
			// The common case: printable ASCII without markup.
			i++
			continue
		}
		if c < utf8.RuneSelf {
			var esc string
			switch {
			case c == '&':
				esc = "&amp;"
			case c == '<':
				esc = "&lt;"
			case c == '>':
				esc = "&gt;"
			case c == '"' && attr:
				esc = "&quot;"
			case c == '\r':
				esc = "&#xD;"
			case c == '\n' && attr:
				esc = "&#xA;"
			case c == '\t' && attr:
				esc = "&#x9;"
			case c < 0x20 && c != '\n' && c != '\t':
				esc = "" // not an XML character: dropped
			default:
				i++
				continue
			}
			b = append(b, s[start:i]...)
			b = append(b, esc...)
			i++
			start = i
			continue
		}
		// Decode from a copy of at most 4 bytes, which stays on the stack
		// when s is a []byte.
		r, size := utf8.DecodeRuneInString(string(s[i:min(len(s), i+utf8.UTFMax)]))
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, "\uFFFD"...)
		case !xmlChar(r):
			b = append(b, s[start:i]...)
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(b, s[start:]...)
}
