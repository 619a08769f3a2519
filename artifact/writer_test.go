package artifact_test

import (
	"bytes"
	"io"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/org/calyptos/artifact"
	"github.com/org/calyptos/redact"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// foldRedacter replaces its secrets whatever their case, as the run's
// Redactor does.
type foldRedacter struct{ re *regexp.Regexp }

func newFold(secrets ...string) foldRedacter {
	q := make([]string, len(secrets))
	for i, s := range secrets {
		q[i] = regexp.QuoteMeta(s)
	}
	return foldRedacter{regexp.MustCompile("(?i)" + strings.Join(q, "|"))}
}

func (f foldRedacter) Redact(s string) string {
	return f.re.ReplaceAllLiteralString(s, redact.Redacted)
}

// redactStream writes text to a Writer in pieces of the given size.
func redactStream(t *testing.T, r artifact.Redacter, text string, piece int) string {
	t.Helper()
	var out bytes.Buffer
	w := artifact.NewWriter(&out, r)
	for s := text; len(s) > 0; {
		n := min(piece, len(s))
		k, err := w.Write([]byte(s[:n]))
		require.NoError(t, err)
		require.Equal(t, n, k)
		s = s[n:]
	}
	require.NoError(t, w.Close())
	return out.String()
}

// TestWriterSecretAcrossBoundaries puts a secret across every place the
// stream can be cut: the end of a write, the end of Writer's window, the
// place it would like to cut. Each copy is replaced, and the result is
// what redacting the whole text at once gives.
func TestWriterSecretAcrossBoundaries(t *testing.T) {
	const secret = "Hunter2-Pa55w0rd"
	r := redact.NewRedactor(secret)
	window := 5 * artifact.MaxSecretLen
	target := window - artifact.MaxSecretLen
	for _, at := range []int{target - 1, target - len(secret)/2, window - 3, 2*target - 5, 3*target + 1, 4096 - 4} {
		for _, piece := range []int{1, 7, 4096, 1 << 20} {
			if piece == 1 && at != target-1 {
				continue // slow and adds nothing
			}
			text := []byte(strings.Repeat("log line without it\n", (3*window)/20))
			copy(text[at:], secret)
			got := redactStream(t, r, string(text), piece)
			assert.NotContains(t, got, secret, "at %d, pieces of %d", at, piece)
			assert.Equal(t, r.Redact(string(text)), got, "at %d, pieces of %d", at, piece)
		}
	}
}

// TestWriterDenseSecrets: a window made of secrets back to back, with and
// without separators, still has a safe cut (between two of them).
func TestWriterDenseSecrets(t *testing.T) {
	for _, sep := range []string{"", " ", "\n"} {
		r := redact.NewRedactor("s3cr3t-value")
		text := strings.Repeat("s3cr3t-value"+sep, 40000)
		got := redactStream(t, r, text, 1000)
		assert.Equal(t, r.Redact(text), got, "separator %q", sep)
	}
}

// TestWriterCaseInsensitive: the Writer replaces what its Redacter
// replaces, here a secret in any case.
func TestWriterCaseInsensitive(t *testing.T) {
	r := newFold("Hunter2-Pa55w0rd")
	text := strings.Repeat("x", 5*artifact.MaxSecretLen-artifact.MaxSecretLen-4) + "HUNTER2-PA55W0RD and hunter2-pa55w0rd\n"
	got := redactStream(t, r, text, 333)
	assert.NotContains(t, strings.ToLower(got), "hunter2")
	assert.Equal(t, 2, strings.Count(got, redact.Redacted))
}

// TestWriterRandom compares streaming with redacting at once on random
// texts with secrets of random lengths at random places.
func TestWriterRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 8 {
		var secrets []string
		for range 3 {
			n := 3 + rng.IntN(200)
			if rng.IntN(4) == 0 {
				n = 1000 + rng.IntN(artifact.MaxSecretLen-1000)
			}
			b := make([]byte, n)
			for i := range b {
				b[i] = byte('A' + rng.IntN(26))
			}
			secrets = append(secrets, string(b))
		}
		r := redact.NewRedactor(secrets...)
		var text strings.Builder
		for text.Len() < 400<<10 {
			if rng.IntN(50) == 0 {
				text.WriteString(secrets[rng.IntN(len(secrets))])
			} else {
				text.WriteString("some text, 0123456789\n")
			}
		}
		got := redactStream(t, r, text.String(), 1+rng.IntN(100000))
		require.Equal(t, r.Redact(text.String()), got)
	}
}

func TestWriterRedacted(t *testing.T) {
	r := redact.NewRedactor("s3cr3t")
	w := artifact.NewWriter(io.Discard, r)
	_, _ = w.Write([]byte("nothing here"))
	require.NoError(t, w.Close())
	assert.False(t, w.Redacted())
	w = artifact.NewWriter(io.Discard, r)
	_, _ = w.Write([]byte("pw=s3cr3t"))
	require.NoError(t, w.Close())
	assert.True(t, w.Redacted())
}

func FuzzWriter(f *testing.F) {
	f.Add([]byte("a secret here"), 3)
	f.Add(bytes.Repeat([]byte("secret "), 30000), 1000)
	f.Fuzz(func(t *testing.T, text []byte, piece int) {
		piece = 1 + (piece&0xffff)%70000
		r := redact.NewRedactor("secret")
		var out bytes.Buffer
		w := artifact.NewWriter(&out, r)
		for s := text; len(s) > 0; {
			n := min(piece, len(s))
			if _, err := w.Write(s[:n]); err != nil {
				return // ErrNoSafeCut: nothing passed on is a safe answer
			}
			s = s[n:]
		}
		if w.Close() != nil {
			return
		}
		if out.String() != r.Redact(string(text)) {
			t.Fatalf("streamed redaction differs from whole redaction")
		}
	})
}
