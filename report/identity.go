package report

import "github.com/org/calyptos"

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
	var s string
	if f.Hint != "" {
		s += "hint: " + f.Hint + "\n"
	}
	if f.Ref != "" {
		s += "see: " + f.Ref + "\n"
	}
	return s + f.Evidence
}
