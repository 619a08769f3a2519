// Package validator holds the validators that ship with calyptos: static
// checks of an environment file that say, before anything is deployed, what
// will not work.
//
// Each validator is an exported struct whose zero value is ready to use; its
// Name matches the plugin name of the Python Calyptos where there was one
// (DIFFERENCES.md says how they differ). Default returns all of them in a stable order, offline checks first
// and the two that reach out over the network (repos, pinghosts) last:
//
//	structure  schema of the whole file, both topology forms
//	topology   cloud and cluster controllers present, no host in two clusters, walrus/riakcs
//	hosts      every host is an IP address or DNS name; node controllers not on the CLC/UFS
//	network    network mode and the EDGE / VPCMIDO config-json (IP ranges, subnets, clusters)
//	storage    per-cluster block storage backend and the properties it needs
//	nc         node controller sizing (max-cores, cache-size, work-size)
//	vpc        MidoNet gateways, midolman host mapping, zookeeper / cassandra
//	repos      every repository and image URL answers (HTTP)
//	pinghosts  every host accepts a TCP connection on its SSH port
//
// Offline validators read the parsed file through eucalyptus.Of(c.Roles());
// when a RoleBuilder was built from a plain role map there is no file, and
// they report a Skip and return. None of them ever puts the value of an attribute
// whose key redact.IsSecretKey into a finding.
package validator

import (
	"net/netip"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/hostname"
	"github.com/org/calyptos/internal/yamlx"
	"gopkg.in/yaml.v3"
)

// Default returns a fresh instance of every built-in validator, offline
// checks first and network checks last: structure, topology, hosts,
// network, storage, nc, vpc, repos, pinghosts.
func Default() []calyptos.Validator {
	return append(Offline(), &Repos{}, &PingHosts{})
}

// Offline returns a fresh instance of every built-in validator that never
// touches the network, in the order Default runs them: structure,
// topology, hosts, network, storage, nc, vpc.
func Offline() []calyptos.Validator {
	return []calyptos.Validator{
		&Structure{}, &Topology{}, &Hosts{}, &Network{}, &Storage{}, &NC{}, &VPC{},
	}
}

// env returns the parsed environment, or reports a Skip and returns nil.
func env(c *calyptos.Check) *eucalyptus.Environment {
	e := eucalyptus.Of(c.Roles())
	if e == nil {
		c.Skipped("no environment file: the roles were not read from one")
	}
	return e
}

// scope is a *calyptos.Check or a calyptos.Scope: what findings are
// reported through.
type scope interface {
	At(calyptos.Position) calyptos.Scope
}

// at returns s with its findings placed at node n of the file, so that
// they point at the line to fix; a node with no line leaves them unplaced.
func at(s scope, e *eucalyptus.Environment, n *yaml.Node) calyptos.Scope {
	var p calyptos.Position
	if pos := e.Pos(n); pos.Line > 0 {
		p = pos
	}
	return s.At(p)
}

// atHost returns s with its findings placed where host is first written
// in the file.
func atHost(s scope, e *eucalyptus.Environment, host string) calyptos.Scope {
	var p calyptos.Position
	if ps := e.HostPositions(host); len(ps) > 0 && ps[0].Line > 0 {
		p = ps[0]
	}
	return s.At(p)
}

// get returns the value of key in mapping m, or nil.
func get(m *yaml.Node, key string) *yaml.Node {
	_, v := yamlx.Lookup(m, key)
	return v
}

// kind describes a node's type without showing its value, so that a
// message about a secret attribute never echoes the secret.
func kind(n *yaml.Node) string {
	n = yamlx.Resolve(n)
	switch {
	case n == nil || yamlx.IsNull(n):
		return "nothing (null)"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Tag == "!!int" || n.Tag == "!!float":
		return "a number"
	case n.Tag == "!!bool" || isBool(n):
		return "a boolean"
	}
	return "a string"
}

// hostKey is the address part of a host as written (no port), lower-cased,
// so that "nc-1.example.net:22" and "NC-1.example.net" compare equal, and
// an IP address in its canonical form, so that "2001:0DB8::1" and
// "[2001:db8::1]:22" do too.
func hostKey(h string) string {
	a, _, err := hostname.Split(h)
	if err != nil {
		return strings.ToLower(h)
	}
	if ip, err := netip.ParseAddr(a); err == nil {
		return ip.String()
	}
	return strings.ToLower(a)
}
