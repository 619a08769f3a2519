package serve

import (
	"context"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
)

// portMeshDebugger has every host probe ports 1..ports of every other host,
// under a protocol name a plugin made up.
type portMeshDebugger struct{ ports int }

func (portMeshDebugger) Name() string   { return "portmesh" }
func (portMeshDebugger) ReadOnly() bool { return true }

func (d portMeshDebugger) Debug(_ context.Context, c *calyptos.Check) {
	hosts := c.Roles().All()
	for _, from := range hosts {
		for _, to := range hosts {
			for port := 1; port <= d.ports; port++ {
				if from != to {
					c.RecordProbe(calyptos.Probe{From: from, To: to, Port: port, Proto: "TCP over " + from, Result: calyptos.ProbeOK})
				}
			}
		}
	}
	c.Success("meshed")
}

func parseExposition(t *testing.T, body string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(body))
	require.NoError(t, err, body)
	return mfs
}

// TestMetricsExpositionParsesAndIsBounded parses /metrics with
// Prometheus' own parser, checks the naming conventions, and that the
// probe series grow with the targets, not with sources × targets (a full
// mesh of 200 hosts would otherwise be 40000 series per port), and that a
// plugin's protocol name cannot make new label values.
func TestMetricsExpositionParsesAndIsBounded(t *testing.T) {
	f := newFixture(t, Options{})
	f.allOK()
	f.s.plan.Debuggers = append(f.s.plan.Debuggers, portMeshDebugger{ports: 4})
	f.s.RunOnce(t.Context())
	mfs := parseExposition(t, f.get(t, "/metrics").body)
	for name, mf := range mfs {
		assert.NotEmpty(t, mf.GetHelp(), name)
		assert.True(t, strings.HasPrefix(name, "calyptos_"), name)
		if mf.GetType() == dto.MetricType_COUNTER {
			assert.True(t, strings.HasSuffix(name, "_total"), name)
		}
	}
	var probes int
	for name, mf := range mfs {
		if !strings.Contains(name, "probe") {
			continue
		}
		for _, m := range mf.GetMetric() {
			probes++
			for _, l := range m.GetLabel() {
				assert.NotEqual(t, "from", l.GetName(), "a label per source is quadratic in hosts")
				if l.GetName() == "proto" {
					assert.Contains(t, []string{"tcp", "udp", "icmp", "other"}, l.GetValue())
				}
			}
		}
	}
	// 3 targets × (4 mesh ports + fleet's 8773) × at most 2 results seen.
	assert.LessOrEqual(t, probes, 3*5*2)
	assert.Positive(t, probes)
}
