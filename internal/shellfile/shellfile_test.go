package shellfile

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCode(t *testing.T) {
	for in, want := range map[string]string{
		"":                                  "",
		"# doc\n\nf() {\n\t# why\n\t:\n}\n": "f() {\n\t:\n}\n",
		"\t# shellcheck disable=SC2086\necho $x\n": "\t# shellcheck disable=SC2086\necho $x\n",
		"echo '#not a comment' # kept\n  \n":       "echo '#not a comment' # kept\n",
		"a\n# last, without newline":               "a\n",
	} {
		assert.Equal(t, want, Code(in), "%q", in)
	}
}
