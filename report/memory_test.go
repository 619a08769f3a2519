package report_test

import (
	"io"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/report"
)

// outputCap is the per-host, per-stream output cap of sshexec and
// localexec (their DefaultMaxOutput).
const outputCap = 4 << 20

// bigOutputReport is an execute run of hosts hosts that each failed and
// printed outputCap bytes of log lines (with a tab, a quote, markup and
// an escape sequence, which every format escapes) as evidence.
func bigOutputReport(hosts int) *calyptos.Report {
	line := "2026-11-25 04:00:00 ERROR\t<cloud> \"disk\" & \x1b[31mfull\x1b[0m on /var/lib/eucalyptus\n"
	ev := strings.Repeat(line, outputCap/len(line)+1)[:outputCap]
	var fs []calyptos.Finding
	for i := range hosts {
		fs = append(fs, calyptos.Finding{Host: "10.0.0." + strconv.Itoa(i+1), Status: calyptos.Fail, Message: "exit status 1", Evidence: ev})
	}
	return newReport(calyptos.KindDebug, newCheck("execute", time.Second, fs...))
}

// writers are the three formats, text with the evidence printed.
var writers = []struct {
	name  string
	write func(io.Writer, *calyptos.Report) error
}{
	{"text", func(w io.Writer, rep *calyptos.Report) error {
		return report.WriteText(w, rep, report.Options{Verbose: true})
	}},
	{"json", report.WriteJSON},
	{"junit", func(w io.Writer, rep *calyptos.Report) error { return report.WriteJUnit(w, rep, report.Options{}) }},
}

// allocated returns the bytes allocated while write ran.
func allocated(t *testing.T, rep *calyptos.Report, write func(io.Writer, *calyptos.Report) error) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	require.NoError(t, write(io.Discard, rep))
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestWriteMemoryBound: the formats do not multiply what hosts print.
// Writing 10 hosts' capped output allocates no more than a few times one
// host's evidence in JSON (each finding is encoded on its own, never the
// whole report; encoding/json grows its pooled buffer by append, about 5
// times the encoded finding the first time, then reuses it), and text and
// JUnit, written in chunks, never copy a host's evidence whole.
func TestWriteMemoryBound(t *testing.T) {
	if testing.Short() || raceDetector {
		t.Skip("writes 3 × 40 MiB; the race detector changes allocations")
	}
	rep := bigOutputReport(10)
	limits := map[string]uint64{"text": outputCap / 4, "json": 8 * outputCap, "junit": outputCap / 4}
	for _, w := range writers {
		got := allocated(t, rep, w.write)
		t.Logf("%s: %.1f MiB allocated", w.name, float64(got)/(1<<20))
		assert.LessOrEqual(t, got, limits[w.name], "%s allocates more than %d bytes", w.name, limits[w.name])
	}
}

// BenchmarkBigOutput writes an execute report of 10 hosts × 4 MiB of
// evidence in each format. Besides B/op it reports the peak of the live
// heap while writing, above what the report itself holds (peak-heap-MiB).
func BenchmarkBigOutput(b *testing.B) {
	rep := bigOutputReport(10)
	for _, w := range writers {
		b.Run(w.name, func(b *testing.B) {
			b.ReportAllocs()
			var peak uint64
			for b.Loop() {
				peak = max(peak, peakHeap(b, func() error { return w.write(io.Discard, rep) }))
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}

// peakHeap runs f and returns the highest heap in use seen while it ran,
// above the heap in use before it, sampling every 100µs.
func peakHeap(b *testing.B, f func() error) uint64 {
	b.StopTimer()
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := read()
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(100 * time.Microsecond)
		defer tick.Stop()
		for {
			peak = max(peak, read())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	b.StartTimer()
	err := f()
	b.StopTimer()
	close(done)
	wg.Wait()
	peak = max(peak, read())
	if err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
	return peak - min(peak, base)
}
