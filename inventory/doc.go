// Package inventory reads an Ansible inventory as `ansible-inventory -i
// FILE --list` (ansible-core 2.14) reads it, without Python, and turns it
// into hosts with their connection settings and variables, and into roles
// for calyptos (a RoleBuilder: every group is a role).
//
//	inv, err := inventory.Load("inventory/hosts")
//	rb := inv.RoleBuilder()                   // groups are roles
//	web, err := inventory.Select(rb, "web:&prod:!web03")
//	h, _ := inv.Host(web[0])                  // h.Address, h.Port, h.User, h.KeyFile, h.Vars
//
// # Supported
//
//   - INI: hosts before any section (group "ungrouped"), [group],
//     [group:children] (a child may be declared later in the file),
//     [group:vars], comments (# and ; at the start of a line, # after a
//     host), host:port and [ipv6]:port, numeric ranges with zero padding
//     and steps (web[01:10:2]), alphabetic ranges (db[a:f], in the order
//     a..zA..Z), several ranges in one name. Values are read as Ansible
//     reads them: host-line values are split as shlex splits them, then
//     like [group:vars] values read as Python literals (ast.literal_eval:
//     numbers, True/False/None, quoted strings, lists, tuples, dicts), and
//     kept as text when they are not one.
//   - YAML: groups at the top level and under children at any depth, with
//     hosts, children and vars; "hosts: web1" for one host; ranges and
//     ports in host names; YAML 1.1 types as Ansible's loader gives them
//     (yes/no/on/off are booleans, 0755 is octal, 1:30 is 90, dates and
//     times become their ISO text); anchors, aliases and merge keys; a
//     key written twice keeps its last value; !unsafe text is text; a
//     !vault value is kept as its ciphertext ($ANSIBLE_VAULT;...). A
//     missing child group is created empty. JSON written in this form is
//     read as JSON.
//   - The JSON that ansible-inventory --list (or an inventory script)
//     prints, recognised by its "_meta" key: dynamic inventories, plugin
//     configurations and vault-encrypted files reach calyptos through
//     Ansible itself (`ansible-inventory -i SRC --list > inv.json`).
//   - group_vars/ and host_vars/ beside the inventory file (in the
//     directory given as the inventory): NAME, NAME.yml, NAME.yaml or
//     NAME.json, the first found, or a NAME/ directory of such files read
//     in name order (hidden files and backups~ left out).
//   - A directory as the inventory: every file in it, in name order,
//     sub-directories included, leaving out what Ansible leaves out
//     (hidden files, .ini, .cfg, .md, .txt, .retry, .orig, backups...).
//   - Ansible's variable precedence: "all" < other groups by depth (a
//     child group over its parent), then ansible_group_priority, then name
//     < group_vars/all < group_vars of the other groups in the same order
//     < the host's inventory variables < host_vars. As in Ansible,
//     group_vars files win over every group variable written in the
//     inventory.
//   - Groups as roles: "all", "ungrouped" (the hosts in no other group)
//     and every group, empty ones included; a host of a child group is in
//     the role of the parent group.
//   - Connection settings: ansible_host, ansible_port, ansible_user and
//     ansible_ssh_private_key_file (and the names ansible_ssh_host,
//     ansible_ssh_port, ansible_ssh_user and ansible_private_key_file;
//     of two names for one setting the ansible_ssh_ one wins, as in the
//     ssh connection plugin). Every other variable is kept in Host.Vars.
//   - Ansible host patterns on any RoleBuilder (Select).
//
// # Not supported, and said so with the file, line and column
//
//   - Executable inventory files (scripts): they are not run. Run
//     `ansible-inventory -i SCRIPT --list > inv.json` and pass inv.json.
//   - Inventory plugin configurations (a YAML file with "plugin:"), TOML
//     inventories and vault-encrypted files: likewise, through
//     ansible-inventory --list.
//   - Templates: a connection variable holding Jinja2 ({{ }}, {% %},
//     {# #}) is an error naming the variable (ansible-inventory --list
//     does not render them either); in other variables the text is kept.
//   - Vault values in connection variables (an error naming the
//     variable); in other variables the ciphertext is kept as text.
//   - Subscripts in patterns (web[0], web[1:3]): they select by inventory
//     order, which a RoleBuilder does not keep.
//   - Host names Ansible accepts but a shell or ssh could misread: a host
//     name (and an ansible_host) is an IP address, or letters, digits,
//     '.', '-' and '_', not starting with '-'. Names with spaces, quotes,
//     ';', '$', '/', '@' (give the user as ansible_user)... are refused.
//   - Python literals that no variable can hold (complex numbers, sets,
//     tuples as dict keys) and \N{NAME} escapes are kept as the text
//     written (Ansible keeps the Python value, and ansible-inventory
//     cannot print the first ones at all).
//   - Timestamps are kept as text in ISO form, as ansible-inventory prints
//     them, not as dates.
//   - Cycles in children, a group its own child, [x:children] naming a
//     group declared nowhere in an INI file, and every other input Ansible
//     refuses, is refused too.
//
// What Ansible only warns about and skips (a YAML group that is not a
// mapping, an unknown key in a group, a name both a group and a host) is
// skipped too, and listed by Inventory.Warnings.
//
// # Bounds
//
// Inventories are untrusted input: any file costs bounded time and
// memory, and every refusal is positioned. A file is at most 16 MiB, and
// one Load reads at most 64 MiB in 100,000 files; a YAML file has at most
// 300,000 nodes (counted from its text before it is parsed), a JSON file
// 1,000,000 values, any other file 500,000 lines (an INI line 64
// KiB); an inventory
// holds at most 100,000 hosts (a range is counted before it is expanded,
// so web[0:99999999] costs nothing), 100,000 groups, 4,000,000 (host,
// group) memberships and 4,000,000 merged variables; aliases count each
// time they are used, up to 2,000,000 values.
//
// Inventories, Hosts and their variables are shared, read-only values.
package inventory
