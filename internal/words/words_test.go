package words

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCount(t *testing.T) {
	assert.Equal(t, "0 hosts", Count(0, "host", "hosts"))
	assert.Equal(t, "1 host", Count(1, "host", "hosts"))
	assert.Equal(t, "2 node controllers", Count(2, "node controller", "node controllers"))
}

func TestDistance(t *testing.T) {
	assert.Equal(t, 0, Distance("local", "local"))
	assert.Equal(t, 1, Distance("locl", "local"))
	assert.Equal(t, 3, Distance("", "abc"))
	assert.Equal(t, 2, Distance("listening", "listenign"))
}
