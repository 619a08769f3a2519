package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/hostname"
	"github.com/org/calyptos/inventory"
	"github.com/org/calyptos/report"
)

// RolesResult is the JSON document of `calyptos roles -o json`.
type RolesResult struct {
	File        string `json:"file"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	// Form is the topology form: legacy, lists or mixed.
	Form string `json:"form,omitempty"`
	// Roles maps every role, empty ones included, to its hosts.
	Roles map[string][]string `json:"roles"`
	// Clusters are the availability zones, sorted by name.
	Clusters []ClusterRoles `json:"clusters"`
	// Hosts maps every host to where it is reached and its roles.
	Hosts map[string]HostInfo `json:"hosts"`
}

// HostInfo is one host of RolesResult: the address dialled (the host's
// name unless an inventory's ansible_host says otherwise), the port and
// user when the file sets them, and the host's roles ("all" left out).
type HostInfo struct {
	Address string   `json:"address"`
	Port    int      `json:"port,omitempty"`
	User    string   `json:"user,omitempty"`
	Roles   []string `json:"roles"`
}

// ClusterRoles is one cluster of RolesResult.
type ClusterRoles struct {
	Name           string   `json:"name"`
	CC             []string `json:"cc"`
	SC             []string `json:"sc"`
	Nodes          []string `json:"nodes"`
	StorageBackend string   `json:"storage_backend,omitempty"`
}

func rolesCmd() *command {
	return &command{
		name:    "roles",
		summary: "show the roles and hosts the environment file or inventory defines",
		usage:   "roles (-e FILE | --inventory FILE) [-o text|json]",
		about: `Prints each role with its hosts, the clusters, and the roles of each host:
what calyptos understood from the file, and what execute -r accepts. With
--inventory, the roles are the inventory's groups, and each host shows the
address, port and user it is reached at.`,
		examples: `  calyptos roles -e environment.yml
  calyptos roles -e environment.yml -o json | jq '.roles["node-controller"]'
  calyptos roles --inventory hosts.ini -o json | jq '.hosts'
`,
		exits: []exitCode{{ExitOK, "the roles were printed"}, {ExitUsage, exitUsageMeaning}},
		setup: func(fs *flagSet, o *options) {
			envFlag(fs, o)
			outputFlags(fs, o, report.Text, report.JSON)
		},
		run: func(_ context.Context, p *Program, o *options, args []string) int {
			if len(args) > 0 {
				return p.unexpectedArg("roles", o, args[0])
			}
			rb, code := p.loadEnv("roles", o)
			if code != ExitOK {
				return code
			}
			res := rolesResult(cmp.Or(o.envFile, o.inventoryFile), rb, o.inv)
			var w io.Writer = p.Stdout
			s, err := p.openSink(o, p.newConsole(), "", 0, "")
			if err != nil {
				p.errorf("%v", err)
				return ExitUsage
			}
			if s.file != nil {
				w = s.file
			}
			if o.format == report.JSON {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				err = enc.Encode(res)
			} else {
				err = writeRoles(w, res)
			}
			if err != nil {
				p.errorf("writing the roles: %v", err)
				s.close()
				return ExitUsage
			}
			if !s.close() {
				return ExitUsage
			}
			return ExitOK
		},
	}
}

func rolesResult(file string, rb *calyptos.RoleBuilder, inv *inventory.Inventory) RolesResult {
	res := RolesResult{File: file, Roles: map[string][]string{}, Hosts: map[string]HostInfo{}, Clusters: []ClusterRoles{}}
	if env := eucalyptus.Of(rb); env != nil {
		res.Name, res.Description, res.Form = env.Name, env.Description, env.Topology.Form
	}
	for _, r := range rb.RoleNames() {
		hs := rb.Hosts(r)
		if hs == nil {
			hs = []string{}
		}
		res.Roles[r] = hs
	}
	for _, h := range rb.All() {
		info := HostInfo{Address: h, Roles: rb.RolesOf(h)}
		if name, port, err := hostname.Split(h); err == nil {
			info.Address, info.Port = name, port
		}
		if ih, ok := inventoryHost(inv, h); ok {
			info.Address, info.Port, info.User = ih.Address, ih.Port, ih.User
		}
		if info.Roles == nil {
			info.Roles = []string{}
		}
		res.Hosts[h] = info
	}
	for _, c := range eucalyptus.Clusters(rb) {
		res.Clusters = append(res.Clusters, ClusterRoles{Name: c.Name, CC: c.CC, SC: c.SC, Nodes: c.Nodes, StorageBackend: c.StorageBackend})
	}
	return res
}

func writeRoles(w io.Writer, r RolesResult) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Environment %s", r.File)
	if r.Name != "" {
		fmt.Fprintf(&b, ": %s", r.Name)
	}
	if r.Description != "" {
		fmt.Fprintf(&b, " (%s)", r.Description)
	}
	b.WriteString("\n")
	if r.Form != "" {
		fmt.Fprintf(&b, "Topology form: %s\n", r.Form)
	}
	var names, empty []string
	width := 0
	for _, role := range sortedKeys(r.Roles) {
		if len(r.Roles[role]) == 0 {
			empty = append(empty, role)
			continue
		}
		names = append(names, role)
		width = max(width, len(role))
	}
	fmt.Fprintf(&b, "\nRoles:\n")
	for _, role := range names {
		fmt.Fprintf(&b, "  %-*s  %s\n", width, role, strings.Join(r.Roles[role], " "))
	}
	if len(empty) > 0 {
		fmt.Fprintf(&b, "  (no hosts: %s)\n", strings.Join(empty, ", "))
	}
	writeClusters(&b, r.Clusters)
	all := r.Roles[calyptos.RoleAll]
	fmt.Fprintf(&b, "\nHosts (%d):\n", len(all))
	hw := 0
	for _, h := range all {
		hw = max(hw, len(h))
	}
	for _, h := range all {
		info := r.Hosts[h]
		fmt.Fprintf(&b, "  %-*s  %s%s\n", hw, h, strings.Join(info.Roles, ", "), reachedAt(h, info))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeClusters lists each cluster's roles, the labels in one column.
func writeClusters(b *strings.Builder, clusters []ClusterRoles) {
	if len(clusters) == 0 {
		return
	}
	width := len("nodes")
	for _, c := range clusters {
		if c.StorageBackend != "" {
			width = len("storage-backend")
		}
	}
	b.WriteString("\nClusters:\n")
	for _, c := range clusters {
		fmt.Fprintf(b, "  %s\n", c.Name)
		fmt.Fprintf(b, "    %-*s  %s\n", width, "cc", strings.Join(c.CC, " "))
		fmt.Fprintf(b, "    %-*s  %s\n", width, "sc", strings.Join(c.SC, " "))
		fmt.Fprintf(b, "    %-*s  %s\n", width, "nodes", strings.Join(c.Nodes, " "))
		if c.StorageBackend != "" {
			fmt.Fprintf(b, "    %-*s  %s\n", width, "storage-backend", c.StorageBackend)
		}
	}
}

func sortedKeys(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// inventoryHost is inv's host h, if there is an inventory.
func inventoryHost(inv *inventory.Inventory, h string) (*inventory.Host, bool) {
	if inv == nil {
		return nil, false
	}
	return inv.Host(h)
}

// reachedAt says where a host is reached when that is not its name:
// " (at user@10.0.0.5:2222)".
func reachedAt(name string, info HostInfo) string {
	at := info.Address
	if info.Port != 0 {
		at = net.JoinHostPort(at, strconv.Itoa(info.Port))
	}
	if info.User != "" {
		at = info.User + "@" + at
	}
	if at == name {
		return ""
	}
	return " (at " + at + ")"
}

// inventoryAddress returns where each host of inv is dialled when its
// inventory sets ansible_host, for probes between the hosts.
func inventoryAddress(inv *inventory.Inventory) func(host string) string {
	return func(host string) string {
		if h, ok := inventoryHost(inv, host); ok && h.Address != h.Name {
			return h.Address
		}
		return ""
	}
}
