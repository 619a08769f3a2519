package report_test

import (
	"bytes"
	"flag"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/report"
)

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in      string
		want    report.Format
		wantErr bool
	}{
		{"text", report.Text, false},
		{"json", report.JSON, false},
		{"junit", report.JUnit, false},
		{" JSON ", report.JSON, false},
		{"JUnit", report.JUnit, false},
		{"xml", 0, true},
		{"", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := report.ParseFormat(tt.in)
			if tt.wantErr {
				assert.ErrorIs(t, err, report.ErrUnknownFormat)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, strings.ToLower(strings.TrimSpace(tt.in)), got.String())
		})
	}
	for _, name := range report.Formats() {
		f, err := report.ParseFormat(name)
		require.NoError(t, err)
		assert.Equal(t, name, f.String())
	}
	assert.Equal(t, "format(0)", report.Format(0).String())
	_, err := report.Format(9).MarshalText()
	assert.ErrorIs(t, err, report.ErrUnknownFormat)
}

func TestFormatFlag(t *testing.T) {
	fs := flag.NewFlagSet("calyptos", flag.ContinueOnError)
	fs.SetOutput(&bytes.Buffer{})
	var f report.Format
	fs.TextVar(&f, "o", report.Text, "output format")
	require.NoError(t, fs.Parse([]string{"-o", "junit"}))
	assert.Equal(t, report.JUnit, f)
	assert.ErrorContains(t, fs.Parse([]string{"-o", "yaml"}), "unknown report format \"yaml\"")
}

func TestWriteDispatch(t *testing.T) {
	rep := sampleReport(calyptos.KindDebug)
	for _, f := range []report.Format{report.Text, report.JSON, report.JUnit} {
		t.Run(f.String(), func(t *testing.T) {
			var got, want bytes.Buffer
			opts := report.Options{Verbose: true, Strict: true}
			require.NoError(t, report.Write(&got, rep, f, opts))
			switch f {
			case report.Text:
				require.NoError(t, report.WriteText(&want, rep, opts))
			case report.JSON:
				require.NoError(t, report.WriteJSON(&want, rep))
			case report.JUnit:
				require.NoError(t, report.WriteJUnit(&want, rep, opts))
			}
			assert.Equal(t, want.String(), got.String())
			assert.NotZero(t, got.Len())
		})
	}
	assert.ErrorIs(t, report.Write(&bytes.Buffer{}, rep, report.Format(0), report.Options{}), report.ErrUnknownFormat)
	for _, f := range []report.Format{report.Text, report.JSON, report.JUnit} {
		assert.ErrorIs(t, report.Write(&bytes.Buffer{}, nil, f, report.Options{}), report.ErrNilReport)
	}
}
