// Package checks runs declarative checks: a YAML file that says, per role
// of a fleet, what its hosts must look like, with goss's resources (port,
// service, package, file, command, kernel-param, mount, process, user,
// group, http) and calyptos's own (disk, memory, clock), and which roles
// must or must not reach which others over TCP (reach edges). The format
// is documented in docs/checks.md and docs/checks.schema.json.
//
//	f, err := checks.Load("checks.yml")       // positioned errors, errors.Is(err, checks.ErrInvalid)
//	err = f.Validate(rb)                      // every role named is one of rb's
//	rep, err := calyptos.RunDebuggers(ctx, rb, exec, f.Debuggers(), calyptos.RunOptions{Secrets: f.Secrets()})
//
// A file compiles onto facts (calyptos.Fact, calyptos.Family): each
// resource type of a role is one member of a fact family, so that every
// resource of a type on a host, whatever roles ask for it, is one command
// of the host's one gathering session, shared with the other debuggers of
// the run. The reach edges are probed from the source hosts with
// debugger.ProbeTCP, inside that same session: one command per source
// host for all its edges.
//
// Debuggers returns one debugger per role section, named RoleName(role)
// ("checks:web"), and one for the edges, named ReachName ("checks"). Each
// reports one finding per host and assertion, keyed
// <resource>:<key>:<attribute> ("service:nginx:running") or
// reach:<from>-><to>:<port>, positioned at the assertion in the file, with
// a hint, and with what the host printed as evidence when it fails.
//
// Files: load.go (Load, Parse, Validate), parse*.go (the walk of the YAML
// tree), schema.go (the table of resource types), matcher.go (goss's
// matchers), hostfacts.go, plainfacts.go and httpfact.go (the commands the
// hosts run), family.go (how the families' output is framed), observe*.go
// (a host's state per resource), report.go (verdicts), debugger.go,
// clock.go and reach.go (the debuggers).
package checks
