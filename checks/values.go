package checks

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// This file reads the values of thresholds and settings: sizes,
// percentages, durations and file modes.

// sizeUnits are the units a size may end with: binary (K, KiB, ...) as
// df -h and free -h print them, and decimal (KB, MB, ...) as disks are
// sold.
var sizeUnits = []struct {
	suffix string
	mult   float64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
	{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40},
	{"B", 1},
}

// parseSize reads a size in bytes: "10GiB", "512M", "1.5G", "2TB", or a
// plain number of bytes.
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	num, mult := s, 1.0
	for _, u := range sizeUnits {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			num, mult = strings.TrimSpace(n), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || num == "" || strings.ContainsAny(num, "eEnNxX") || f < 0 || math.IsInf(f*mult, 0) || f*mult >= math.MaxInt64 {
		return 0, fmt.Errorf("%q is not a size (examples: 10GiB, 512M, 2TB, 1048576)", s)
	}
	return int64(f * mult), nil
}

// parsePercent reads "80%" or 80: a percentage from 0 to 100.
func parsePercent(s string) (float64, error) {
	s = strings.TrimSpace(s)
	f, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, "%")), 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > 100 {
		return 0, fmt.Errorf("%q is not a percentage from 0 to 100 (example: 80%%)", s)
	}
	return f, nil
}

// maxDuration bounds every duration of the file: a command or probe that
// takes longer than an hour is a mistake.
const maxDuration = time.Hour

// parseDuration reads a duration: "5s", "1m30s", or a whole number of
// milliseconds, as goss writes timeouts.
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 || n > int64(maxDuration/time.Millisecond) {
			return 0, fmt.Errorf("%s milliseconds is out of range (0 to %v)", s, maxDuration)
		}
		d = time.Duration(n) * time.Millisecond
	} else {
		d, err = time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration (examples: 5s, 1m30s, or milliseconds: 500)", s)
		}
	}
	if d <= 0 || d > maxDuration {
		return 0, fmt.Errorf("%q is out of range (more than 0, at most %v)", s, maxDuration)
	}
	return d, nil
}

// parseMode reads a file mode as goss writes it, "0644" or "644" (and
// "4755" with the special bits), and returns it as four octal digits.
func parseMode(s string) (string, error) {
	t := strings.TrimSpace(s)
	if len(t) == 5 && t[0] == '0' {
		t = t[1:]
	}
	if len(t) < 3 || len(t) > 4 || strings.Trim(t, "01234567") != "" {
		return "", fmt.Errorf("%q is not a file mode: three or four octal digits, quoted (\"0644\")", s)
	}
	return normMode(t), nil
}

// normMode pads an octal mode to four digits ("644" → "0644").
func normMode(m string) string {
	for len(m) < 4 {
		m = "0" + m
	}
	return m
}
