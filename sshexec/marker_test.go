package sshexec

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMarkerFilter(t *testing.T) {
	m := shMarker + "\n"
	tests := []struct {
		name, in, out, said string
		started             bool
	}{
		{"marker only", m, "", "", true},
		{"command stderr", m + "err\n", "err\n", "", true},
		{"rc output kept", "banner\n" + m + "err\n", "banner\nerr\n", "banner\n", true},
		{"second marker is the command's", m + m, m, "", true},
		{"no marker", "This account is currently not available.\n", "This account is currently not available.\n", "This account is currently not available.\n", false},
		{"start of a marker at the end", "x" + m[:10], "x" + m[:10], "x" + m[:10], false},
		{"marker without its newline", "x" + shMarker, "x" + shMarker, "x" + shMarker, false},
		{"long rc output: said is its end", strings.Repeat("a", 1000) + "end\n" + m, strings.Repeat("a", 1000) + "end\n", strings.Repeat("a", saidMax-4) + "end\n", true},
		{"empty", "", "", "", false},
	}
	for _, tt := range tests {
		for _, chunk := range []int{1, 3, 7, 4096} {
			var got bytes.Buffer
			f := newMarkerFilter(&got)
			for p := tt.in; p != ""; {
				n := min(chunk, len(p))
				k, err := f.Write([]byte(p[:n]))
				require.NoError(t, err)
				require.Equal(t, n, k)
				p = p[n:]
			}
			assert.Equal(t, tt.started, f.end(), "%s/%d", tt.name, chunk)
			assert.Equal(t, tt.out, got.String(), "%s/%d", tt.name, chunk)
			assert.Equal(t, tt.said, string(f.said), "%s/%d", tt.name, chunk)
			assert.Equal(t, tt.started, f.started.Load(), "%s/%d", tt.name, chunk)
		}
	}
}

// The filter reads through its own small buffer until the marker, then
// lets a capBuffer read the rest itself.
func TestMarkerFilterReadFrom(t *testing.T) {
	in := "rc\n" + shMarker + "\n" + strings.Repeat("command stderr ", 10000)
	cb := &capBuffer{max: 1 << 20}
	f := newMarkerFilter(cb)
	n, err := f.ReadFrom(iotest.OneByteReader(strings.NewReader(in)))
	require.NoError(t, err)
	assert.Equal(t, int64(len(in)), n)
	assert.True(t, f.end())
	assert.Equal(t, strings.Replace(in, shMarker+"\n", "", 1), cb.String())
	assert.Equal(t, "rc\n", string(f.said))
}

func TestHeadRecorder(t *testing.T) {
	in := strings.Repeat("0123456789", 100)
	for _, w := range []io.Writer{&capBuffer{max: 1 << 20}, &bytes.Buffer{}} {
		h := &headRecorder{w: w}
		n, err := h.ReadFrom(iotest.HalfReader(strings.NewReader(in)))
		require.NoError(t, err)
		assert.Equal(t, int64(len(in)), n)
		assert.Equal(t, in[:saidMax], string(h.head))
		assert.Equal(t, in, w.(interface{ String() string }).String())
	}
}

// FuzzMarkerFilter: whatever the host writes, and however it is cut, the
// filter passes it on without the first marker, knows whether there was
// one, and keeps at most saidMax bytes of what came before.
func FuzzMarkerFilter(f *testing.F) {
	m := shMarker + "\n"
	for _, s := range []string{"", m, "a" + m + "b", m[:5] + m, m + m, "x" + shMarker, strings.Repeat(m[:3], 50)} {
		f.Add(s, uint8(1))
		f.Add(s, uint8(5))
	}
	f.Fuzz(func(t *testing.T, in string, chunk uint8) {
		step := int(chunk%64) + 1
		var got bytes.Buffer
		fl := newMarkerFilter(&got)
		for p := in; p != ""; {
			n := min(step, len(p))
			_, err := fl.Write([]byte(p[:n]))
			require.NoError(t, err)
			p = p[n:]
		}
		started := fl.end()
		i := strings.Index(in, m)
		assert.Equal(t, i >= 0, started)
		want, before := in, in
		if i >= 0 {
			want, before = in[:i]+in[i+len(m):], in[:i]
		}
		assert.Equal(t, want, got.String())
		assert.Equal(t, before[len(before)-min(len(before), saidMax):], string(fl.said))
	})
}
