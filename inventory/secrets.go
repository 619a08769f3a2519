package inventory

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/org/calyptos/redact"
)

// Identity implements calyptos.Source: an inventory has no name of its
// own, so the RoleBuilder names the deployment from its roles.
func (inv *Inventory) Identity() string { return "" }

// Secrets implements calyptos.Source: the values of every variable whose
// name redact.IsSecretKey says holds a secret (ansible_password,
// ansible_become_password, a group's api_token...), at any depth, so
// that no report shows them. Each value is listed once.
func (inv *Inventory) Secrets() []string {
	var out []string
	seen := map[uintptr]bool{} // hosts may share one map
	walk := func(vars map[string]any) {
		p := reflect.ValueOf(vars).Pointer()
		if vars == nil || seen[p] {
			return
		}
		seen[p] = true
		collectSecrets(vars, false, &out)
	}
	for _, h := range inv.hosts {
		walk(h.Vars)
	}
	for _, v := range inv.groupVars {
		walk(v)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// collectSecrets adds to out every scalar under a secret key of v, or
// every scalar of v when secret is set (v is under such a key).
func collectSecrets(v any, secret bool, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			collectSecrets(e, secret || redact.IsSecretKey(k), out)
		}
	case []any:
		for _, e := range x {
			collectSecrets(e, secret, out)
		}
	case nil:
	default:
		if secret {
			// As it would be written out (a *big.Int through its String).
			if s := fmt.Sprint(x); s != "" {
				*out = append(*out, s)
			}
		}
	}
}
