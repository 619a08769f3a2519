package inventory

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/org/calyptos"
	"github.com/org/calyptos/hostname"
)

// addCorpus seeds f with the corpus files whose name matches glob.
func addCorpus(f *testing.F, glob string) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*", glob))
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
}

// checkParsed checks what Parse returned for any input: an *Error
// matching ErrInvalid, or an inventory whose hosts have valid names and
// are all in "all".
func checkParsed(t *testing.T, inv *Inventory, err error) {
	t.Helper()
	if err != nil {
		var ie *Error
		if !errors.As(err, &ie) || !errors.Is(err, ErrInvalid) {
			t.Fatalf("error is not an *Error: %v", err)
		}
		return
	}
	rb := inv.RoleBuilder()
	for _, h := range inv.Hosts() {
		if checkHostName(h.Name) != nil || checkHostName(h.Address) != nil {
			t.Fatalf("host %q (address %q) should have been refused", h.Name, h.Address)
		}
		// A name reaches SplitHostPort in other packages: it must not be
		// read as host:port.
		if addr, port, err := hostname.Split(h.Name); err != nil || addr != h.Name || port != 0 {
			t.Fatalf("host %q reads as %q port %d (%v)", h.Name, addr, port, err)
		}
		if !rb.Has(calyptos.RoleAll, h.Name) {
			t.Fatalf("host %q is not in all", h.Name)
		}
		if h.Port < 0 || h.Port > 65535 {
			t.Fatalf("host %q: port %d", h.Name, h.Port)
		}
	}
}

func FuzzParseINI(f *testing.F) {
	addCorpus(f, "inventory")
	f.Add([]byte("[g]\nh[1:3] a='x' b=\"[1, {'k': (2,)}]\"\n[g:vars]\nc=0x1F\n[p:children]\ng\n"))
	f.Add([]byte("[a:children]\nb\n[b:children]\na\n"))
	f.Add([]byte("h ansible_host={{x}} ansible_port=99999\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := Parse("hosts", data)
		checkParsed(t, inv, err)
	})
}

func FuzzParseYAML(f *testing.F) {
	addCorpus(f, "inventory.y*ml")
	f.Add([]byte("all:\n  children:\n    a: {children: {b: {children: {a: }}}}\n"))
	f.Add([]byte("a: &x {hosts: {h: {v: *x}}}\n"))
	f.Add([]byte("all: {vars: {x: !vault 'a', y: 2001-12-14t21:59:43.10-05:00, z: 1:30}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := Parse("inv.yml", data)
		checkParsed(t, inv, err)
	})
}

func FuzzParseListJSON(f *testing.F) {
	addCorpus(f, "inventory.json")
	f.Add([]byte(`{"_meta": {"hostvars": {"a": {"ansible_host": "10.0.0.1"}}}, "all": {"children": ["g"]}, "g": {"hosts": ["a"], "vars": {"x": [1, 2.5, true, null]}}}`))
	f.Add([]byte(`{"_meta": {"hostvars": {"h": {"x": NaN}}}, "g": ["h"], "k": {"a": 1}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := Parse("inv.json", data)
		checkParsed(t, inv, err)
	})
}

func FuzzPyLiteral(f *testing.F) {
	for _, s := range literalValues(50) {
		f.Add(s)
	}
	f.Add(`'\x41' b'c' {1: (2,)}`)
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return // INI lines are checked to be UTF-8 before
		}
		n := 0
		v, ok := pyLiteral(s, &n)
		if ok && hasBytes(v) {
			t.Fatalf("%q: bytes in %#v", s, v)
		}
		if s, isStr := v.(string); ok && isStr && !utf8.ValidString(s) {
			t.Fatalf("not UTF-8: %q", s)
		}
	})
}

func FuzzSelect(f *testing.F) {
	for _, c := range patternCases() {
		f.Add(c.pattern)
	}
	f.Add("web[0]")
	f.Add("~(a|b")
	f.Add("a,b:c,&d,!e[x-z]")
	inv, err := Load(patternInventory)
	if err != nil {
		f.Fatal(err)
	}
	rb := inv.RoleBuilder()
	f.Fuzz(func(t *testing.T, pattern string) {
		hosts, err := Select(rb, pattern)
		if err != nil {
			var pe *PatternError
			if !errors.As(err, &pe) {
				t.Fatalf("error is not a *PatternError: %v", err)
			}
			return
		}
		if len(hosts) == 0 {
			t.Fatal("no host and no error")
		}
		for _, h := range hosts {
			if !rb.Has(calyptos.RoleAll, h) {
				t.Fatalf("%q selected %q, not a host", pattern, h)
			}
		}
	})
}
