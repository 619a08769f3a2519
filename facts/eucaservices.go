package facts

import (
	"strings"

	"github.com/org/calyptos"
)

// DescribeServicesCommand runs euca-describe-services, saying so and
// exiting 127 when the tool is not installed.
const DescribeServicesCommand = "if command -v euca-describe-services >/dev/null 2>&1; then euca-describe-services 2>&1; " +
	"else echo 'calyptos: euca-describe-services not found'; exit 127; fi"

// EucaServices is the SERVICE lines of euca-describe-services, which
// needs admin credentials on the host. Exit code 127 (Output.ExitCode)
// means the tool is not installed.
func EucaServices() *calyptos.Fact[[]EucaService] {
	return &calyptos.Fact[[]EucaService]{Name: "euca-describe-services", Command: DescribeServicesCommand,
		Parse: func(o calyptos.Output) ([]EucaService, error) { return parseDescribeServices(o.Stdout), nil }}
}

// isServiceState reports whether w is a state euca-describe-services
// prints.
func isServiceState(w string) bool {
	switch w {
	case "ENABLED", "DISABLED", "BROKEN", "NOTREADY", "STOPPED", "INITIALIZED", "LOADED", "PRIMORDIAL":
		return true
	}
	return false
}

// EucaService is one SERVICE line of euca-describe-services.
type EucaService struct {
	State string // upper case: ENABLED, DISABLED, BROKEN, NOTREADY, ...
	Line  string
}

// parseDescribeServices reads the SERVICE lines of euca-describe-services
// ("SERVICE  TYPE  PARTITION  NAME  STATE  EPOCH  URL  ARN"). The state is
// the first field after the first that is a known state word, in any case,
// so both the euca2ools 2 and 3 layouts parse; text elsewhere on the line
// (a name that contains BROKEN, say) is never taken for a state.
func parseDescribeServices(out string) []EucaService {
	var svcs []EucaService
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) < 3 || f[0] != "SERVICE" {
			continue
		}
		for _, w := range f[1:] {
			up := strings.ToUpper(w)
			if isServiceState(up) {
				svcs = append(svcs, EucaService{State: up, Line: strings.TrimSpace(line)})
				break
			}
		}
	}
	return svcs
}
