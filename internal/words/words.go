// Package words formats counts in messages, for every package of the
// module.
package words

import "strconv"

// Count returns "1 thing" or "n things": one for n == 1, many otherwise.
func Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
