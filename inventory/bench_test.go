package inventory

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fleetINI is a 10,000-host INI inventory written with ranges, group and
// host variables, and nested groups.
func fleetINI() string {
	var b strings.Builder
	b.WriteString("[web]\nweb[00001:04000].example.com http_port=80 rack=r1\n")
	b.WriteString("[db]\ndb[0001:3000].example.com ansible_port=5432 role=\"replica set\"\n")
	b.WriteString("[app]\napp[0001:1956] ansible_user=deploy\n")
	b.WriteString("[cache]\ncache-[a:z][0:39]\n")
	for i := 0; i < 4; i++ {
		fmt.Fprintf(&b, "special%d.example.com ansible_host=192.0.2.%d tags=\"['a', 'b']\"\n", i, i+1)
	}
	b.WriteString("[prod:children]\nweb\ndb\n[stage:children]\napp\ncache\n[eu:children]\nprod\nstage\n")
	for _, g := range []string{"web", "db", "app", "cache", "prod", "stage", "eu"} {
		fmt.Fprintf(&b, "[%s:vars]\n", g)
		for i := 0; i < 10; i++ {
			fmt.Fprintf(&b, "%s_var%d=%d\nshared%d=\"%s\"\n", g, i, i, i, g)
		}
	}
	b.WriteString("[all:vars]\nntp=time.example.com\nansible_ssh_private_key_file=~/.ssh/fleet\n")
	return b.String()
}

// fleetYAML is the same kind of inventory in YAML.
func fleetYAML() string {
	var b strings.Builder
	b.WriteString("all:\n  vars: {ntp: time.example.com}\n  children:\n    eu:\n      children:\n")
	for _, g := range []struct {
		name, hosts string
	}{{"web", "web[00001:04000].example.com"}, {"db", "db[0001:3000].example.com"}, {"app", "app[0001:1960]"}, {"cache", "cache-[a:z][0:39]"}} {
		fmt.Fprintf(&b, "        %s:\n          vars:\n", g.name)
		for i := 0; i < 10; i++ {
			fmt.Fprintf(&b, "            %s_var%d: %d\n            shared%d: %s\n", g.name, i, i, i, g.name)
		}
		fmt.Fprintf(&b, "          hosts:\n            %s:\n              rack: r1\n              weight: 1.5\n", g.hosts)
	}
	return b.String()
}

// fleetListJSON is ansible-inventory --list output for 10,000 hosts,
// each with a dozen variables.
func fleetListJSON() string {
	var b strings.Builder
	b.WriteString(`{"_meta": {"hostvars": {`)
	for i := 0; i < 10_000; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"h%05d": {"ansible_host": "10.%d.%d.%d", "ansible_user": "deploy", "rack": "r%d", "weight": 1.5, "tags": ["a", "b"], "enabled": true`, i, i>>16, (i>>8)&255, i&255, i%40)
		for k := 0; k < 6; k++ {
			fmt.Fprintf(&b, `, "v%d": %d`, k, k)
		}
		b.WriteString("}")
	}
	b.WriteString(`}}, "all": {"children": ["ungrouped", "web", "db"]}, "web": {"hosts": [`)
	for i := 0; i < 10_000; i++ {
		if i == 5000 {
			b.WriteString(`]}, "db": {"hosts": [`)
		} else if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"h%05d"`, i)
	}
	b.WriteString("]}}\n")
	return b.String()
}

// fleetDir writes fleetINI with group_vars and host_vars beside it.
func fleetDir(t testing.TB) string {
	dir := t.TempDir()
	files := map[string]string{
		"hosts":                              fleetINI(),
		"group_vars/all.yml":                 "dns: [192.0.2.53, 192.0.2.54]\nlimits: {nofile: 65536}\n",
		"group_vars/web.yml":                 "nginx_workers: 8\n",
		"group_vars/db/main.yml":             "pg_version: 15\n",
		"host_vars/web00001.example.com.yml": "canary: true\n",
	}
	for p, c := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "hosts")
}

// TestFleets checks the benchmark inputs are what they claim.
func TestFleets(t *testing.T) {
	inv, err := Load(fleetDir(t))
	require.NoError(t, err)
	assert.Equal(t, 10_000, len(inv.Hosts()))
	h, ok := inv.Host("web00001.example.com")
	require.True(t, ok)
	assert.Equal(t, true, h.Vars["canary"])
	assert.Equal(t, 8, h.Vars["nginx_workers"])
	assert.Equal(t, "web", h.Vars["shared0"])
	assert.Equal(t, "~/.ssh/fleet", h.KeyFile)
	assert.Equal(t, []string{"all", "eu", "prod", "web"}, h.Groups)
	for name, data := range map[string]string{"inv.yml": fleetYAML(), "inv.json": fleetListJSON()} {
		inv, err := Parse(name, []byte(data))
		require.NoError(t, err, name)
		assert.Equal(t, 10_000, len(inv.Hosts()), name)
	}
}

// BenchmarkLoad10kINI loads a 10,000-host INI inventory with its
// group_vars and host_vars (goal: < 50 ms and < 50 MB a load).
func BenchmarkLoad10kINI(b *testing.B) {
	path := fleetDir(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(path); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse10kYAML parses the same kind of inventory in YAML.
func BenchmarkParse10kYAML(b *testing.B) {
	data := []byte(fleetYAML())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("inv.yml", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse10kListJSON parses ansible-inventory --list output of
// 10,000 hosts with their variables.
func BenchmarkParse10kListJSON(b *testing.B) {
	data := []byte(fleetListJSON())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("inv.json", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHostileRefused times the refusal of 16 MiB files, in each
// format, by the bounds counted from their text.
func BenchmarkHostileRefused(b *testing.B) {
	for name, data := range hostileFiles() {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(name, data); err == nil {
					b.Fatal("accepted")
				}
			}
		})
	}
}

// BenchmarkSelect selects from 10,000 hosts.
func BenchmarkSelect(b *testing.B) {
	inv, err := Parse("hosts", []byte(fleetINI()))
	if err != nil {
		b.Fatal(err)
	}
	rb := inv.RoleBuilder()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Select(rb, "eu:&prod:!web0000*:~db0[0-4]"); err != nil {
			b.Fatal(err)
		}
	}
}
