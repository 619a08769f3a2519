package facts

import (
	"strconv"
	"strings"

	"github.com/org/calyptos"
)

// EucalyptusDB says whether the CLC's PostgreSQL database answers: psql,
// connecting through the socket in dir on port as user, lists the tables
// of eucalyptus_shared and they include the eucalyptus_cloud schema's.
// Output holds psql's message when it does not (exit 127: no psql).
func EucalyptusDB(dir string, port int, user string) *calyptos.Fact[bool] {
	cmd := "psql -X -P pager=off -h " + calyptos.ShellQuote(dir) + " -p " + strconv.Itoa(port) + " -U " + calyptos.ShellQuote(user) +
		" -d eucalyptus_shared -c " + calyptos.ShellQuote(`\dt *.*`) + " 2>&1"
	return &calyptos.Fact[bool]{Name: "psql " + cmd, Command: cmd, Parse: func(o calyptos.Output) (bool, error) {
		return o.OK() && strings.Contains(o.Stdout, "eucalyptus_cloud"), nil
	}}
}
