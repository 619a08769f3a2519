package yamlx

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

func TestHelpers(t *testing.T) {
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(`
null1: ~
null2:
str: " a b "
list: &l [x, " y ", ~, [z]]
alias: *l
hosts: "10.0.0.1 10.0.0.2,10.0.0.3"
`), &doc))
	m := Resolve(&doc)
	get := func(k string) *yaml.Node {
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == k {
				return m.Content[i+1]
			}
		}
		return nil
	}
	assert.True(t, IsNull(nil))
	assert.True(t, IsNull(get("null1")))
	assert.True(t, IsNull(get("null2")))
	assert.False(t, IsNull(get("str")))
	s, ok := Scalar(get("str"))
	assert.True(t, ok)
	assert.Equal(t, "a b", s)
	_, ok = Scalar(get("list"))
	assert.False(t, ok)
	assert.Len(t, Items(get("alias")), 4, "aliases followed")
	assert.Nil(t, Items(get("str")))
	assert.Equal(t, []string{"x", "y"}, Hosts(get("alias")), "null and non-scalar items skipped")
	assert.Equal(t, []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}, Hosts(get("hosts")))
	assert.Nil(t, Hosts(get("null1")))
	assert.Nil(t, Resolve(&yaml.Node{Kind: yaml.DocumentNode}))
}
