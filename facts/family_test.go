package facts

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/org/calyptos"
)

func TestSplitByKey(t *testing.T) {
	out := calyptos.Output{Stdout: "unit=a init=systemd active=active\nunit=b init=sysv status=0\nnoise\nunit=zz x=1\n"}
	m := splitByKey([]string{"a", "b", "c"}, out, "unit")
	assert.Equal(t, "unit=a init=systemd active=active\n", m["a"].Stdout)
	assert.Equal(t, "unit=b init=sysv status=0\n", m["b"].Stdout)
	assert.Empty(t, m["c"].Stdout, "a key no line names gets an empty output")
	assert.NotContains(t, m, "zz", "lines of keys not asked are dropped")
}

func TestSplitStat(t *testing.T) {
	out := calyptos.Output{ExitCode: 1,
		Stdout: "root root 644 /etc/hosts\neuca euca 750 /var/lib/eucalyptus\n",
		Stderr: "stat: cannot statx '/nope': No such file or directory\n"}
	m := splitStat([]string{"/etc/hosts", "/nope", "/var/lib/eucalyptus"}, out)
	assert.Equal(t, calyptos.Output{Stdout: "root root 644 /etc/hosts\n"}, m["/etc/hosts"])
	assert.Equal(t, 1, m["/nope"].ExitCode)
	assert.Contains(t, m["/nope"].Stderr, "No such file")
	assert.Empty(t, m["/etc/hosts"].Stderr)
}

// FuzzFamilySplit: the family splitters never panic and give every key
// asked an output, whatever the host printed.
func FuzzFamilySplit(f *testing.F) {
	f.Add("unit=a init=systemd\nunit=b\n", "stat: cannot statx 'a'\n", "a b")
	f.Add("root root 644 /x\n\x00\xff", "", "/x /y")
	f.Fuzz(func(t *testing.T, stdout, stderr, keys string) {
		ks := sortedKeys(strings.Fields(keys))
		o := calyptos.Output{Stdout: stdout, Stderr: stderr}
		for _, m := range []map[string]calyptos.Output{splitByKey(ks, o, "unit"), splitByKey(ks, o, "pkg"), splitStat(ks, o)} {
			for _, k := range ks {
				if _, ok := m[k]; !ok {
					t.Fatalf("key %q has no output", k)
				}
			}
		}
	})
}
