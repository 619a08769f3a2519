package serve

import "github.com/org/calyptos"

// ReadOnlyDebugger is implemented by debuggers that can say whether they
// change nothing: no file written or package installed on a host, no
// program started there, no artifact collected. Only those that answer
// true are run by a Server, as often as every few minutes.
type ReadOnlyDebugger interface {
	calyptos.Debugger
	ReadOnly() bool
}

// ReadOnly returns the debuggers of ds that declare themselves read-only,
// in order, and the names of the others. A debugger that does not say is
// left out: what it does to the hosts is not known.
func ReadOnly(ds []calyptos.Debugger) (keep []calyptos.Debugger, dropped []string) {
	for _, d := range ds {
		if r, ok := d.(ReadOnlyDebugger); ok && r.ReadOnly() {
			keep = append(keep, d)
			continue
		}
		dropped = append(dropped, d.Name())
	}
	return keep, dropped
}
