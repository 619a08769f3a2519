package inventory

import (
	"bytes"
	"encoding/json"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPyLiteral(t *testing.T) {
	big1, _ := new(big.Int).SetString("12345678901234567890", 10)
	tests := []struct {
		in   string
		want any // nil with ok false: kept as text
		ok   bool
	}{
		{"1", 1, true},
		{" \t-3", -3, true},
		{"+5", 5, true},
		{"-(1)", -1, true},
		{"--1", nil, false},
		{"-True", nil, false},
		{"0x1F", 31, true},
		{"0o17", 15, true},
		{"0b101", 5, true},
		{"1_000", 1000, true},
		{"07", nil, false},
		{"00", 0, true},
		{"1e3", 1000.0, true},
		{".5", 0.5, true},
		{"1.", 1.0, true},
		{"1e400", math.Inf(1), true},
		{"12345678901234567890", big1, true},
		{"1j", nil, false},
		{"1+2j", nil, false},
		{"True", true, true},
		{"None", nil, true},
		{"true", nil, false},
		{`"a b"`, "a b", true},
		{`'it''s'`, "its", true},
		{`'a' "b"`, "ab", true},
		{`'\x41\u00e9\101\n'`, "Aé" + "A\n", true},
		{`'\q'`, `\q`, true},
		{`r'\n'`, `\n`, true},
		{`b'x'`, "x", true},
		{`b'x' 'y'`, nil, false},
		{`f'x'`, nil, false},
		{`'''tri'''`, "tri", true},
		{"[1, 'a', None]", []any{1, "a", nil}, true},
		{"(1, 2)", []any{1, 2}, true},
		{"1, 2", []any{1, 2}, true},
		{"(1,)", []any{1}, true},
		{"()", []any{}, true},
		{"[]", []any{}, true},
		{"{}", map[string]any{}, true},
		{"{'a': [1, (2, 3)]}", map[string]any{"a": []any{1, []any{2, 3}}}, true},
		{"{1: 'a', True: 'b', 1.5: 'c', None: 'd'}", map[string]any{"1": "b", "1.5": "c", "null": "d"}, true},
		{"{1, 2}", nil, false},
		{"{(1, 2): 3}", nil, false},
		{"1 # comment", 1, true},
		{"hello # not a comment", nil, false},
		{"{{ x }}", nil, false},
		{"a=b", nil, false},
		{"", nil, false},
		{"[1,,2]", nil, false},
		{"[1, 2", nil, false},
		{`'\N{BULLET}'`, nil, false},
		{strings.Repeat("[", 300) + strings.Repeat("]", 300), nil, false},
	}
	for _, tt := range tests {
		n := 0
		got, ok := pyLiteral(tt.in, &n)
		assert.Equal(t, tt.ok, ok, tt.in)
		if ok {
			assert.True(t, sameValue(tt.want, got), "%s: want %#v, got %#v", tt.in, tt.want, got)
		}
	}
}

// pythonOracle runs a Python snippet reading JSON strings on stdin and
// writing JSON results; it skips without python3, except under CI=true.
func pythonOracle(t *testing.T, script string, inputs []string) []json.RawMessage {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3 is not installed (ansible-core needs it in CI): %v", err)
		}
		t.Skipf("python3 is not installed: %v", err)
	}
	in, err := json.Marshal(inputs)
	require.NoError(t, err)
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	require.NoError(t, err)
	var res []json.RawMessage
	require.NoError(t, json.Unmarshal(out, &res))
	require.Len(t, res, len(inputs))
	return res
}

// literalOracle is Ansible's _parse_value, with what cannot be a
// variable (or is not supported here) marked "unsupported".
const literalOracle = `
import ast, json, sys
def conv(v, top=False):
    if isinstance(v, bool) or v is None or isinstance(v, (int, float)):
        return v
    if isinstance(v, bytes) and top:
        v = v.decode('utf-8')
    if isinstance(v, str):
        v.encode('utf-8')
        return v
    if isinstance(v, (list, tuple)):
        return [conv(x) for x in v]
    if isinstance(v, dict):
        for k in v:
            if not isinstance(k, (str, int, float, bool)) and k is not None:
                raise TypeError
        return {json.loads(json.dumps({k: 0})).popitem()[0] if not isinstance(k, str) else k: conv(x) for k, x in v.items()}
    raise TypeError
out = []
for s in json.load(sys.stdin):
    try:
        v = ast.literal_eval(s.lstrip(" \t"))
    except (ValueError, SyntaxError):
        out.append({"text": True}); continue
    except Exception:
        out.append({"unsupported": True}); continue
    try:
        out.append({"value": conv(v, True)})
    except Exception:
        out.append({"unsupported": True})
print(json.dumps(out))
`

// literalInputs builds INI-like values from a small grammar of Python
// tokens, deterministically.
func literalInputs(n int) []string {
	toks := []string{"1", "-", "+", "0", "07", "0x1f", "1_0", "1.5", ".5", "1e3", "1j", "True", "None", "abc",
		"'a'", `"b c"`, `'\x41'`, `'\n'`, `b'z'`, `r'\d'`, `'''t'''`, "(", ")", "[", "]", "{", "}", ",", ":", " ", "#", "=", "'", `"`}
	r := rand.New(rand.NewPCG(23, 42))
	out := make([]string, n)
	for i := range out {
		var b strings.Builder
		for k := r.IntN(8) + 1; k > 0; k-- {
			b.WriteString(toks[r.IntN(len(toks))])
		}
		out[i] = b.String()
	}
	return out
}

// literalValues builds valid Python literals, some then cut short.
func literalValues(n int) []string {
	r := rand.New(rand.NewPCG(5, 6))
	atoms := []string{"0", "-1", "+2", "0x_ff", "0o7", "0b1_0", "1_000", "3.25", "-.5", "1e-3", "1E+2", "12345678901234567890123",
		"True", "False", "None", "'s'", `"d q"`, `'\t\x41'`, `u'u'`, `R'\d'`, `b'b'`, `"a" 'b'`, `''`, "-(3)", "(4)"}
	var gen func(depth int) string
	gen = func(depth int) string {
		sp := []string{"", " ", "  "}[r.IntN(3)]
		if depth > 3 || r.IntN(3) == 0 {
			return atoms[r.IntN(len(atoms))]
		}
		var items []string
		for k := r.IntN(4); k > 0; k-- {
			if r.IntN(2) == 0 && depth > 0 {
				items = append(items, atoms[r.IntN(len(atoms))]+":"+sp+gen(depth+1))
			} else {
				items = append(items, gen(depth+1))
			}
		}
		body := strings.Join(items, ","+sp)
		if r.IntN(4) == 0 {
			body += ","
		}
		switch r.IntN(3) {
		case 0:
			return "[" + body + "]"
		case 1:
			return "(" + body + ")"
		}
		return "{" + body + "}"
	}
	out := make([]string, n)
	for i := range out {
		out[i] = gen(0)
		if r.IntN(5) == 0 && len(out[i]) > 1 {
			out[i] = out[i][:r.IntN(len(out[i]))]
		}
	}
	return out
}

// TestPyLiteralAgainstPython compares pyLiteral with Python's own
// ast.literal_eval on thousands of generated values.
func TestPyLiteralAgainstPython(t *testing.T) {
	inputs := append(append(literalInputs(4000), literalValues(3000)...), "{1: 2, True: 3}", "{0.5: 1, 1e20: 2, 1e-5: 3, -0.0: 4}", "0o777777777777777777777777", "-(((1)))")
	res := pythonOracle(t, literalOracle, inputs)
	for i, in := range inputs {
		var r struct {
			Text, Unsupported bool
			Value             json.RawMessage
		}
		require.NoError(t, json.Unmarshal(res[i], &r))
		n := 0
		got, ok := pyLiteral(in, &n)
		switch {
		case r.Unsupported:
			assert.False(t, ok, "%q: Python gives a value no variable holds; we give %#v", in, got)
		case r.Text:
			assert.False(t, ok, "%q: Python refuses it; we give %#v", in, got)
		default:
			jp := &jsonParser{data: string(r.Value)}
			want, err := jp.parse()
			require.NoError(t, err)
			if assert.True(t, ok, "%q: Python gives %s", in, r.Value) {
				assert.True(t, sameValue(want, got), "%q: Python gives %s, we give %#v", in, r.Value, got)
			}
		}
	}
}

func TestShlexSplit(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  bool
	}{
		{"a b\tc", []string{"a", "b", "c"}, false},
		{`a="x y" b='p q'`, []string{"a=x y", "b=p q"}, false},
		{`a="x\"y\z"`, []string{`a=x"y\z`}, false},
		{`a='x\y'`, []string{`a=x\y`}, false},
		{`a\ b c`, []string{"a b", "c"}, false},
		{"a#b c", []string{"a"}, false},
		{"a '#b' # c", []string{"a", "#b"}, false},
		{`''`, []string{""}, false},
		{`a "open`, nil, true},
		{`a \`, nil, true},
	}
	for _, tt := range tests {
		got, err := shlexSplit(tt.in)
		if tt.err {
			assert.Error(t, err, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		var texts []string
		for _, tok := range got {
			texts = append(texts, tok.text)
		}
		assert.Equal(t, tt.want, texts, tt.in)
	}
}

// TestShlexAgainstPython compares shlexSplit with Python's shlex.split.
func TestShlexAgainstPython(t *testing.T) {
	toks := []string{"a", "=", " ", "\t", "'", `"`, `\`, "#", "x y", "é", `\"`, `\'`, "b=1"}
	r := rand.New(rand.NewPCG(7, 9))
	inputs := make([]string, 3000)
	for i := range inputs {
		var b strings.Builder
		for k := r.IntN(8) + 1; k > 0; k-- {
			b.WriteString(toks[r.IntN(len(toks))])
		}
		inputs[i] = b.String()
	}
	res := pythonOracle(t, `
import json, shlex, sys
out = []
for s in json.load(sys.stdin):
    try:
        out.append(shlex.split(s, comments=True))
    except ValueError:
        out.append(None)
print(json.dumps(out))
`, inputs)
	for i, in := range inputs {
		var want []string
		require.NoError(t, json.Unmarshal(res[i], &want))
		got, err := shlexSplit(in)
		if want == nil && string(res[i]) == "null" {
			assert.Error(t, err, "%q", in)
			continue
		}
		require.NoError(t, err, "%q", in)
		texts := []string{}
		for _, tok := range got {
			texts = append(texts, tok.text)
		}
		assert.Equal(t, want, texts, "%q", in)
	}
}
