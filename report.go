package calyptos

import (
	"encoding/json"
	"fmt"
	"time"
)

// Status is the outcome of one finding.
type Status int

// The statuses of a finding. The zero value is invalid, so that a Finding
// built without one is caught.
const (
	Pass Status = iota + 1 // the thing checked is as it should be
	Warn                   // suspicious, but not fatal
	Fail                   // broken: the deployment will not work as described
	Info                   // context for a human; never counted as a result
	Skip                   // the check did not apply (a section absent, an option off)
)

// String returns the name used in JSON and JUnit: pass, warn, fail, info
// or skip.
func (s Status) String() string {
	if n := s.name(); n != "" {
		return n
	}
	return fmt.Sprintf("status(%d)", int(s))
}

func (s Status) name() string {
	switch s {
	case Pass:
		return "pass"
	case Warn:
		return "warn"
	case Fail:
		return "fail"
	case Info:
		return "info"
	case Skip:
		return "skip"
	}
	return ""
}

// MarshalText encodes the status as its name.
func (s Status) MarshalText() ([]byte, error) {
	if n := s.name(); n != "" {
		return []byte(n), nil
	}
	return nil, fmt.Errorf("calyptos: invalid status %d", int(s))
}

// UnmarshalText decodes a status name written by MarshalText.
func (s *Status) UnmarshalText(b []byte) error {
	for st := Pass; st <= Skip; st++ {
		if st.name() == string(b) {
			*s = st
			return nil
		}
	}
	return fmt.Errorf("calyptos: unknown status %q", b)
}

// Finding is a check's verdict on one host, or on the whole deployment
// when Host is empty.
type Finding struct {
	Check   string `json:"check"`
	Host    string `json:"host,omitempty"`
	Status  Status `json:"status"`
	Message string `json:"message"`
	// Evidence is supporting output (the line that matched), redacted.
	Evidence string `json:"evidence,omitempty"`
	// Pos is the place in an input file the finding is about (Scope.At).
	Pos Position `json:"pos,omitzero"`
	// ID is "<check>/<key>": with Host, it names the same thing checked
	// in every run (Scope.Key). Hint says what to do about a failure or
	// warning, Ref where to read more.
	ID   string `json:"id,omitempty"`
	Hint string `json:"hint,omitempty"`
	Ref  string `json:"ref,omitempty"`
}

// Text returns the message after its position, if any: "env.yml:3:1: m".
func (f Finding) Text() string {
	if f.Pos.Line == 0 {
		return f.Message
	}
	return f.Pos.String() + ": " + f.Message
}

// Counts tallies findings by status.
type Counts struct {
	Pass int `json:"pass"`
	Warn int `json:"warn"`
	Fail int `json:"fail"`
	Info int `json:"info"`
	Skip int `json:"skip"`
}

// Add counts one finding of status s.
func (c *Counts) Add(s Status) {
	switch s {
	case Pass:
		c.Pass++
	case Warn:
		c.Warn++
	case Fail:
		c.Fail++
	case Info:
		c.Info++
	case Skip:
		c.Skip++
	}
}

// Merge adds every count of o to c.
func (c *Counts) Merge(o Counts) {
	c.Pass += o.Pass
	c.Warn += o.Warn
	c.Fail += o.Fail
	c.Info += o.Info
	c.Skip += o.Skip
}

// ProbeResult is the outcome of one reachability probe.
type ProbeResult string

// Probe results.
const (
	ProbeOK      ProbeResult = "ok"
	ProbeRefused ProbeResult = "refused"
	ProbeTimeout ProbeResult = "timeout"
	ProbeError   ProbeResult = "error"
	ProbeUnknown ProbeResult = "unknown" // it could not run: its source was unreachable
)

// Probe is a reachability matrix's cell: could From connect to To:Port?
type Probe struct {
	From   string      `json:"from"`
	To     string      `json:"to"`
	Port   int         `json:"port"`
	Proto  string      `json:"proto"`
	Label  string      `json:"label,omitempty"`
	Result ProbeResult `json:"result"`
	Detail string      `json:"detail,omitempty"`
}

// Artifact is a file a check collected onto the local machine.
type Artifact struct {
	Host   string `json:"host,omitempty"`
	Remote string `json:"remote,omitempty"`
	Path   string `json:"path"`
	Bytes  int64  `json:"bytes"`
}

// CheckResult is everything one plugin reported.
type CheckResult struct {
	Name      string        `json:"name"`
	Counts    Counts        `json:"counts"`
	Findings  []Finding     `json:"findings"`
	Probes    []Probe       `json:"probes,omitempty"`
	Artifacts []Artifact    `json:"artifacts,omitempty"`
	Duration  time.Duration `json:"duration_ns"`
}

// Kind says which sort of plugins produced a report.
type Kind string

// The kinds of run.
const (
	KindValidate Kind = "validate"
	KindDebug    Kind = "debug"
)

// Report is a run's result: its checks in run order, and totals.
type Report struct {
	Kind     Kind           `json:"kind"`
	Started  time.Time      `json:"started"`
	Duration time.Duration  `json:"duration_ns"`
	Checks   []*CheckResult `json:"checks"`
	Totals   Counts         `json:"totals"`
	// Interrupted is set when the run's context ended before every check ran.
	Interrupted bool `json:"interrupted,omitempty"`
	// Environment is RoleBuilder.Identity: reports of other deployments
	// are not compared.
	Environment string `json:"environment,omitempty"`
	// Hosts is what the run learnt of each host it called, sorted.
	Hosts []HostState `json:"hosts,omitempty"`
}

// HostState is what a run learnt of one host's transport.
type HostState struct {
	Host string `json:"host"`
	// Reached: a call answered (a command ran, or a file was fetched).
	Reached bool `json:"reached"`
	// Unreachable: a call failed with ErrTransport (Error, redacted).
	Unreachable bool   `json:"unreachable,omitempty"`
	Error       string `json:"error,omitempty"`
}

// Unreachable returns the hosts of the run that were unreachable.
func (r *Report) Unreachable() []HostState {
	var out []HostState
	for _, h := range r.Hosts {
		if h.Unreachable {
			out = append(out, h)
		}
	}
	return out
}

// Outcome is a run's verdict.
type Outcome string

// The outcomes of a run, worst first.
const (
	OutcomeInterrupted Outcome = "interrupted" // the run ended before every check ran
	OutcomeFailed      Outcome = "failed"      // a check failed
	OutcomeWarnings    Outcome = "warnings"    // no failure, but warnings
	OutcomePassed      Outcome = "passed"
)

// Outcome returns the run's verdict, which every output and the CLI's
// exit codes use (with a baseline, package baseline decides).
func (r *Report) Outcome() Outcome {
	switch {
	case r.Interrupted:
		return OutcomeInterrupted
	case r.Totals.Fail > 0:
		return OutcomeFailed
	case r.Totals.Warn > 0:
		return OutcomeWarnings
	}
	return OutcomePassed
}

// Passed reports whether the run ended and no check failed (with strict,
// nor warned).
func (r *Report) Passed(strict bool) bool {
	o := r.Outcome()
	return o == OutcomePassed || o == OutcomeWarnings && !strict
}

// Findings returns every finding in run order (nil Checks skipped).
func (r *Report) Findings() []Finding {
	var n int
	for _, c := range r.Checks {
		if c != nil {
			n += len(c.Findings)
		}
	}
	out := make([]Finding, 0, n)
	for _, c := range r.Checks {
		if c != nil {
			out = append(out, c.Findings...)
		}
	}
	return out
}

// Probes returns the reachability matrix of the whole run.
func (r *Report) Probes() []Probe {
	var out []Probe
	for _, c := range r.Checks {
		if c != nil {
			out = append(out, c.Probes...)
		}
	}
	return out
}

// Check returns the result of the named check, or nil.
func (r *Report) Check(name string) *CheckResult {
	for _, c := range r.Checks {
		if c != nil && c.Name == name {
			return c
		}
	}
	return nil
}

// MarshalJSON writes the stable JSON schema (the duration also in seconds).
func (r *Report) MarshalJSON() ([]byte, error) {
	type plain Report
	return json.Marshal(struct {
		*plain
		Seconds float64 `json:"duration_seconds"`
		Outcome Outcome `json:"outcome"`
	}{(*plain)(r), r.Duration.Seconds(), r.Outcome()})
}
