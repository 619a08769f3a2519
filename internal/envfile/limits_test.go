package envfile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"gopkg.in/yaml.v3"
)

// yamlNodes counts the nodes of a parsed document, aliases as one.
func yamlNodes(n *yaml.Node) int {
	c := 1
	for _, k := range n.Content {
		c += yamlNodes(k)
	}
	return c
}

// FuzzCountNodes checks that countNodes never counts fewer nodes than
// yaml.v3 builds, so that no file passes the bound by fooling the count.
func FuzzCountNodes(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yml")
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"[a, b, {c: d}]", "- a\n- [b]\n- {}\n", "a: 'x: y, z'\nb: \"q\\\" - r\"\n", "? a\n: b\n",
		"a: # c: d, e\n  - x", "a: |\n  - b: c\n", "{a, b}", "[[[[]]]]", "a: &x {b: c}\nd: *x\n",
		"'it''s': [a,b]", "a:\n- b\n-\n- c:", "[a: b, c]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var doc yaml.Node
		if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
			return
		}
		want := yamlNodes(doc.Content[0])
		if _, _, ok := CountNodes(data, want-1); ok {
			t.Fatalf("countNodes counts fewer than the %d nodes of %q", want, data)
		}
	})
}

func TestCountNodesPosition(t *testing.T) {
	line, col, ok := CountNodes([]byte("a: [1,\n  2, 'x,y', 3] # ,,,,\n"), 10)
	assert.False(t, ok)
	assert.Equal(t, 2, line)
	assert.Equal(t, 11, col, "the third comma, after the quoted one")
}
