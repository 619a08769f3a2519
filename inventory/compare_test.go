package inventory

import (
	"fmt"
	"math"
	"math/big"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// view is what the comparison with ansible-inventory looks at: every
// group that holds hosts (children included) with its hosts, and every
// host's variables.
type view struct {
	members map[string][]string
	vars    map[string]map[string]any
}

// ansibleView reads `ansible-inventory --list` output.
func ansibleView(t testing.TB, data []byte) view {
	t.Helper()
	jp := &jsonParser{file: "ansible.json", data: string(data)}
	v, err := jp.parse()
	require.NoError(t, err)
	top := v.(map[string]any)
	children := map[string][]string{}
	direct := map[string][]string{}
	hosts := map[string]bool{}
	for g, d := range top {
		if g == "_meta" {
			continue
		}
		dm := d.(map[string]any)
		for _, c := range asList(dm["children"]) {
			children[g] = append(children[g], c.(string))
		}
		for _, h := range asList(dm["hosts"]) {
			direct[g] = append(direct[g], h.(string))
			hosts[h.(string)] = true
		}
	}
	out := view{members: map[string][]string{}, vars: map[string]map[string]any{}}
	var closure func(g string, seen map[string]bool) []string
	closure = func(g string, seen map[string]bool) []string {
		if seen[g] {
			return nil
		}
		seen[g] = true
		hs := slices.Clone(direct[g])
		for _, c := range children[g] {
			hs = append(hs, closure(c, seen)...)
		}
		return hs
	}
	for g := range top {
		if g == "_meta" {
			continue
		}
		if hs := closure(g, map[string]bool{}); len(hs) > 0 {
			out.members[g] = sortedSet(hs)
		}
	}
	hv, _ := top["_meta"].(map[string]any)["hostvars"].(map[string]any)
	for h := range hosts {
		vars, _ := hv[h].(map[string]any)
		if vars == nil {
			vars = map[string]any{}
		}
		out.vars[h] = vars
	}
	return out
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func sortedSet(s []string) []string {
	sort.Strings(s)
	return slices.Compact(s)
}

// ourView is the same view of an Inventory.
func ourView(inv *Inventory) view {
	out := view{members: map[string][]string{}, vars: map[string]map[string]any{}}
	rb := inv.RoleBuilder()
	for _, g := range inv.Groups() {
		if hs := rb.Hosts(g); len(hs) > 0 {
			out.members[g] = sortedSet(hs)
		}
	}
	for _, h := range inv.Hosts() {
		out.vars[h.Name] = h.Vars
	}
	return out
}

// diffViews lists the differences between two views.
func diffViews(want, got view) []string {
	var out []string
	for g, hs := range want.members {
		if !slices.Equal(hs, got.members[g]) {
			out = append(out, fmt.Sprintf("group %s: ansible has %v, we have %v", g, hs, got.members[g]))
		}
	}
	for g, hs := range got.members {
		if _, ok := want.members[g]; !ok {
			out = append(out, fmt.Sprintf("group %s: ansible has none, we have %v", g, hs))
		}
	}
	for h, vars := range want.vars {
		gv, ok := got.vars[h]
		if !ok {
			out = append(out, fmt.Sprintf("host %s: missing", h))
			continue
		}
		for k, v := range vars {
			if g, ok := gv[k]; !ok || !sameValue(v, g) {
				out = append(out, fmt.Sprintf("host %s: %s: ansible has %#v, we have %#v", h, k, v, gv[k]))
			}
		}
		for k, v := range gv {
			if _, ok := vars[k]; !ok {
				out = append(out, fmt.Sprintf("host %s: %s: ansible has none, we have %#v", h, k, v))
			}
		}
	}
	for h := range got.vars {
		if _, ok := want.vars[h]; !ok {
			out = append(out, fmt.Sprintf("host %s: ansible has no such host", h))
		}
	}
	sort.Strings(out)
	return out
}

// sameValue compares values as JSON would print them.
func sameValue(a, b any) bool {
	switch a := a.(type) {
	case float64:
		bf, ok := b.(float64)
		return ok && (a == bf || math.IsNaN(a) && math.IsNaN(bf))
	case *big.Int:
		bb, ok := b.(*big.Int)
		return ok && a.Cmp(bb) == 0
	case []any:
		bl, ok := b.([]any)
		if !ok || len(a) != len(bl) {
			return false
		}
		for i := range a {
			if !sameValue(a[i], bl[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok || len(a) != len(bm) {
			return false
		}
		for k, v := range a {
			if w, ok := bm[k]; !ok || !sameValue(v, w) {
				return false
			}
		}
		return true
	}
	return a == b
}

var _ = strings.Contains
