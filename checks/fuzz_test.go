package checks

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/org/calyptos"
)

// FuzzParse holds the parser to its contract on any input: no panic, and
// either a file whose debuggers can be built and validated, or an error
// matching ErrInvalid.
func FuzzParse(f *testing.F) {
	if b, err := os.ReadFile("../examples/fleet/checks.yml"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(everyType))
	for _, s := range []string{
		"roles:\n  web:\n    servce:\n      nginx: {runing: true}\n",
		"reach:\n  - {from: a, to: b, port: 1, expect: closed, timeout: 500}\n",
		"a: &a {x: {exists: true}}\nroles:\n  all:\n    file:\n      /x: *a\n      /y: {<<: *a, exists: true}\n",
		"roles:\n  all:\n    kernel-param:\n      a.b: {value: {and: [{gt: 1}, {not: {lt: 0}}, {or: [1, 2]}]}}\n",
		"roles:\n  all:\n    user:\n      u: {exists: true, groups: {consist-of: [a, {have-prefix: b}]}}\n",
		"roles: [\n", "- a\n", "", "roles:\n  all:\n    memory: {min-total: 1e400GiB}\n",
		"roles:\n  all:\n    command:\n      \"\\0\": {exit-status: 0}\n",
	} {
		f.Add([]byte(s))
	}
	rb := calyptos.NewRoleBuilder(map[string][]string{"web": {"w1"}, "db": {"d1"}})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			// Large inputs only cost yaml.v3's time (bounded by the size
			// limit, TestParseBounds): mutate small ones.
			return
		}
		file, err := Parse("f.yml", data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error not matching ErrInvalid: %v", err)
			}
			return
		}
		_ = file.Validate(rb)
		for _, d := range file.Debuggers() {
			if n, ok := d.(calyptos.FactNeeder); ok {
				_ = n.Needs(rb)
			}
		}
	})
}

// FuzzHostOutput holds the readers of what hosts print to never panic.
func FuzzHostOutput(f *testing.F) {
	f.Add("0 stat regular file|644|root|root|0|0|1\n1|x\n2 error e\n", "client curl\n")
	f.Add("rpm a 1-1\ndpkg b 2\ntools rpm dpkg\n", "client wget\n  HTTP/1.1 200 OK\n")
	f.Add("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 301 M\r\nLocation: x\r\n\r\nHTTP/1.1 200 OK\r\n\r\nbody", "client curl\n")
	f.Add("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n40 22 0:35 / /a\\040b ro - vfat /dev/x rw\n", "")
	f.Add("9999999999 x\n0\n|\n 1 a\n", "\x00")
	keys := []string{"stat /a", "stat /b", "md5 /a"}
	f.Fuzz(func(t *testing.T, stdout, stderr string) {
		o := calyptos.Output{Stdout: stdout, Stderr: stderr}
		var all strings.Builder
		for _, so := range splitIndexed(keys, o) {
			all.WriteString(so.Stdout)
		}
		for _, so := range splitPackages([]string{"a", "b"}, o) {
			all.WriteString(so.Stdout)
		}
		for _, kr := range parseKeyed(all.String()) {
			_ = kr.recs["stat"]
		}
		_ = parseHTTP(o)
		_ = parseMountinfo(stdout)
		_, _ = processesFact().Parse(o)
	})
}
