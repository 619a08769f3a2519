package report_test

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/report"
)

// The JUnit document as CI servers read it.
type xTestsuites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Name     string   `xml:"name,attr"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Time     string   `xml:"time,attr"`
	Suites   []xSuite `xml:"testsuite"`
}

type xSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr"`
	Cases     []xTestcase `xml:"testcase"`
	SystemOut *string     `xml:"system-out"`
}

type xTestcase struct {
	Classname string    `xml:"classname,attr"`
	Name      string    `xml:"name,attr"`
	Failure   *xProblem `xml:"failure"`
	Error     *xProblem `xml:"error"`
	Skipped   *xProblem `xml:"skipped"`
	SystemOut *string   `xml:"system-out"`
}

type xProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// parseJUnit renders rep, parses it back and checks what every JUnit
// consumer relies on: the root, and counts that agree with the children.
func parseJUnit(t *testing.T, rep *calyptos.Report, opts report.Options) (xTestsuites, string) {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, report.WriteJUnit(&buf, rep, opts))
	out := buf.String()
	require.True(t, strings.HasPrefix(out, `<?xml version="1.0" encoding="UTF-8"?>`+"\n<testsuites "), out)
	require.True(t, utf8.ValidString(out))
	var doc xTestsuites
	dec := xml.NewDecoder(strings.NewReader(out))
	dec.Strict = true
	require.NoError(t, dec.Decode(&doc), out)

	var total xSuite
	for _, s := range doc.Suites {
		var got xSuite
		names := map[string]bool{}
		for _, c := range s.Cases {
			got.Tests++
			if c.Failure != nil {
				got.Failures++
			}
			if c.Error != nil {
				got.Errors++
			}
			if c.Skipped != nil {
				got.Skipped++
			}
			assert.False(t, names[c.Name], "duplicate test case name %q in %s", c.Name, s.Name)
			names[c.Name] = true
			assert.LessOrEqual(t, utf8.RuneCountInString(c.Name), 200+len(" (99999)"))
			assert.NotEmpty(t, c.Classname)
		}
		assert.Equal(t, got.Tests, s.Tests, "suite %s tests", s.Name)
		assert.Equal(t, got.Failures, s.Failures, "suite %s failures", s.Name)
		assert.Equal(t, got.Errors, s.Errors, "suite %s errors", s.Name)
		assert.Equal(t, got.Skipped, s.Skipped, "suite %s skipped", s.Name)
		total.Tests += s.Tests
		total.Failures += s.Failures
		total.Errors += s.Errors
		total.Skipped += s.Skipped
	}
	assert.Equal(t, total.Tests, doc.Tests, "testsuites tests")
	assert.Equal(t, total.Failures, doc.Failures, "testsuites failures")
	assert.Equal(t, total.Errors, doc.Errors, "testsuites errors")
	assert.Equal(t, total.Skipped, doc.Skipped, "testsuites skipped")
	return doc, out
}

func TestWriteJUnitCounts(t *testing.T) {
	rep := sampleReport(calyptos.KindValidate)
	for _, strict := range []bool{false, true} {
		doc, _ := parseJUnit(t, rep, report.Options{Strict: strict})
		assert.Equal(t, "calyptos validate", doc.Name)
		assert.Equal(t, "2.500", doc.Time)
		require.Len(t, doc.Suites, 2)
		s := doc.Suites[0]
		assert.Equal(t, "topology", s.Name)
		assert.Equal(t, "1.234", s.Time)
		assert.Equal(t, "2026-11-25T04:00:00", s.Timestamp)
		assert.Equal(t, 4, s.Tests, "pass, fail, warn and skip are test cases; info is not")
		assert.Equal(t, 0, s.Errors)
		assert.Equal(t, 1, s.Skipped)
		require.Len(t, s.Cases, 4)
		for _, c := range s.Cases {
			assert.Equal(t, "calyptos.validate.topology", c.Classname)
		}
		assert.Equal(t, "10.0.0.1: CLC reachable", s.Cases[0].Name)
		assert.Nil(t, s.Cases[0].Failure)

		fail := s.Cases[1]
		assert.Equal(t, "10.0.0.2: NC down", fail.Name)
		require.NotNil(t, fail.Failure)
		assert.Equal(t, "NC down", fail.Failure.Message)
		assert.Equal(t, "fail", fail.Failure.Type)
		assert.Equal(t, "line one\r\nline two\n", fail.Failure.Text, "evidence is the failure's text, carriage returns kept")

		warn := s.Cases[2]
		assert.Equal(t, "only one CC", warn.Name)
		if strict {
			assert.Equal(t, 2, s.Failures)
			require.NotNil(t, warn.Failure)
			assert.Equal(t, "warning", warn.Failure.Type)
			assert.Equal(t, "WARNING: only one CC", warn.Failure.Message)
		} else {
			assert.Equal(t, 1, s.Failures)
			assert.Nil(t, warn.Failure)
			require.NotNil(t, warn.SystemOut)
			assert.Equal(t, "WARNING: only one CC", *warn.SystemOut)
		}

		skip := s.Cases[3]
		require.NotNil(t, skip.Skipped)
		assert.Equal(t, "no storage", skip.Skipped.Message)

		require.NotNil(t, s.SystemOut)
		assert.Equal(t, "INFO 3 hosts\n", *s.SystemOut, "info findings are the suite's output")

		assert.Equal(t, "repos", doc.Suites[1].Name)
		assert.Equal(t, 0, doc.Suites[1].Tests)
		assert.Nil(t, doc.Suites[1].SystemOut)
	}
}

func TestWriteJUnitHostileText(t *testing.T) {
	huge := strings.Repeat("0123456789", 100_000) // 1 MB
	ctl := "nul\x00 bell\x07 esc\x1b[31m vt\x0b ff\x0c del\x7f bad\xff utf8 \ufffe\uffff end"
	rep := newReport(calyptos.KindDebug, newCheck(`quote"d <check> & co`, time.Second,
		calyptos.Finding{Host: "h&<>", Status: calyptos.Fail, Message: ctl, Evidence: ctl + "\n]]> <!-- -->"},
		calyptos.Finding{Host: "h", Status: calyptos.Fail, Message: huge, Evidence: huge},
		fnd("h", calyptos.Warn, "a\r\nb"),
		fnd("h", calyptos.Skip, "tab\there"),
		fnd("", calyptos.Info, "info \x01 <x>"),
	))
	doc, out := parseJUnit(t, rep, report.Options{})
	for _, r := range []string{"\x00", "\x07", "\x1b", "\x0b", "\x0c", "\ufffe", "\uffff"} {
		assert.NotContains(t, out, r)
	}
	s := doc.Suites[0]
	assert.Equal(t, `quote"d <check> & co`, s.Name)
	require.Len(t, s.Cases, 4)
	want := "nul bell esc[31m vt ff del\x7f bad\ufffd utf8  end"
	assert.Equal(t, "h&<>: "+want, s.Cases[0].Name)
	assert.Equal(t, want, s.Cases[0].Failure.Message)
	assert.Equal(t, want+"\n]]> <!-- -->", s.Cases[0].Failure.Text)

	long := s.Cases[1]
	assert.Equal(t, "h: "+huge[:197]+"...", long.Name, "names are cut to 200 characters")
	assert.Equal(t, huge, long.Failure.Message, "the message is kept whole")
	assert.Equal(t, huge, long.Failure.Text)

	assert.Equal(t, "h: a  b", s.Cases[2].Name, "names are one line")
	assert.Equal(t, "WARNING: a\r\nb", *s.Cases[2].SystemOut)
	assert.Equal(t, "tab\there", s.Cases[3].Skipped.Message, "attribute values keep tabs")
	assert.Equal(t, "INFO info  <x>\n", *s.SystemOut)
}

func TestWriteJUnitUniqueNames(t *testing.T) {
	long := strings.Repeat("x", 300)
	rep := newReport(calyptos.KindDebug, newCheck("c", 0,
		fnd("h", calyptos.Pass, "same"),
		fnd("h", calyptos.Pass, "same"),
		fnd("h", calyptos.Fail, "same"),
		fnd("h", calyptos.Pass, "same (2)"), // would clash with the suffixed second case
		fnd("h", calyptos.Pass, long+"a"),
		fnd("h", calyptos.Pass, long+"b"), // equal to the previous once cut
		fnd("", calyptos.Pass, ""),
		fnd("", calyptos.Pass, " "),
		fnd("", calyptos.Pass, strings.Repeat("é", 250)),
		fnd(strings.Repeat("h", 250), calyptos.Pass, "message"),
	), newCheck("d", 0, fnd("h", calyptos.Pass, "same")))
	doc, _ := parseJUnit(t, rep, report.Options{})
	var names []string
	for _, c := range doc.Suites[0].Cases {
		names = append(names, c.Name)
	}
	cut := "h: " + long[:197] + "..."
	assert.Equal(t, []string{"h: same", "h: same (2)", "h: same (3)", "h: same (2) (2)", cut, cut + " (2)", "(no message)", "(no message) (2)",
		strings.Repeat("é", 200) + "...", strings.Repeat("h", 200) + "..."}, names)
	assert.Equal(t, "h: same", doc.Suites[1].Cases[0].Name, "names need only be unique within a suite")
}

func TestWriteJUnitEmptyAndInterrupted(t *testing.T) {
	doc, out := parseJUnit(t, &calyptos.Report{Kind: calyptos.KindValidate}, report.Options{})
	assert.Empty(t, doc.Suites)
	assert.Equal(t, 0, doc.Tests)
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="calyptos validate" tests="0" failures="0" errors="0" skipped="0" time="0.000"></testsuites>
`, out)

	rep := newReport(calyptos.KindDebug, newCheck("slow", time.Second, fnd("", calyptos.Fail, "check interrupted: context canceled")))
	rep.Interrupted = true
	doc, _ = parseJUnit(t, rep, report.Options{})
	require.Len(t, doc.Suites, 2)
	run := doc.Suites[1]
	assert.Equal(t, "calyptos", run.Name)
	assert.Equal(t, 1, run.Errors)
	require.Len(t, run.Cases, 1)
	assert.Equal(t, "calyptos.debug", run.Cases[0].Classname)
	require.NotNil(t, run.Cases[0].Error)
	assert.Equal(t, 1, doc.Errors)
	assert.Equal(t, 1, doc.Failures)
	assert.Equal(t, 2, doc.Tests)
}

// TestWriteJUnitFromRun renders the report of a real run of fake
// validators.
func TestWriteJUnitFromRun(t *testing.T) {
	rb := calyptos.NewRoleBuilder(map[string][]string{"clc": {"10.0.0.1"}})
	rep, err := calyptos.RunValidators(t.Context(), rb, []calyptos.Validator{
		fakeValidator{name: "one", findings: []calyptos.Finding{fnd("10.0.0.1", calyptos.Pass, "fine"), fnd("", calyptos.Warn, "hmm")}},
		fakeValidator{name: "two", findings: []calyptos.Finding{fnd("10.0.0.1", calyptos.Fail, "broken"), fnd("", calyptos.Info, "fyi")}},
	}, calyptos.RunOptions{})
	require.NoError(t, err)
	doc, _ := parseJUnit(t, rep, report.Options{Strict: true})
	assert.Equal(t, 3, doc.Tests)
	assert.Equal(t, 2, doc.Failures)
	require.Len(t, doc.Suites, 2)
	assert.Equal(t, "calyptos.validate.two", doc.Suites[1].Cases[0].Classname)
}

func TestWriteJUnitErrors(t *testing.T) {
	assert.ErrorIs(t, report.WriteJUnit(&bytes.Buffer{}, nil, report.Options{}), report.ErrNilReport)
	assert.ErrorIs(t, report.WriteJUnit(&errWriter{}, newReport(calyptos.KindDebug), report.Options{}), errDiskFull)
	assert.ErrorIs(t, report.WriteJUnit(&errWriter{n: 100 << 10}, bigReport(20000), report.Options{}), errDiskFull)
}

// TestWriteJUnitControlCharsEverywhere: whatever field a host or a check
// puts a character XML cannot carry in, the document stays well-formed and
// the character is dropped; text written in chunks keeps every character
// whole across the chunk boundaries, and a long text is written whole.
func TestWriteJUnitControlCharsEverywhere(t *testing.T) {
	long := "a" + strings.Repeat("🙂é\x01", 5000) + "\xff" + strings.Repeat("x", 9000) // several 4 KiB chunks, cut inside characters
	clean := "a" + strings.Repeat("🙂é", 5000) + "\ufffd" + strings.Repeat("x", 9000)
	rep := newReport(calyptos.Kind("de\x1bbug"), newCheck("chk\x00\x1b[2J", time.Second,
		calyptos.Finding{Host: "h\x07", Status: calyptos.Fail, Message: "m\x1b]52;c;AAAA\x07", Evidence: long},
		calyptos.Finding{Host: "h", Status: calyptos.Pass, Message: "p", Evidence: long},
		calyptos.Finding{Host: "h", Status: calyptos.Warn, Message: "w\x08", Evidence: long},
		fnd("h", calyptos.Skip, "s\x0b"),
		fnd("h\x0c", calyptos.Info, "i\x1b"),
	))
	for _, strict := range []bool{false, true} {
		doc, out := parseJUnit(t, rep, report.Options{Strict: strict})
		for _, c := range []string{"\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\xff"} {
			assert.NotContains(t, out, c)
		}
		assert.Equal(t, "calyptos debug", doc.Name)
		s := doc.Suites[0]
		assert.Equal(t, "chk[2J", s.Name)
		require.Len(t, s.Cases, 4)
		assert.Equal(t, "calyptos.debug.chk[2J", s.Cases[0].Classname)
		assert.Equal(t, "h: m]52;c;AAAA", s.Cases[0].Name)
		assert.Equal(t, "m]52;c;AAAA", s.Cases[0].Failure.Message)
		assert.Equal(t, clean, s.Cases[0].Failure.Text)
		assert.Equal(t, clean, *s.Cases[1].SystemOut)
		if strict {
			assert.Equal(t, "WARNING: w", s.Cases[2].Failure.Message)
			assert.Equal(t, clean, s.Cases[2].Failure.Text)
		} else {
			assert.Equal(t, "WARNING: w\n"+clean, *s.Cases[2].SystemOut)
		}
		assert.Equal(t, "s", s.Cases[3].Skipped.Message)
		assert.Equal(t, "INFO h: i\n", *s.SystemOut)
	}
}
