package inventory

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExpandPattern(t *testing.T) {
	tests := []struct {
		pattern string
		hosts   string
		port    string
		err     string
	}{
		{"web", "web", "", ""},
		{"web:22", "web", "22", ""},
		{"10.0.0.1:22", "10.0.0.1", "22", ""},
		{"2001:db8::1", "2001:db8::1", "", ""},
		{"[2001:db8::1]:22", "2001:db8::1", "22", ""},
		{"web[1:3]", "web1 web2 web3", "", ""},
		{"web[01:10:3]", "web01 web04 web07 web10", "", ""},
		{"web[:2]", "web0 web1 web2", "", ""},
		{"web[1:3]:2222", "web1 web2 web3", "2222", ""},
		{"db[a:c]", "dba dbb dbc", "", ""},
		{"db[y:B]", "dby dbz dbA dbB", "", ""},
		{"db[a:e:2]", "dba dbc dbe", "", ""},
		{"r[1:2]-[a:b]", "r1-a r1-b r2-a r2-b", "", ""},
		{"10.0.[0:1].[1:2]", "10.0.0.1 10.0.0.2 10.0.1.1 10.0.1.2", "", ""},
		{"v[10:8]", "", "", ""},
		{"v[10:8][x", "", "", ""}, // the ranges after an empty one are not read
		{"w[1:2]x[", "", "", `host range in "w1x["`},
		{"w[1:4:0]", "", "", "the step must not be zero"},
		{"w[z:a]", "", "", "must have begin <= end"},
		{"w[1]", "", "", "must be begin:end"},
		{"w[1:]", "", "", "must specify an end value"},
		{"w[01:100]", "", "", "same length"},
		{"w[a:9]", "", "", `"a" is not an integer`},
		{"w[0:99999999]", "", "", "stand for more than the 1000 hosts the inventory may still hold"},
		{"w[0:999][0:999]", "", "", "more than the 1000 hosts"},
		{"w[0:99999999999999999999999]", "", "", "more than the 1000 hosts"},
	}
	a := newAddressPatterns()
	for _, tt := range tests {
		hosts, port, err := a.expandPattern(tt.pattern, 1000)
		if tt.err != "" {
			assert.ErrorContains(t, err, tt.err, tt.pattern)
			continue
		}
		require.NoError(t, err, tt.pattern)
		assert.Equal(t, tt.hosts, strings.Join(hosts, " "), tt.pattern)
		assert.Equal(t, tt.port, port, tt.pattern)
	}
	_, _, err := a.expandPattern("w[0:99999999]", 1000)
	assert.True(t, errors.Is(err, errTooMany))
}

func TestPyZfill(t *testing.T) {
	assert.Equal(t, "007", pyZfill("7", 3))
	assert.Equal(t, "-07", pyZfill("-7", 3))
	assert.Equal(t, "1234", pyZfill("1234", 3))
}
