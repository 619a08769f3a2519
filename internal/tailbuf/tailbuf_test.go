package tailbuf_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/org/calyptos/internal/tailbuf"
)

func TestBufferKeepsTheEnd(t *testing.T) {
	b := &tailbuf.Buffer{Max: 8}
	for _, w := range []string{"abc", "defgh", "ijklmnopqrstu", "v"} {
		n, err := b.Write([]byte(w))
		assert.NoError(t, err)
		assert.Equal(t, len(w), n)
	}
	assert.Equal(t, "opqrstuv", b.String())
	assert.Empty(t, (&tailbuf.Buffer{}).String())
	big := &tailbuf.Buffer{Max: 4}
	_, _ = big.Write([]byte(strings.Repeat("x", 100) + "tail"))
	assert.Equal(t, "tail", big.String())
}
