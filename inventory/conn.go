package inventory

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/org/calyptos"
)

// connChecker reads the connection settings of each host from its merged
// variables, refusing values that cannot be used as they are: a template,
// a vault value, a value of the wrong type, a host name ssh could misread.
type connChecker struct {
	m *model
	// reported holds the problems already reported, by variable and
	// place: a bad group variable is reported once, not for every host.
	reported map[string]bool
}

// vaultPrefix starts every vault-encrypted value, in YAML (!vault) and
// in ansible-inventory's JSON ({"__ansible_vault": ...}).
const vaultPrefix = "$ANSIBLE_VAULT;"

// settings fills h's connection settings from h.Vars. Like Ansible's ssh
// connection plugin, of two names for a setting the later one wins
// (ansible_ssh_host over ansible_host) and a null value is no value.
func (c *connChecker) settings(h *Host, layers func() []map[string]calyptos.Position) {
	if k, s, ok := c.text(h, layers, "ansible_host", "ansible_ssh_host"); ok {
		if err := checkHostName(s); err != nil {
			c.report(h, layers, k, "%s: %v", k, err)
		} else {
			h.Address = s
		}
	}
	if k, v, ok := pick(h.Vars, "ansible_port", "ansible_ssh_port"); ok {
		if p, err := portValue(v); err != nil {
			c.report(h, layers, k, "%s: %v", k, err)
		} else {
			h.Port = p
		}
	}
	if k, s, ok := c.text(h, layers, "ansible_user", "ansible_ssh_user"); ok {
		if err := checkWord(s); err != nil {
			c.report(h, layers, k, "%s: user %v", k, err)
		} else {
			h.User = s
		}
	}
	if k, s, ok := c.text(h, layers, "ansible_private_key_file", "ansible_ssh_private_key_file"); ok {
		if err := checkWord(s); err != nil {
			c.report(h, layers, k, "%s: key file %v", k, err)
		} else {
			h.KeyFile = s
		}
	}
}

// pick returns the last of names set (not null) in vars.
func pick(vars map[string]any, names ...string) (string, any, bool) {
	for i := len(names) - 1; i >= 0; i-- {
		if v, ok := vars[names[i]]; ok && v != nil {
			return names[i], v, true
		}
	}
	return "", nil, false
}

// text returns a connection setting that must be text, reporting a
// template, a vault value or another type. An int is read as its digits
// (ansible_user: 1000).
func (c *connChecker) text(h *Host, layers func() []map[string]calyptos.Position, names ...string) (string, string, bool) {
	k, v, ok := pick(h.Vars, names...)
	if !ok {
		return "", "", false
	}
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case int:
		s = strconv.Itoa(v)
	default:
		c.report(h, layers, k, "%s must be text, not %s", k, describe(v))
		return "", "", false
	}
	switch {
	case strings.HasPrefix(s, vaultPrefix):
		c.report(h, layers, k, "%s is vault-encrypted: calyptos cannot decrypt it; give %s in clear text", k, k)
	case isTemplate(s):
		c.report(h, layers, k, "%s %q is a template: calyptos does not render Jinja2 (ansible-inventory --list does not either); give the value itself", k, s)
	case s == "":
		c.report(h, layers, k, "%s is empty", k)
	default:
		return k, s, true
	}
	return "", "", false
}

// isTemplate reports whether s holds Jinja2 markup Ansible would render.
func isTemplate(s string) bool {
	return strings.Contains(s, "{{") || strings.Contains(s, "{%") || strings.Contains(s, "{#")
}

// portValue reads ansible_port: a number from 1 to 65535, or its digits.
func portValue(v any) (int, error) {
	var n int
	switch v := v.(type) {
	case int:
		n = v
	case string:
		s := strings.TrimSpace(v)
		switch {
		case strings.HasPrefix(s, vaultPrefix):
			return 0, fmt.Errorf("the port is vault-encrypted: calyptos cannot decrypt it; give it in clear text")
		case isTemplate(s):
			return 0, fmt.Errorf("the port %q is a template: calyptos does not render Jinja2; give the number itself", s)
		}
		p, err := strconv.Atoi(s)
		if err != nil {
			return 0, fmt.Errorf("the port %q is not a number", v)
		}
		n = p
	default:
		return 0, fmt.Errorf("the port must be a number, not %s", describe(v))
	}
	if n < 1 || n > 65535 {
		return 0, fmt.Errorf("the port %d is not from 1 to 65535", n)
	}
	return n, nil
}

// checkWord refuses a user or a key file that a command line could
// misread: a control character, or a leading '-'.
func checkWord(s string) error {
	switch {
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return fmt.Errorf("%q contains a control character", s)
	case strings.HasPrefix(s, "-"):
		return fmt.Errorf("%q must not start with '-'", s)
	}
	return nil
}

// report records a problem with a connection variable of h, at the place
// the value h got was set, once per variable and place.
func (c *connChecker) report(h *Host, layers func() []map[string]calyptos.Position, k, format string, args ...any) {
	pos := calyptos.Position{File: c.m.file}
	ls := layers()
	for i := len(ls) - 1; i >= 0; i-- {
		if p, ok := ls[i][k]; ok {
			pos = p
			break
		}
	}
	key := k + "\x00" + pos.String()
	if c.reported[key] {
		return
	}
	c.reported[key] = true
	c.m.probs.add(pos, "host %q: %s", h.Name, fmt.Sprintf(format, args...))
}
