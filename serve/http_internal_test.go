package serve

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAcceptsGzip(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   bool
	}{
		{"gzip", true},
		{"deflate, gzip;q=0.5", true},
		{"gzip;q=0", false},
		{"gzip;q=0.0", false},
		{"gzip; q=0.000", false},
		{"gzip;q=0.001", true},
		{"identity", false},
		{"", false},
	} {
		assert.Equal(t, tc.want, acceptsGzip([]string{tc.header}), tc.header)
	}
}
