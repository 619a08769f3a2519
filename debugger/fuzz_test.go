package debugger

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/org/calyptos/internal/textparse"
)

// seed adds every recorded sample named name (all distributions) and the
// extra texts to the corpus.
func seed(f *testing.F, name string, extra ...string) {
	f.Helper()
	files, _ := filepath.Glob(filepath.Join("testdata", "*", name+".txt"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	for _, e := range extra {
		f.Add(e)
	}
}

func FuzzParseProbes(f *testing.F) {
	f.Add("probe 192.0.2.20 8773 0 \nprobe 192.0.2.10 8777 1 bash: connect: Connection refused\n")
	f.Add("probe x 124 124 timed out\n")
	f.Fuzz(func(t *testing.T, out string) {
		for _, p := range parseProbes(out) {
			if p.Port < 1 || p.Port > 65535 || p.Code < 0 || p.Code > 255 || p.Target == "" {
				t.Fatalf("bad probe %+v", p)
			}
			_ = classifyProbe(p.Code, p.Detail)
		}
	})
}

func FuzzParseIperfPeers(f *testing.F) {
	f.Add("[  3] local 228.7.7.3 port 8773 connected with 192.0.2.11 port 41234\n")
	f.Fuzz(func(t *testing.T, out string) {
		for _, p := range parseIperfPeers(out) {
			if p == "" || strings.ContainsAny(p, " \t\n") {
				t.Fatalf("bad peer %q", p)
			}
		}
	})
}

func FuzzParseKV(f *testing.F) {
	f.Add("unit=a init=sysv status=0 boot= text=a b c")
	f.Fuzz(func(t *testing.T, line string) {
		for k, v := range textparse.ParseKV(line) {
			if k == "" || (k != "text" && strings.ContainsAny(v, " \t")) {
				t.Fatalf("bad pair %q=%q", k, v)
			}
		}
	})
}
