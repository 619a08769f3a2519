package inventory

import (
	"errors"
	"testing"

	"github.com/org/calyptos/eucalyptus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHostSettings(t *testing.T) {
	tests := []struct {
		name, file, data string
		host             string
		want             Host
	}{
		{"INI defaults", "hosts", "web1\n", "web1",
			Host{Name: "web1", Address: "web1", Groups: []string{"all", "ungrouped"}}},
		{"INI host:port and vars", "hosts", "[web]\nweb1:2222 ansible_host=192.0.2.1 ansible_user=deploy ansible_ssh_private_key_file=~/.ssh/id\n", "web1",
			Host{Name: "web1", Address: "192.0.2.1", Port: 2222, User: "deploy", KeyFile: "~/.ssh/id", Groups: []string{"all", "web"}}},
		{"IPv6 with a port", "hosts", "[db]\n[2001:db8::1]:2200\n", "2001:db8::1",
			Host{Name: "2001:db8::1", Address: "2001:db8::1", Port: 2200, Groups: []string{"all", "db"}}},
		{"ssh names win", "inv.yml", "all:\n  hosts:\n    h:\n      ansible_host: a.lan\n      ansible_ssh_host: b.lan\n      ansible_port: 1\n      ansible_ssh_port: 2\n      ansible_user: u1\n      ansible_ssh_user: u2\n      ansible_ssh_private_key_file: k2\n      ansible_private_key_file: k1\n", "h",
			Host{Name: "h", Address: "b.lan", Port: 2, User: "u2", KeyFile: "k2", Groups: []string{"all", "ungrouped"}}},
		{"a null is no value", "inv.yml", "all:\n  hosts:\n    h:\n      ansible_host: a.lan\n      ansible_ssh_host: ~\n", "h",
			Host{Name: "h", Address: "a.lan", Groups: []string{"all", "ungrouped"}}},
		{"port as text, user as a number", "inv.yml", "all:\n  vars:\n    ansible_port: \"2022\"\n    ansible_user: 1000\n  hosts:\n    h:\n", "h",
			Host{Name: "h", Address: "h", Port: 2022, User: "1000", Groups: []string{"all", "ungrouped"}}},
		{"group settings, nested groups", "inv.yml", "all:\n  children:\n    prod:\n      vars: {ansible_user: ops}\n      children:\n        web:\n          hosts: {w1: }\n", "w1",
			Host{Name: "w1", Address: "w1", User: "ops", Groups: []string{"all", "prod", "web"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := Parse(tt.file, []byte(tt.data))
			require.NoError(t, err)
			h, ok := inv.Host(tt.host)
			require.True(t, ok)
			got := *h
			got.Vars = nil
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestConnectionErrors(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"template host", "[g]\nh ansible_host='{{ x }}'\n", `hosts:2:3: host "h": ansible_host "{{ x }}" is a template`},
		{"template in a group", "[g]\na\nb\n[g:vars]\nansible_user={% if x %}a{% endif %}\n", `hosts:5:1: host "a": ansible_user "{% if x %}a{% endif %}" is a template`},
		{"vault user", "[g]\nh ansible_user=$ANSIBLE_VAULT;1.1;AES256\n", `hosts:2:3: host "h": ansible_user is vault-encrypted`},
		{"port range", "[g]\nh ansible_port=70000\n", `hosts:2:3: host "h": ansible_port: the port 70000 is not from 1 to 65535`},
		{"port type", "[g]\nh ansible_port=[22]\n", `hosts:2:3: host "h": ansible_port: the port must be a number, not a list`},
		{"host type", "[g]\nh ansible_host=1.5\n", `hosts:2:3: host "h": ansible_host must be text, not 1.5`},
		{"bad address", "[g]\nh ansible_host='a b'\n", `hosts:2:3: host "h": ansible_host: host "a b" contains a space or a control character`},
		{"option address", "[g]\nh ansible_host=-oProxyCommand=x\n", `ansible_host: host "-oProxyCommand=x" must not start with '-'`},
		{"option user", "[g]\nh ansible_user=-l\n", `hosts:2:3: host "h": ansible_user: user "-l" must not start with '-'`},
		{"empty user", "[g]\nh ansible_user=''\n", `host "h": ansible_user is empty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("hosts", []byte(tt.data))
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalid)
			assert.Contains(t, err.Error(), tt.want)
			var ie *Error
			assert.True(t, errors.As(err, &ie))
		})
	}
	t.Run("once per place", func(t *testing.T) {
		_, err := Parse("hosts", []byte("[g]\nh[1:50]\n[g:vars]\nansible_host={{ x }}\n"))
		require.Error(t, err)
		assert.Len(t, err.(interface{ Unwrap() []error }).Unwrap(), 1)
	})
	t.Run("control character in a key file", func(t *testing.T) {
		_, err := Parse("inv.yml", []byte("all:\n  hosts:\n    h:\n      ansible_ssh_private_key_file: \"k\\a\"\n"))
		assert.ErrorContains(t, err, `inv.yml:4:7: host "h": ansible_ssh_private_key_file: key file "k\a" contains a control character`)
	})
	t.Run("other variables keep templates and vaults", func(t *testing.T) {
		inv, err := Parse("hosts", []byte("h motd='{{ x }}' pw=$ANSIBLE_VAULT;1.1;AES256\n"))
		require.NoError(t, err)
		h, _ := inv.Host("h")
		assert.Equal(t, "{{ x }}", h.Vars["motd"])
		assert.Equal(t, "$ANSIBLE_VAULT;1.1;AES256", h.Vars["pw"])
	})
}

func TestRoles(t *testing.T) {
	inv, err := Parse("hosts", []byte(`
lonely
[web]
w[1:2]
[db]
d1
[empty]
[prod:children]
web
db
empty
`))
	require.NoError(t, err)
	assert.Equal(t, []string{"all", "db", "empty", "prod", "ungrouped", "web"}, inv.Groups())
	rb := inv.RoleBuilder()
	assert.Equal(t, []string{"d1", "lonely", "w1", "w2"}, rb.All())
	assert.Equal(t, []string{"d1", "w1", "w2"}, rb.Hosts("prod"))
	assert.Equal(t, []string{"lonely"}, rb.Hosts("ungrouped"))
	hs, err := rb.Lookup("empty")
	require.NoError(t, err)
	assert.Empty(t, hs)
	assert.Equal(t, []string{"db", "prod"}, rb.RolesOf("d1"))
	// The roles of the environment file exist too, empty.
	assert.Empty(t, rb.Hosts(eucalyptus.RoleCLC))
	var names []string
	for _, h := range inv.Hosts() {
		names = append(names, h.Name)
	}
	assert.Equal(t, []string{"d1", "lonely", "w1", "w2"}, names)
}

func TestHostsSortedAsSortHosts(t *testing.T) {
	inv, err := Parse("hosts", []byte("web10\n10.0.0.10\nweb9\n10.0.0.9\n"))
	require.NoError(t, err)
	var names []string
	for _, h := range inv.Hosts() {
		names = append(names, h.Name)
	}
	assert.Equal(t, []string{"10.0.0.9", "10.0.0.10", "web10", "web9"}, names)
}

func TestGroupVarsAndWarnings(t *testing.T) {
	inv, err := Parse("inv.yml", []byte(`
all:
  vars: {a: 1}
  children:
    web:
      vars: {b: two}
      hosts: {w1: }
      junk: [1]
notagroup: 5
web2:
  hosts: {web: }
`))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"b": "two"}, inv.GroupVars("web"))
	assert.Equal(t, map[string]any{"a": 1}, inv.GroupVars("all"))
	assert.Nil(t, inv.GroupVars("nope"))
	var msgs []string
	for _, w := range inv.Warnings() {
		assert.ErrorIs(t, w, ErrInvalid)
		msgs = append(msgs, w.Error())
	}
	assert.Equal(t, []string{
		`inv.yml:8:7: group "web": skipping "junk", which is not a mapping`,
		`inv.yml:9:1: skipping "notagroup": a group is a mapping of hosts, children and vars`,
		`inv.yml: "web" is both a group and a host`,
	}, msgs)
}

func TestParseFormats(t *testing.T) {
	tests := []struct {
		name, file, data string
		hosts            []string
		wantErr          string
	}{
		{"INI in a .yml file", "inv.yml", "[web]\nw1\n", []string{"w1"}, ""},
		{"YAML without extension", "hosts", "all:\n  hosts:\n    a:\n", []string{"a"}, ""},
		{"YAML in .ini is INI", "hosts.ini", "all:\n  hosts:\n    a:\n", nil, `hosts.ini:1:1: host "all:" ends in ':'`},
		{"list JSON whatever the extension", "x.txt", `{"_meta": {"hostvars": {"a": {"v": 1}}}, "all": {"children": ["g"]}, "g": {"hosts": ["a"]}}`, []string{"a"}, ""},
		{"TOML", "inv.toml", "[web]\n", nil, "TOML inventories are not supported"},
		{"empty", "hosts", "", nil, ""},
		{"YAML null is no inventory", "inv.yml", "---\n~\n", nil, `inv.yml:1:1: an empty YAML document: a YAML inventory is a mapping of groups`},
		{"a broken YAML file without extension", "hosts", "all:\n  hosts:\n    a: [\n", nil, "not YAML either"},
		{"two documents", "inv.yml", "all: {}\n---\nall: {}\n", nil, "inv.yml:2:1: a second YAML document starts here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := Parse(tt.file, []byte(tt.data))
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrInvalid)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.hosts, inv.RoleBuilder().All())
		})
	}
}

func TestRefusedHostNames(t *testing.T) {
	for _, h := range []string{"web;id", "a$(id)", "-x", "a b", "root@web", "a/b", "..", "web\x1b[31m", "a'b", "x:y"} {
		assert.Error(t, checkHostName(h), h)
	}
	for _, h := range []string{"web1", "web-1.example.com", "10.0.0.1", "2001:db8::1", "fe80::1%eth0", "höst", "_x", "a..b"} {
		assert.NoError(t, checkHostName(h), h)
	}
}

// TestHostLineSharing: the hosts of a range share their variables until
// one is given its own (a host listed again, a shared map copied).
func TestHostLineSharing(t *testing.T) {
	inv, err := Parse("hosts", []byte("0\nw[1:3] a=1\n[g]\nw2 b=2\n0 c=3\nw[1:3]\n"))
	require.NoError(t, err)
	want := map[string]map[string]any{
		"0": {"c": 3}, "w1": {"a": 1}, "w2": {"a": 1, "b": 2}, "w3": {"a": 1},
	}
	for name, vars := range want {
		h, ok := inv.Host(name)
		require.True(t, ok, name)
		assert.Equal(t, vars, h.Vars, name)
	}
}
