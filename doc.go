// Package calyptos checks multi-host deployments (clouds, clusters, fleets)
// before they are installed and while they run: the Go rebuild of the
// plugin system of Calyptos, the Eucalyptus deployment tool, as a library
// other Go tools embed.
//
// Three files hold what a plugin author needs: plugins.go (Validator and
// Debugger), check.go (Check, the *testing.T of a plugin: its roles, its
// findings, its commands) and report.go (Finding, Report, the verdict).
// Then fact.go for host facts, run.go for the runner and executor.go for
// the transport.
//
// A RoleBuilder groups hosts by role: NewRoleBuilder builds one from a map
// (any fleet), LoadEnvironment from a Eucalyptus environment file, whose
// roles (the Role constants and "all") are always present. A Validator
// inspects the description before anything is deployed; a Debugger logs
// into the running hosts through an Executor (package sshexec over SSH,
// localexec on this machine, calyptostest in tests). Both are handed a
// *Check: c.Roles() for the hosts, c.OnHost(h).Failure(...) and its
// siblings to report, c.RunOnHosts to run a command on many hosts at once.
// A debugger reads typed host facts with Gather and may declare them
// (FactNeeder), so that a run gathers every fact once per host, in one
// session, before the first debugger runs; facts of one Family (services,
// packages, paths) asked with different keys are one query per host.
// Package facts holds the built-in ones.
//
// RunValidators and RunDebuggers run a list of plugins, stream every
// Finding to an optional Reporter, and return a Report: its Outcome is the
// run's verdict, its Hosts what the run learnt of each host's transport. A
// plugin that panics or overruns its time limit becomes a failure and the
// run goes on; cancelling the context stops it. Package report writes a
// Report as text, JSON, JUnit or HTML; package baseline compares it with an
// earlier one and with waivers, so that a CI job fails only on regressions.
//
// Every finding has an ID, "<check>/<key>" (Scope.Key gives the key), that
// with its host names the same thing in every run. Text taken from the
// environment reaches a shell only through ShellQuote. Secrets (every
// attribute whose key redact.IsSecretKey, and RunOptions.Secrets) are replaced by
// [REDACTED] everywhere a report shows text.
//
// The core package depends only on the standard library and yaml.v3, and
// needs Go 1.25. DIFFERENCES.md says how it differs from the Python
// Calyptos; CHANGELOG.md records every change of the API.
package calyptos
