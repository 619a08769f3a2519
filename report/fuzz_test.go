package report_test

import (
	"bytes"
	"testing"

	"github.com/org/calyptos/report"
)

// FuzzReadJSON feeds ReadJSON arbitrary documents: it never panics, and a
// report it accepts is written back and read again to the same document
// (so a report that went through a pipeline is not altered by it).
func FuzzReadJSON(f *testing.F) {
	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, richReport()); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"schema_version":1,"kind":"validate","checks":[]}`))
	f.Add([]byte(`{"schema_version":2}`))
	f.Add([]byte(`{"schema_version":1,"checks":[null,{"findings":[null]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := report.ReadJSON(bytes.NewReader(data))
		if err != nil {
			return
		}
		var once, twice bytes.Buffer
		if err := report.WriteJSON(&once, rep); err != nil {
			t.Fatalf("an accepted report cannot be written: %v", err)
		}
		again, err := report.ReadJSON(bytes.NewReader(once.Bytes()))
		if err != nil {
			t.Fatalf("what WriteJSON wrote is refused: %v\n%s", err, once.Bytes())
		}
		if err := report.WriteJSON(&twice, again); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(once.Bytes(), twice.Bytes()) {
			t.Fatalf("not stable through a round trip:\n%s\n%s", once.Bytes(), twice.Bytes())
		}
	})
}
