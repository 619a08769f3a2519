// Package eucalyptus reads a Eucalyptus environment file (the Calyptos /
// Eucalyptus cookbook format) into a calyptos.RoleBuilder, and gives the
// built-in checks what the file says beyond its roles.
//
// Load and Parse build the RoleBuilder: every Role constant is one of its
// roles (empty when the file does not use it), and an *Environment, the
// parsed file, is its Source (the name: field names the deployment, the
// secret attributes are redacted from every report). Of returns that
// Environment, Clusters and ClusterNamed its clusters cut to the hosts the
// RoleBuilder holds, ComponentHosts the hosts that run Eucalyptus
// components. NewRoleBuilder builds a Eucalyptus fleet in Go, for tests.
//
// The file is untrusted input: bad input gives an *EnvError with
// file:line:col (all of them, joined), and the time and memory any file
// costs are bounded (see Parse).
package eucalyptus
