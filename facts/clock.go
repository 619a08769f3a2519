package facts

import (
	"fmt"
	"strings"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/textparse"
)

// ClockCommand prints the host's clock in seconds since the epoch.
const ClockCommand = "date -u +%s.%N"

// Clock is the host's clock when it ran the command. Compare it with the
// FactResult's Sent and Elapsed: the command ran within that window.
func Clock() *calyptos.Fact[time.Time] {
	return &calyptos.Fact[time.Time]{Name: "clock", Command: ClockCommand,
		Parse: func(o calyptos.Output) (time.Time, error) { return parseClock(o.Stdout) }}
}

// parseClock reads `date -u +%s.%N`: seconds since the epoch with an
// optional fraction. Where date does not know %N the fraction is "N" or
// "%N" and is ignored.
func parseClock(out string) (time.Time, error) {
	s := strings.TrimSpace(out)
	sec, frac, _ := strings.Cut(s, ".")
	n, ok := textparse.Atoi(sec)
	if !ok {
		return time.Time{}, fmt.Errorf("clock: %q is not a time in seconds: %w", textparse.FirstLine(s), ErrNoData)
	}
	var ns int64
	if textparse.IsDigits(frac) {
		if len(frac) > 9 {
			frac = frac[:9]
		}
		ns, _ = textparse.Atoi(frac + strings.Repeat("0", 9-len(frac)))
	}
	return time.Unix(n, ns).UTC(), nil
}
