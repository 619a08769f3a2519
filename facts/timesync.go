package facts

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/org/calyptos"
)

// TimeSyncCommand asks chronyd, then ntpd, how far the clock is from NTP
// time.
const TimeSyncCommand = "chronyc -n tracking 2>/dev/null || ntpq -pn 2>/dev/null"

// NTPSync is what the host's NTP daemon (chronyd or ntpd) says about its
// clock. Neither tool answering is a parse error wrapping ErrNoData.
func NTPSync() *calyptos.Fact[TimeSync] {
	return &calyptos.Fact[TimeSync]{Name: "timesync", Command: TimeSyncCommand,
		Parse: func(o calyptos.Output) (TimeSync, error) { return parseTimeSync(o.Stdout) }}
}

// TimeSync is what chronyc or ntpq says about the local clock.
type TimeSync struct {
	Source string // "chrony" or "ntpd"
	Synced bool
	// Offset is the local clock's offset from NTP time (positive: ahead),
	// when Synced.
	Offset time.Duration
}

// parseTimeSync reads `chronyc -n tracking` ("System time : 0.000012733
// seconds slow of NTP time", "Leap status : Normal") or `ntpq -pn` (the
// offset column, in milliseconds, of the peer marked '*').
func parseTimeSync(out string) (TimeSync, error) {
	if strings.Contains(out, "System time") || strings.Contains(out, "Leap status") {
		ts := TimeSync{Source: "chrony", Synced: true}
		found := false
		for line := range strings.Lines(out) {
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			switch strings.TrimSpace(k) {
			case "System time":
				f := strings.Fields(v)
				if len(f) < 3 {
					continue
				}
				sec, err := strconv.ParseFloat(f[0], 64)
				if err != nil || sec < 0 || sec > 1e9 {
					continue
				}
				d := time.Duration(sec * float64(time.Second))
				if f[2] == "slow" {
					d = -d
				}
				ts.Offset, found = d, true
			case "Leap status":
				if strings.TrimSpace(v) == "Not synchronised" {
					ts.Synced = false
				}
			}
		}
		if !found {
			ts.Synced = false
		}
		return ts, nil
	}
	if strings.Contains(out, "remote") && strings.Contains(out, "offset") {
		ts := TimeSync{Source: "ntpd"}
		for line := range strings.Lines(out) {
			if !strings.HasPrefix(line, "*") {
				continue
			}
			f := strings.Fields(line)
			if len(f) < 10 {
				continue
			}
			ms, err := strconv.ParseFloat(f[8], 64)
			if err != nil || ms < -1e12 || ms > 1e12 {
				continue
			}
			ts.Synced, ts.Offset = true, time.Duration(ms*float64(time.Millisecond))
			break
		}
		return ts, nil
	}
	return TimeSync{}, fmt.Errorf("time sync: %w", ErrNoData)
}
