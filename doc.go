// Package calyptos checks multi-host deployments (clouds, clusters, fleets)
// before they are installed and while they run: the Go rebuild of the
// plugin system of Calyptos, the Eucalyptus deployment tool, as a library.
//
// Three files hold what a plugin author needs: plugins.go (Validator and
// Debugger), check.go (Check, the *testing.T of a plugin: its roles, its
// findings, its commands) and report.go (Finding, Report, the verdict).
// Then fact.go for host facts, run.go for the runner and executor.go for
// the transport.
//
// A RoleBuilder groups hosts by role: NewRoleBuilder builds one from a map,
// package eucalyptus from a Eucalyptus environment file, package inventory
// from an Ansible inventory. A Validator inspects the description before
// anything is deployed; a Debugger logs into the running hosts through an
// Executor (package sshexec over SSH, localexec on this machine,
// calyptostest in tests). Both are handed a *Check: c.Roles() for the hosts,
// c.OnHost(h).Failure(...) to report, c.RunOnHosts to run a command. A
// debugger reads typed host facts with Gather and declares them
// (FactNeeder), so that a run gathers every fact once per host, in one
// session; package facts holds the built-in ones.
//
// RunValidators and RunDebuggers run a list of plugins and return a Report,
// whose Outcome is the run's verdict. Package report writes it as text,
// JSON, JUnit or HTML; package baseline compares it with an earlier one and
// with waivers, so that a CI job fails only on regressions.
//
// The core package depends only on the standard library and yaml.v3, and
// needs Go 1.25. DIFFERENCES.md says how it differs from the Python
// Calyptos; CHANGELOG.md records every change of the API.
package calyptos
