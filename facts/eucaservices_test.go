package facts

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDescribeServices(t *testing.T) {
	svcs := parseDescribeServices(sample(t, "centos7", "describe-services"))
	require.Len(t, svcs, 9)
	for _, s := range svcs {
		assert.Equal(t, "ENABLED", s.State)
	}
	broken := parseDescribeServices(sample(t, "centos7", "describe-services-broken"))
	var states []string
	for _, s := range broken {
		if s.State != "ENABLED" {
			states = append(states, s.State)
		}
	}
	assert.Equal(t, []string{"NOTREADY", "BROKEN"}, states)
	// A name containing a state word is not a state; lower case states
	// (euca2ools 3.4) are.
	got := parseDescribeServices("SERVICE storage zone-a sc-BROKEN-old enabled 3 http://x arn\nSERVICE cluster zone-a cc disabled\nnot a SERVICE line BROKEN\n")
	assert.Equal(t, []EucaService{
		{"ENABLED", "SERVICE storage zone-a sc-BROKEN-old enabled 3 http://x arn"},
		{"DISABLED", "SERVICE cluster zone-a cc disabled"},
	}, got)
}

func FuzzParseDescribeServices(f *testing.F) {
	seed(f, "describe-services")
	seed(f, "describe-services-broken")
	f.Fuzz(func(t *testing.T, out string) {
		for _, s := range parseDescribeServices(out) {
			if !isServiceState(s.State) || !strings.HasPrefix(s.Line, "SERVICE") {
				t.Fatalf("bad service line %+v", s)
			}
		}
	})
}
