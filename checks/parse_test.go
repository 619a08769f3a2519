package checks

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/org/calyptos"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string // every problem, in order
	}{
		{"unknown type", "roles:\n  web:\n    servce:\n      nginx: {running: true}\n",
			[]string{`c.yml:3:5: unknown resource type "servce" (did you mean "service"?) (valid: port, service, package, file, command, kernel-param, mount, process, user, group, http, disk, memory, clock)`}},
		{"unknown attribute", "roles:\n  web:\n    service:\n      nginx: {runing: true}\n",
			[]string{`c.yml:4:15: unknown attribute "runing" of service (did you mean "running"?) (valid: enabled, running, name, skip, title, meta, hint)`,
				`c.yml:4:7: service "nginx": nothing to check: give enabled or running`}},
		{"goss resource", "roles:\n  all:\n    dns:\n      localhost: {resolvable: true}\n",
			[]string{`c.yml:3:5: goss resource "dns" is not supported by calyptos (supported: port, service, package, file, command, kernel-param, mount, process, user, group, http, disk, memory, clock)`}},
		{"goss attribute", "roles:\n  all:\n    service:\n      sshd: {running: true, runlevels: [\"3\"]}\n",
			[]string{`c.yml:4:29: goss attribute "runlevels" of service is not supported by calyptos`}},
		{"goss matcher", "roles:\n  all:\n    command:\n      x: {exit-status: 0, stdout: {gjson: {a: b}}}\n",
			[]string{`c.yml:4:36: stdout: goss matcher "gjson" is not supported by calyptos`}},
		{"bad mode", "roles:\n  all:\n    file:\n      /etc/x: {exists: true, mode: \"0999\"}\n",
			[]string{`c.yml:4:36: mode: "0999" is not a file mode: three or four octal digits, quoted ("0644")`}},
		{"bad regex", "roles:\n  all:\n    file:\n      /etc/x: {exists: true, contents: [\"/a(/\"]}\n",
			[]string{"c.yml:4:41: contents: bad regular expression /a(/: error parsing regexp: missing closing ): `a(`"}},
		{"bad match-regexp", "roles:\n  all:\n    kernel-param:\n      a.b: {value: {match-regexp: \"[\"}}\n",
			[]string{"c.yml:4:35: value: bad regular expression for match-regexp: error parsing regexp: missing closing ]: `[`"}},
		{"bad duration", "roles:\n  all:\n    command:\n      x: {exit-status: 0, timeout: 5 sec}\n",
			[]string{`c.yml:4:36: timeout: "5 sec" is not a duration (examples: 5s, 1m30s, or milliseconds: 500)`}},
		{"bad size", "roles:\n  all:\n    memory: {min-total: lots}\n",
			[]string{`c.yml:3:25: min-total: "lots" is not a size (examples: 10GiB, 512M, 2TB, 1048576)`}},
		{"bad percent", "roles:\n  all:\n    disk:\n      /var: {max-use: 120%}\n",
			[]string{`c.yml:4:23: max-use: "120%" is not a percentage from 0 to 100 (example: 80%)`}},
		{"key set twice", "roles:\n  all:\n    file:\n      /a: {exists: true}\n    file:\n      /b: {exists: true}\n",
			[]string{`c.yml:5:5: "file" is set twice in this mapping (first at line 3): the first would be ignored; merge them`}},
		{"missing required", "roles:\n  all:\n    file:\n      /etc/x: {mode: \"0644\"}\n",
			[]string{`c.yml:4:7: file "/etc/x": missing required attribute "exists"`}},
		{"resources at top level", "service:\n  nginx: {running: true}\n",
			[]string{`c.yml:1:1: unknown top-level key "service": a checks file has roles: and reach:; resources go under a role (roles: {all: {service: ...}})`}},
		{"bad names", "roles:\n  all:\n    port:\n      tcp:99999: {listening: true}\n      http:80: {listening: true}\n    file:\n      etc/x: {exists: true}\n    http:\n      ftp://x: {status: 200}\n      http://u:pw@h/: {status: 200}\n",
			[]string{`c.yml:4:7: port "tcp:99999": port 99999 is not from 1 to 65535`, `c.yml:5:7: port "http:80": expected [tcp|tcp6|udp|udp6:]PORT, as tcp:443`,
				`c.yml:7:7: file "etc/x": expected an absolute path`, `c.yml:9:7: http "ftp://x": expected an http:// or https:// URL`,
				`c.yml:10:7: http "http://u:xxxxx@h/": a password in the URL would show in every report: give it in the password attribute`}},
		{"not a number", "roles:\n  all:\n    command:\n      x: {exit-status: zero}\n",
			[]string{`c.yml:4:24: exit-status: expected a number or a numeric matcher (lt, le, gt, ge), found "zero"`}},
		{"unknown matcher", "roles:\n  all:\n    kernel-param:\n      a.b: {value: {gte: 1}}\n",
			[]string{`c.yml:4:21: value: unknown matcher "gte" (did you mean "gt"?) (valid: lt, le, gt, ge, equal, not, and, or, have-prefix, have-suffix, contain-substring, match-regexp, contain-element, contain-elements, consist-of, have-len)`}},
		{"edges", "reach:\n  - {from: web, to: db}\n  - {from: web, to: db, port: 70000, expect: maybe, tmeout: 5s}\n  - {from: web, to: db, port: 5432}\n  - {from: web, to: db, port: 5432}\n",
			[]string{`c.yml:2:5: edge: missing "port"`, `c.yml:3:31: port: expected a TCP port from 1 to 65535, found "70000"`,
				`c.yml:3:46: expect: expected open or closed, found "maybe"`,
				`c.yml:3:53: unknown key "tmeout" of an edge (did you mean "timeout"?) (valid: from, to, port, expect, timeout, hint, title, skip, meta)`,
				`c.yml:5:5: the edge from web to db on port 5432 is given twice (first at line 4)`}},
		{"two documents", "roles: {}\n---\nroles: {}\n", []string{`c.yml:2:1: a second YAML document starts here: a checks file is one document`}},
		{"syntax", "roles:\n  web: [\n", []string{`c.yml:2: invalid YAML: did not find expected node content`}},
		{"empty", "# nothing\n", []string{`c.yml:1:1: empty checks file: expected roles: and reach:`}},
		{"no checks", "roles: {}\n", []string{`c.yml:1:1: no checks: the file has no resource under roles: and no edge under reach:`}},
		{"not a mapping", "- a\n", []string{`c.yml:1:1: expected a mapping with roles: and reach:, found a list`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("c.yml", []byte(tt.src))
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalid)
			var e *Error
			require.ErrorAs(t, err, &e)
			want := strings.Join(tt.want, "\n")
			assert.Equal(t, want, err.Error())
		})
	}
}

func TestParseBounds(t *testing.T) {
	big := make([]byte, maxFileSize+1)
	_, err := Parse("big.yml", big)
	assert.ErrorIs(t, err, ErrInvalid)
	assert.ErrorContains(t, err, "larger than 16 MiB")

	many := "roles:\n  all:\n    file:\n" + strings.Repeat("      /x: {exists: true}\n", maxNodes/5)
	_, err = Parse("many.yml", []byte(many))
	assert.ErrorIs(t, err, ErrInvalid)
	assert.ErrorContains(t, err, "more than 200000 YAML nodes")

	// Aliases that double at each level expand to 2^20 mappings from a
	// few lines: the walk's own budget stops them.
	var b strings.Builder
	b.WriteString("a0: &a0 {x: {exists: true}}\n")
	for i := 1; i <= 20; i++ {
		b.WriteString("a" + strconv.Itoa(i) + ": &a" + strconv.Itoa(i) + " {<<: *a" + strconv.Itoa(i-1) + ", y" + strconv.Itoa(i) + ": *a" + strconv.Itoa(i-1) + "}\n")
	}
	b.WriteString("roles:\n  all:\n    file:\n      /x: *a20\n")
	_, err = Parse("bomb.yml", []byte(b.String()))
	assert.ErrorIs(t, err, ErrInvalid)
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(dir)
	assert.ErrorIs(t, err, ErrInvalid)
	assert.ErrorContains(t, err, "is a directory")
	_, err = Load(filepath.Join(dir, "none.yml"))
	assert.ErrorIs(t, err, os.ErrNotExist)
	p := filepath.Join(dir, "c.yml")
	require.NoError(t, os.WriteFile(p, []byte("roles:\n  all:\n    process:\n      sshd: {running: true}\n"), 0o600))
	f, err := Load(p)
	require.NoError(t, err)
	assert.Equal(t, p, f.Name())
	assert.Equal(t, []string{"all"}, f.Roles())
}

func TestValidate(t *testing.T) {
	f, err := Parse("c.yml", []byte("roles:\n  webs:\n    process:\n      nginx: {running: true}\n  all:\n    process:\n      sshd: {running: true}\nreach:\n  - {from: webs, to: dbs, port: 5432}\n"))
	require.NoError(t, err)
	rb := calyptos.NewRoleBuilder(map[string][]string{"web": {"w1"}, "db": {"d1"}})
	err = f.Validate(rb)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrInvalid)
	assert.Equal(t, `c.yml:2:3: unknown role "webs" (did you mean "web"?) (roles: all, db, web)
c.yml:9:12: unknown role "webs" (did you mean "web"?) (roles: all, db, web)
c.yml:9:22: unknown role "dbs" (did you mean "db"?) (roles: all, db, web)`, err.Error())
	assert.Equal(t, []string{"all", "dbs", "webs"}, f.Roles())
}
