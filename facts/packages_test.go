package facts

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParsePackages(t *testing.T) {
	assert.Equal(t, map[string]bool{"ntp": true, "ntpdate": true, "chrony": false, "sos": true, "eucalyptus-sos-plugins": true},
		parsePackages(sample(t, "centos7", "packages")))
	assert.Equal(t, map[string]bool{"ntp": false}, parsePackages("garbage\npkg=ntp status=missing\n"))
}

func FuzzParsePackages(f *testing.F) {
	seed(f, "packages")
	f.Fuzz(func(t *testing.T, out string) {
		for p := range parsePackages(out) {
			if p == "" {
				t.Fatal("empty package name")
			}
		}
	})
}
