package validator

import (
	"context"
	"strconv"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/yamlx"
	"gopkg.in/yaml.v3"
)

// NC checks node controller sizing in eucalyptus.nc: max-cores,
// cache-size and work-size (sizes in MB, as in eucalyptus.conf's
// NC_CACHE_SIZE and NC_WORK_SIZE) must be whole numbers, quoted or not,
// and not negative; and cache-size must not be larger than work-size when
// both are set. A value of 0 is what the cookbook itself defaults to and
// lets Eucalyptus choose (all cores, the available disk), so it is
// reported as information rather than refused.
type NC struct{}

// Name returns "nc".
func (NC) Name() string { return "nc" }

// Validate checks the nc section.
func (NC) Validate(ctx context.Context, c *calyptos.Check) {
	e := env(c)
	if e == nil {
		return
	}
	nk, nc := yamlx.Lookup(e.Attr("eucalyptus"), "nc")
	if nk == nil || yamlx.IsNull(nc) {
		c.Skipped("no eucalyptus.nc section: Eucalyptus sizes node controllers itself")
		return
	}
	if nc.Kind != yaml.MappingNode {
		at(c, e, nk).Key("nc").Hint("write nc as a mapping with max-cores, cache-size and work-size").Failuref("default_attributes.eucalyptus.nc: expected a mapping, found %s", kind(nc))
		return
	}
	vals := map[string]int64{}
	bad := 0
	for _, k := range []string{"max-cores", "cache-size", "work-size"} {
		kn, v := yamlx.Lookup(nc, k)
		if kn == nil || yamlx.IsNull(v) {
			continue
		}
		s, ok := yamlx.Scalar(v)
		n, err := strconv.ParseInt(s, 10, 64)
		switch {
		case !ok || err != nil:
			bad++
			at(c, e, v).Key("nc."+k).Hint("give a whole number (0 lets Eucalyptus choose)").Failuref("nc.%s must be a whole number, found %s", k, shownValue(v))
		case n < 0:
			bad++
			at(c, e, v).Key("nc."+k).Hint("give a positive number (0 lets Eucalyptus choose)").Failuref("nc.%s must not be negative, found %d", k, n)
		case n == 0:
			c.Infof("nc.%s is 0: Eucalyptus chooses the value", k)
		default:
			vals[k] = n
		}
	}
	cache, hasCache := vals["cache-size"]
	work, hasWork := vals["work-size"]
	if hasCache && hasWork && cache > work {
		bad++
		at(c, e, get(nc, "cache-size")).Key("nc.cache-size").Hint("make nc.cache-size (the image cache) at most nc.work-size (the instances' working space)").Failuref("nc.cache-size (%d MB) is larger than nc.work-size (%d MB)", cache, work)
	}
	if bad == 0 {
		msg := "node controller sizing is valid"
		for _, k := range []string{"max-cores", "cache-size", "work-size"} {
			if v, ok := vals[k]; ok {
				msg += ", " + k + " " + strconv.FormatInt(v, 10)
			}
		}
		c.Key("nc-sizing").Success(msg)
	}
}

// shownValue describes a scalar by its quoted value, or a collection by
// its kind.
func shownValue(n *yaml.Node) string {
	n = yamlx.Resolve(n)
	if n != nil && n.Kind == yaml.ScalarNode && !yamlx.IsNull(n) {
		return strconv.Quote(n.Value)
	}
	return kind(n)
}
