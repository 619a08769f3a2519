package inventory

import (
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// This file reads a host pattern of an inventory as Ansible does
// (ansible/parsing/utils/addresses.py and expand_hostname_range in
// ansible/plugins/inventory/__init__.py): an optional port, then
// [begin:end(:step)] ranges expanded into host names.

const (
	numericRange  = `\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]`
	hexRange      = `\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]`
	alnumRange    = `\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`
	ipv6Component = `(?:[0-9a-f]{1,4}|` + hexRange + `)`
	ipv4Component = `(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|` + numericRange + `)`
)

// addressPatterns are Ansible's (addressRE holds them compiled).
// Python's ipv6 expression is "^a|b|...|z$": its '^' and '$' bind to the
// first and last alternatives only, which re.match then anchors at the
// start; the Go expression keeps that.
type addressPatterns struct {
	bracketedHostPort, hostPort, ipv4, ipv6, label *regexp.Regexp
}

func newAddressPatterns() *addressPatterns {
	c := ipv6Component
	v6 := []string{
		`(?:` + c + `:){7}` + c,
		`(?:` + c + `:){1,6}:`,
		`(?:` + c + `:)(?::` + c + `){1,6}`,
		`(?:` + c + `:){2}(?::` + c + `){1,5}`,
		`(?:` + c + `:){3}(?::` + c + `){1,4}`,
		`(?:` + c + `:){4}(?::` + c + `){1,3}`,
		`(?:` + c + `:){5}(?::` + c + `){1,2}`,
		`(?:` + c + `:){6}(?::` + c + `)`,
		`:(?::` + c + `){1,6}`,
		c + `?::`,
		`(?:0:){6}(?:` + c + `\.){3}` + c,
		`::(?:ffff:)?(?:` + c + `\.){3}` + c,
		`(?:(?:0:){5}ffff:(?:` + c + `\.){3}` + c + `)$`,
	}
	return &addressPatterns{
		bracketedHostPort: regexp.MustCompile(`^\[(.+)\]:([0-9]+)$`),
		hostPort:          regexp.MustCompile(`^((?:[^:\[\]]|\[[^\]]*\])*):([0-9]+)$`),
		ipv4:              regexp.MustCompile(`(?i)^(?:` + ipv4Component + `\.){3}` + ipv4Component + `$`),
		ipv6:              regexp.MustCompile(`(?i)^(?:` + strings.Join(v6, "|") + `)`),
		label:             regexp.MustCompile(`(?i)^(?:[\p{L}\p{N}_]|` + alnumRange + `)(?:[\p{L}\p{N}_-]|` + alnumRange + `)*$`),
	}
}

// parseAddress is Ansible's parse_address with ranges allowed: it splits a
// port off and reports whether what is left is an IPv4 or IPv6 address or
// a host name, each possibly with ranges. port is "" when there is none.
func (a *addressPatterns) parseAddress(s string) (host, port string, ok bool) {
	// Python's loop goes on to the second form after the first matched.
	if m := a.bracketedHostPort.FindStringSubmatch(s); m != nil {
		s, port = m[1], m[2]
	}
	if m := a.hostPort.FindStringSubmatch(s); m != nil {
		s, port = m[1], m[2]
	}
	return s, port, a.ipv4.MatchString(s) || a.ipv6.MatchString(s) || a.hostname(s)
}

// hostname is Ansible's hostname expression: dot-separated labels of word
// characters, '-' and ranges, not ending in '-' or '_'.
func (a *addressPatterns) hostname(s string) bool {
	for _, l := range strings.Split(s, ".") {
		if !a.label.MatchString(l) || strings.HasSuffix(l, "-") || strings.HasSuffix(l, "_") {
			return false
		}
	}
	return true
}

// expandPattern splits a host pattern into its host names and port, as
// _expand_hostpattern does: a pattern Ansible cannot read as an address
// is taken whole, without a port. Ranges are counted before they are
// expanded, and refused when they would pass limit hosts.
func (a *addressPatterns) expandPattern(pattern string, limit int) (hosts []string, port string, err error) {
	host, port, ok := a.parseAddress(pattern)
	if !ok {
		host, port = pattern, ""
	}
	if !strings.Contains(host, "[") {
		return []string{host}, port, nil
	}
	n, err := countRange(host, limit)
	if err != nil {
		return nil, "", err
	}
	if n > int64(limit) {
		return nil, "", fmt.Errorf("%w: the ranges of %q stand for more than the %d hosts the inventory may still hold", errTooMany, host, limit)
	}
	hosts, err = expandRange(host, make([]string, 0, n))
	return hosts, port, err
}

// errTooMany is the cause of a refusal for passing the host bound.
var errTooMany = errors.New("too many hosts")

// asciiLetters is Python's string.ascii_letters: alphabetic ranges run
// in this order, so [y:B] is y z A B.
const asciiLetters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// hostRange is one [begin:end:step] of a pattern.
type hostRange struct {
	head, tail string
	letters    string   // an alphabetic range: the letters, in order
	beg, step  *big.Int // a numeric range
	n          int64    // how many values; capped at limit+1
	width      int      // zero-padding width, 0 for none
}

// parseRange reads the first [..] of line, as expand_hostname_range does
// (first '[' and first ']', whatever their order).
func parseRange(line string, limit int) (*hostRange, error) {
	s := strings.Replace(strings.Replace(line, "[", "|", 1), "]", "|", 1)
	parts := strings.Split(s, "|")
	if len(parts) != 3 {
		return nil, fmt.Errorf("host range in %q: expected one [begin:end] or [begin:end:step]", line)
	}
	r := &hostRange{head: parts[0], tail: parts[2]}
	bounds := strings.Split(parts[1], ":")
	if len(bounds) != 2 && len(bounds) != 3 {
		return nil, fmt.Errorf("host range [%s] must be begin:end or begin:end:step", parts[1])
	}
	beg, end, step := bounds[0], bounds[1], "1"
	if len(bounds) == 3 {
		step = bounds[2]
	}
	if beg == "" {
		beg = "0"
	}
	if end == "" {
		return nil, fmt.Errorf("host range [%s] must specify an end value", parts[1])
	}
	if beg[0] == '0' && len(beg) > 1 {
		if len(beg) != len(end) {
			return nil, fmt.Errorf("host range [%s] must have begin and end of the same length (zero padding)", parts[1])
		}
		r.width = len(beg)
	}
	ib, ie := strings.Index(asciiLetters, beg), strings.Index(asciiLetters, end)
	if ib >= 0 && ie >= 0 {
		if ib > ie {
			return nil, fmt.Errorf("host range [%s] must have begin <= end", parts[1])
		}
		st, err := pyInt(step)
		if err != nil || st.Sign() == 0 || !st.IsInt64() {
			return nil, fmt.Errorf("host range [%s]: step %q is not a non-zero integer", parts[1], step)
		}
		r.letters = pySlice(asciiLetters, ib, ie+1, int(st.Int64()))
		r.n = int64(len(r.letters))
		return r, nil
	}
	return r, r.numeric(parts[1], beg, end, step, limit)
}

// numeric reads a numeric range, counting its values as len(range()).
func (r *hostRange) numeric(text, beg, end, step string, limit int) error {
	b, err1 := pyInt(beg)
	e, err2 := pyInt(end)
	s, err3 := pyInt(step)
	if err := errors.Join(err1, err2, err3); err != nil {
		return fmt.Errorf("host range [%s]: %w", text, err)
	}
	if s.Sign() == 0 {
		return fmt.Errorf("host range [%s]: the step must not be zero", text)
	}
	stop := new(big.Int).Add(e, big.NewInt(1))
	// len(range(b, stop, s)) = ceil((stop-b)/s) when positive.
	d := new(big.Int).Sub(stop, b)
	if d.Sign() != s.Sign() {
		r.n = 0
	} else {
		q, m := new(big.Int).QuoRem(d, s, new(big.Int))
		if m.Sign() != 0 {
			q.Add(q, big.NewInt(1))
		}
		r.n = int64(limit) + 1
		if q.IsInt64() && q.Int64() <= int64(limit) {
			r.n = q.Int64()
		}
	}
	r.beg, r.step = b, s
	return nil
}

// countRange returns how many hosts line stands for, refusing any count
// past limit before anything is expanded. As in Ansible, the ranges after
// an empty one are not read.
func countRange(line string, limit int) (int64, error) {
	total := int64(1)
	for strings.Contains(line, "[") {
		r, err := parseRange(line, limit)
		if err != nil {
			return 0, err
		}
		if r.n == 0 {
			return 0, nil
		}
		total *= r.n
		if total > int64(limit) {
			return int64(limit) + 1, nil
		}
		line = r.head + r.value(0) + r.tail
	}
	return total, nil
}

// value returns the i-th value of the range.
func (r *hostRange) value(i int64) string {
	if r.letters != "" {
		return r.letters[i : i+1]
	}
	x := new(big.Int).Mul(r.step, big.NewInt(i))
	return pyZfill(x.Add(x, r.beg).String(), r.width)
}

// expandRange appends to out the host names line stands for, in Ansible's
// order. countRange has bounded their number.
func expandRange(line string, out []string) ([]string, error) {
	r, err := parseRange(line, maxHosts)
	if err != nil {
		return nil, err
	}
	for i := int64(0); i < r.n; i++ {
		name := r.head + r.value(i) + r.tail
		if !strings.Contains(name, "[") {
			out = append(out, name)
			continue
		}
		if out, err = expandRange(name, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// pyInt is Python's int(s) for a decimal string: surrounding white space,
// a sign and '_' between digits are allowed.
func pyInt(s string) (*big.Int, error) {
	t := strings.TrimSpace(s)
	digits := strings.TrimLeft(t, "+-")
	if len(t)-len(digits) > 1 || digits == "" || strings.HasPrefix(digits, "_") || strings.HasSuffix(digits, "_") ||
		strings.Contains(digits, "__") || len(digits) > maxPyDigits {
		return nil, fmt.Errorf("%q is not an integer", s)
	}
	for _, c := range digits {
		if c != '_' && !unicode.IsDigit(c) {
			return nil, fmt.Errorf("%q is not an integer", s)
		}
	}
	v, ok := new(big.Int).SetString(strings.ReplaceAll(t, "_", ""), 10)
	if !ok {
		return nil, fmt.Errorf("%q is not an integer", s)
	}
	return v, nil
}

// pyZfill is Python's str.zfill: zeros after the sign up to width.
func pyZfill(s string, width int) string {
	if len(s) >= width {
		return s
	}
	sign := ""
	if s[0] == '-' || s[0] == '+' {
		sign, s = s[:1], s[1:]
	}
	return sign + strings.Repeat("0", width-len(s)-len(sign)) + s
}

// pySlice is Python's s[start:stop:step] for 0 <= start <= stop <= len(s).
func pySlice(s string, start, stop, step int) string {
	var b strings.Builder
	if step > 0 {
		for i := start; i < stop; i += step {
			b.WriteByte(s[i])
		}
		return b.String()
	}
	// A negative step runs from start down to stop: nothing, since start
	// is at most stop.
	return ""
}

// atoiPort reads a port of a host pattern ("" for none, 0 for none too:
// Ansible sets ansible_port only for a true value).
func atoiPort(p string) (int, bool) {
	if p == "" {
		return 0, true
	}
	n, err := strconv.Atoi(strings.TrimLeft(p, "0"))
	if strings.TrimLeft(p, "0") == "" {
		return 0, true
	}
	return n, err == nil
}
