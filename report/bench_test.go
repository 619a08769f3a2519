package report_test

import (
	"bufio"
	"encoding/json"
	"io"
	"testing"

	"github.com/org/calyptos"
	"github.com/org/calyptos/report"
)

// countingDiscard counts the bytes written, to report output size.
type countingDiscard struct{ n int64 }

func (w *countingDiscard) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

func benchWrite(b *testing.B, n int, write func(io.Writer, *calyptos.Report) error) {
	rep := bigReport(n)
	var out countingDiscard
	b.ReportAllocs()
	for b.Loop() {
		out.n = 0
		w := bufio.NewWriter(&out)
		if err := write(w, rep); err != nil {
			b.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(out.n)
}

func BenchmarkWriteJSON100k(b *testing.B) {
	benchWrite(b, 100_000, report.WriteJSON)
}

// BenchmarkEncodingJSON100k is the same document made by one
// encoding/json call on the whole report, the baseline WriteJSON's
// finding-by-finding encoding is measured against.
func BenchmarkEncodingJSON100k(b *testing.B) {
	benchWrite(b, 100_000, func(w io.Writer, rep *calyptos.Report) error {
		type plain calyptos.Report
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return enc.Encode(struct {
			SchemaVersion int `json:"schema_version"`
			*plain
			Seconds float64 `json:"duration_seconds"`
		}{report.SchemaVersion, (*plain)(rep), rep.Duration.Seconds()})
	})
}

func BenchmarkWriteJUnit100k(b *testing.B) {
	benchWrite(b, 100_000, func(w io.Writer, rep *calyptos.Report) error {
		return report.WriteJUnit(w, rep, report.Options{})
	})
}

func BenchmarkWriteText100k(b *testing.B) {
	benchWrite(b, 100_000, func(w io.Writer, rep *calyptos.Report) error {
		return report.WriteText(w, rep, report.Options{Verbose: true, Color: true})
	})
}

// BenchmarkWriteJSON10k shows the cost per finding is flat (compare with
// the 100k benchmark).
func BenchmarkWriteJSON10k(b *testing.B) {
	benchWrite(b, 10_000, report.WriteJSON)
}

func BenchmarkWriteJUnit10k(b *testing.B) {
	benchWrite(b, 10_000, func(w io.Writer, rep *calyptos.Report) error {
		return report.WriteJUnit(w, rep, report.Options{})
	})
}

func BenchmarkWriteText10k(b *testing.B) {
	benchWrite(b, 10_000, func(w io.Writer, rep *calyptos.Report) error {
		return report.WriteText(w, rep, report.Options{Verbose: true, Color: true})
	})
}
