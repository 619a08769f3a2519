package report

import (
	"strings"

	"github.com/org/calyptos"
)

// caseKey is what names a finding's JUnit test case after its host: the
// key of its ID, or for a finding without one (a report older than IDs)
// its message.
func caseKey(f calyptos.Finding) string {
	if k := f.Key(); k != "" {
		return k
	}
	return f.Message
}

// failureText is the body of a failure or warning: its hint, its
// reference and its evidence, one after another.
func failureText(f calyptos.Finding) string {
	var parts []string
	if f.Hint != "" {
		parts = append(parts, "hint: "+f.Hint)
	}
	if f.Ref != "" {
		parts = append(parts, "see: "+f.Ref)
	}
	if f.Evidence != "" {
		parts = append(parts, f.Evidence)
	}
	return strings.Join(parts, "\n")
}
