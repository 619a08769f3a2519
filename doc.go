// Package calyptos checks multi-host cloud deployments, before they are
// installed and while they run. It is the Go rebuild of the plugin system
// of Calyptos, the Eucalyptus deployment tool, as a library other Go tools
// embed.
//
// A deployment is described by an environment file (the Calyptos /
// Eucalyptus cookbook format). LoadEnvironment parses it into a
// RoleBuilder, which groups every host by role (clc, user-facing, walrus,
// cluster-controller, storage-controller, node-controller, console, ceph,
// riak, midonet, zookeeper, cassandra and "all"). Both topology styles of
// the format are accepted: the legacy one (clc-1: ip, cc-1, sc-1,
// space-separated nodes) and the list one (clc: [ip, ...]).
//
// Checks are plugins. A Validator inspects the description before
// anything is deployed; a Debugger logs into the running hosts through an
// Executor (package sshexec over SSH, localexec on this machine,
// calyptostest in unit tests), runs commands, fetches files and reports
// what is wrong. Both are handed a *Check, the way a test is handed a
// *testing.T: c.Roles() for the hosts, c.Success / c.Failure / c.Warning /
// c.Info (and c.OnHost(h) for per-host findings, c.At(pos) for findings
// about a place in the environment file) to report, and for debuggers
// c.RunOnHosts to run a command on many hosts at once. A plugin that needs
// another time limit than the run's implements TimeoutPlugin. Roles
// unknown to the format are empty (RoleBuilder.Hosts); RoleBuilder.Lookup
// reports them.
//
// A debugger reads host facts (a Fact is a name, a shell command and a
// parser of its output) with Gather, and may declare the facts it needs
// (FactNeeder): a run gathers the selected debuggers' facts with one
// command per host before the first debugger runs, and caches every fact
// it gathers, so that a fact is read once per host however many debuggers
// read it. Package facts holds the built-in facts.
//
// RunValidators and RunDebuggers run a list of plugins, stream every
// Finding to an optional Reporter as it happens, and return a Report with
// per-plugin and total counts. A plugin that panics or overruns its time
// limit becomes a Fail finding and the run goes on; cancelling the context
// stops the run. Package report renders a Report as text, JSON or JUnit
// XML; packages validator and debugger hold the built-in plugins.
//
// Every finding has an ID, "<check>/<key>", which with its host names the
// same thing checked in every run, whatever was measured: the check gives
// the key (c.OnHost(h).Key("tcp-8773").Hint("start the CLC").Failuref(...)),
// or DeriveKey makes one from the format string. Compare, or a Baseline
// with waivers (ParseWaivers), classifies the findings of a run against an
// earlier report as new, still failing, fixed or unchanged, so that a CI
// job fails only on regressions.
//
// Hosts and any other text taken from the environment file must reach a
// shell only through ShellQuote.
//
// # Secrets
//
// The value of every attribute whose key IsSecretKey is a secret: it is
// replaced by [REDACTED], in any letter case and in its URL, JSON and
// shell-quoted forms, in every finding, evidence, probe label and detail,
// and artifact path of a report. A key counts when, lower-cased and with
// '_' read as '-', it contains "pass", "secret", "token" or "credential",
// or its last word ends in "key" or "keys" (and is not a public key). In
// the environment format that covers riakcs access-key and secret-key,
// midokura repo-password, storage properties such as
// <cluster>.storage.sanpassword, and keys such as ssh_key, license-key,
// api-key and private-key that sites add; user names (repo-username,
// chapuser) and file paths (cephkeyringfile) are not secret. Run options
// add more (RunOptions.Secrets, a Redactor).
//
// The core package depends only on the standard library and yaml.v3, and
// needs Go 1.25. How it differs from the Python Calyptos is in
// DIFFERENCES.md.
package calyptos
