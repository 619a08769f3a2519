package inventory

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/hostname"
)

const patternInventory = "testdata/ini-basic/inventory"

// patternCases are patterns over patternInventory with the hosts
// `ansible -i INVENTORY PATTERN --list-hosts` lists.
func patternCases() []struct{ pattern, want string } {
	return []struct{ pattern, want string }{
		{"web", "web01.example.com web04.example.com web07.example.com web10.example.com web20.example.com web21.example.com"},
		{"web:db", "10.0.1.8 10.0.1.9 10.0.1.10 2001:db8::10 2001:db8::11 db-A.lan db-B.lan db-y.lan db-z.lan dba.example.com dbb.example.com dbc.example.com web01.example.com web04.example.com web07.example.com web10.example.com web20.example.com web21.example.com"},
		{"web,db", "10.0.1.8 10.0.1.9 10.0.1.10 2001:db8::10 2001:db8::11 db-A.lan db-B.lan db-y.lan db-z.lan dba.example.com dbb.example.com dbc.example.com web01.example.com web04.example.com web07.example.com web10.example.com web20.example.com web21.example.com"},
		{"prod:&db", "10.0.1.8 10.0.1.9 10.0.1.10 2001:db8::10 2001:db8::11 db-A.lan db-B.lan db-y.lan db-z.lan dba.example.com dbb.example.com dbc.example.com"},
		{"prod:!db", "web01.example.com web04.example.com web07.example.com web10.example.com web20.example.com web21.example.com"},
		{"web:!web0*", "web10.example.com web20.example.com web21.example.com"},
		{"!web", "10.0.0.99 10.0.1.8 10.0.1.9 10.0.1.10 2001:db8::10 2001:db8::11 app0 app1 app2 app3 app4 db-A.lan db-B.lan db-y.lan db-z.lan dba.example.com dbb.example.com dbc.example.com lonely.example.com"},
		{"&web", "web01.example.com web04.example.com web07.example.com web10.example.com web20.example.com web21.example.com"},
		{"web*", "web01.example.com web04.example.com web07.example.com web10.example.com web20.example.com web21.example.com"},
		{"db?.example.com", "dba.example.com dbb.example.com dbc.example.com"},
		{"~web0[17]", "web01.example.com web07.example.com"},
		{"~(db|app)[0-9]", "app0 app1 app2 app3 app4"},
		{"lonely.example.com", "lonely.example.com"},
		{"10.0.0.99", "10.0.0.99"},
		{"2001:db8::10", "2001:db8::10"},
		{"staging:web21.example.com", "app0 app1 app2 app3 app4 web21.example.com"},
		{"ungrouped", "10.0.0.99 lonely.example.com"},
		{"pro*", "10.0.1.8 10.0.1.9 10.0.1.10 2001:db8::10 2001:db8::11 db-A.lan db-B.lan db-y.lan db-z.lan dba.example.com dbb.example.com dbc.example.com web01.example.com web04.example.com web07.example.com web10.example.com web20.example.com web21.example.com"},
		{"*.lan", "db-A.lan db-B.lan db-y.lan db-z.lan"},
		{"db-[yz].lan", "db-y.lan db-z.lan"},
		{"db-[!y].lan", "db-A.lan db-B.lan db-z.lan"},
		{"web,!web01.example.com, &prod", "web04.example.com web07.example.com web10.example.com web20.example.com web21.example.com"},
		{"app:&web", ""},
	}
}

func TestSelect(t *testing.T) {
	inv, err := Load(patternInventory)
	require.NoError(t, err)
	rb := inv.RoleBuilder()
	all := strings.Join(rb.All(), " ")
	for _, tt := range append(patternCases(), struct{ pattern, want string }{"all", all}, struct{ pattern, want string }{"*", all}, struct{ pattern, want string }{"al*", all}) {
		t.Run(tt.pattern, func(t *testing.T) {
			got, err := Select(rb, tt.pattern)
			if tt.want == "" {
				assert.ErrorIs(t, err, ErrNoHosts)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, strings.Join(got, " "))
		})
	}
}

func TestSelectErrors(t *testing.T) {
	inv, err := Parse("hosts", []byte("[web]\nw1\nw2\n[db]\nd1\n[empty]\n"))
	require.NoError(t, err)
	rb := inv.RoleBuilder()
	tests := []struct {
		pattern, want string
		is            error
	}{
		{"wbe", `host pattern "wbe": "wbe" matches no group and no host (groups with hosts: all, db, web)`, calyptos.ErrUnknownRole},
		{"web:!w3", `"!w3" matches no group and no host`, calyptos.ErrUnknownRole},
		{"web:&db", `host pattern "web:&db" selects no host (groups with hosts: all, db, web)`, ErrNoHosts},
		{"empty", `host pattern "empty" selects no host`, ErrNoHosts},
		{"web[0]", `"web[0]": subscripts select hosts by inventory order`, nil},
		{"web[1:2]", `subscripts`, nil},
		{"~web(", `"~web(": not a valid (RE2) regular expression`, nil},
		{"~(?<=w)1", `not a valid (RE2) regular expression`, nil},
		{"", `empty pattern`, nil},
		{" , ", `empty pattern`, nil},
		{"web:!", `"!" names nothing`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			_, err := Select(rb, tt.pattern)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			var pe *PatternError
			assert.ErrorAs(t, err, &pe)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			} else {
				assert.NotErrorIs(t, err, calyptos.ErrUnknownRole)
				assert.NotErrorIs(t, err, ErrNoHosts)
			}
		})
	}
}

// TestSelectOnEnvironmentRoles: patterns work on any RoleBuilder, roles
// being groups.
func TestSelectOnEnvironmentRoles(t *testing.T) {
	rb := calyptos.NewRoleBuilder(map[string][]string{
		eucalyptus.RoleCLC:            {"10.0.0.1"},
		eucalyptus.RoleNodeController: {"10.0.0.3", "10.0.0.4"},
		eucalyptus.RoleUserFacing:     {"10.0.0.1", "10.0.0.2"},
	})
	tests := []struct{ pattern, want string }{
		{"clc:node-controller", "10.0.0.1 10.0.0.3 10.0.0.4"},
		{"user-facing:!clc", "10.0.0.2"},
		{"*-controller", "10.0.0.3 10.0.0.4"},
		{"all:!10.0.0.[!12]", "10.0.0.1 10.0.0.2"},
		{"~10\\.0\\.0\\.[12]", "10.0.0.1 10.0.0.2"},
		{"10.0.0.4", "10.0.0.4"},
	}
	for _, tt := range tests {
		got, err := Select(rb, tt.pattern)
		require.NoError(t, err, tt.pattern)
		assert.Equal(t, tt.want, strings.Join(got, " "), tt.pattern)
	}
}

// TestSelectAgainstAnsible runs `ansible --list-hosts` on every pattern
// of patternCases: the expectations are Ansible's.
func TestSelectAgainstAnsible(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Ansible once per case")
	}
	bin, err := exec.LookPath("ansible")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("ansible is not installed (CI installs ansible-core): %v", err)
		}
		t.Skipf("ansible is not installed: %v", err)
	}
	abs, err := filepath.Abs(patternInventory)
	require.NoError(t, err)
	home := t.TempDir()
	cfg := filepath.Join(home, "ansible.cfg")
	require.NoError(t, os.WriteFile(cfg, nil, 0o600))
	for _, tt := range patternCases() {
		cmd := exec.Command(bin, "-i", abs, tt.pattern, "--list-hosts")
		cmd.Dir = home
		cmd.Env = append(os.Environ(), "HOME="+home, "ANSIBLE_CONFIG="+cfg, "ANSIBLE_NOCOLOR=1", "ANSIBLE_LOCAL_TEMP="+filepath.Join(home, "tmp"))
		out, err := cmd.Output()
		require.NoError(t, err, tt.pattern)
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")[1:]
		var got []string
		for _, l := range lines {
			got = append(got, strings.TrimSpace(l))
		}
		assert.Equal(t, tt.want, strings.Join(hostname.Sort(got), " "), tt.pattern)
	}
}

func TestGlobToRegexp(t *testing.T) {
	tests := []struct {
		glob    string
		match   []string
		nomatch []string
	}{
		{"w*", []string{"w", "web", "w.x"}, []string{"aw"}},
		{"w?b", []string{"web"}, []string{"wb", "weeb"}},
		{"[ab]c", []string{"ac", "bc"}, []string{"cc"}},
		{"[!ab]c", []string{"cc"}, []string{"ac"}},
		{"[a-c]x", []string{"bx"}, []string{"dx"}},
		{"[z-a]x", nil, []string{"zx", "ax", "x"}},
		{"[]]x", []string{"]x"}, []string{"x"}},
		{"a[b", []string{"a[b"}, []string{"ab"}},
		{"a.b", []string{"a.b"}, []string{"axb"}},
		{"a\\b", []string{`a\b`}, []string{"ab"}},
	}
	for _, tt := range tests {
		m, err := compileMatch(tt.glob)
		require.NoError(t, err, tt.glob)
		for _, s := range tt.match {
			assert.True(t, m(s), "%s ~ %s", tt.glob, s)
		}
		for _, s := range tt.nomatch {
			assert.False(t, m(s), "%s !~ %s", tt.glob, s)
		}
	}
}
