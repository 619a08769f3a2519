package facts

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseStat(t *testing.T) {
	assert.Equal(t, []FileOwner{{"eucalyptus", "eucalyptus", "755", "/var/lib/eucalyptus"}, {"eucalyptus", "eucalyptus", "755", "/var/log/eucalyptus"}},
		parseStat(sample(t, "centos7", "stat")))
	assert.Equal(t, []FileOwner{{"root", "root", "700", "/srv/euca data"}}, parseStat("root root 700 /srv/euca data\nstat: cannot stat '/x': No such file or directory\n"))
}

func FuzzParseStat(f *testing.F) {
	seed(f, "stat")
	f.Fuzz(func(t *testing.T, out string) {
		for _, s := range parseStat(out) {
			if s.User == "" || !strings.HasPrefix(s.Path, "/") {
				t.Fatalf("bad stat %+v", s)
			}
		}
	})
}
