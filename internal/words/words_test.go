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
