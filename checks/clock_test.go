package checks

import (
	"fmt"
	"testing"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/facts"
	"github.com/stretchr/testify/assert"
)

func TestClockSkew(t *testing.T) {
	rb := calyptos.NewRoleBuilder(map[string][]string{"web": {"w1", "w2", "w3"}})
	offset := map[string]time.Duration{"w1": 0, "w2": 300 * time.Millisecond, "w3": -20 * time.Second}
	e := calyptostest.NewExecutor(t)
	e.On("", facts.ClockCommand).Respond(func(host, _ string) (calyptos.Output, error) {
		now := time.Now().Add(offset[host])
		return calyptos.Output{Stdout: fmt.Sprintf("%d.%09d\n", now.Unix(), now.Nanosecond())}, nil
	})
	rep := run(t, "roles:\n  web:\n    clock: {max-skew: 2s}\n", rb, e)
	got := map[string]string{}
	for _, f := range rep.Findings() {
		got[f.Host] = f.Status.String()
		assert.Equal(t, "checks:web/clock:max-skew", f.ID)
	}
	assert.Equal(t, map[string]string{"w1": "pass", "w2": "pass", "w3": "fail"}, got)
	f := calyptostest.Find(rep, calyptostest.Match{Host: "w3"})[0]
	assert.Regexp(t, `^clock: max-skew: 20\.\ds from the median of the role's 3 clocks \(at most 2s, readings accurate to ±0\.\ds\): behind$`, f.Message)
	assert.Equal(t, 1, e.Sessions("w3"))
}
