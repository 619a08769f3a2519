package calyptostest

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/org/calyptos"
	"github.com/org/calyptos/eucalyptus"
)

// Parse parses an environment file given as text, failing the test if it
// does not parse.
func Parse(t testing.TB, yamlText string) *calyptos.RoleBuilder {
	t.Helper()
	rb, err := eucalyptus.Parse("environment.yml", []byte(yamlText))
	if err != nil {
		t.Fatalf("calyptostest: parse environment: %v", err)
	}
	return rb
}

// KnownRoles fails the test for each name that is not a role of the
// environment format (the eucalyptus Role constants): rb.Hosts("nodes")
// returns nothing, like an empty role, and the typo goes unseen. Pass it
// the role names a plugin reads.
func KnownRoles(t testing.TB, roles ...string) {
	t.Helper()
	known := map[string][]string{}
	for _, r := range formatRoles() {
		known[r] = nil
	}
	format := calyptos.NewRoleBuilder(known)
	for _, r := range roles {
		if _, err := format.Lookup(r); err != nil {
			t.Errorf("calyptostest: %v", err)
		}
	}
}

// RunValidator runs one validator with opts and returns its report,
// failing the test if the run itself fails.
func RunValidator(t testing.TB, rb *calyptos.RoleBuilder, v calyptos.Validator, opts calyptos.RunOptions) *calyptos.Report {
	t.Helper()
	rep, err := calyptos.RunValidators(context.Background(), rb, []calyptos.Validator{v}, opts)
	if err != nil {
		t.Fatalf("calyptostest: run validator %s: %v", v.Name(), err)
	}
	return rep
}

// RunDebugger runs one debugger over exec and returns its report, failing
// the test if the run itself fails. When exec is an *Executor, each call
// it had no rule for fails the test at the line that called RunDebugger.
func RunDebugger(t testing.TB, rb *calyptos.RoleBuilder, exec calyptos.Executor, d calyptos.Debugger, opts calyptos.RunOptions) *calyptos.Report {
	t.Helper()
	rep, err := calyptos.RunDebuggers(context.Background(), rb, exec, []calyptos.Debugger{d}, opts)
	if e, ok := exec.(*Executor); ok && e.t != nil {
		e.reportUnscripted(t, "")
	}
	if err != nil {
		t.Fatalf("calyptostest: run debugger %s: %v", d.Name(), err)
	}
	return rep
}

// Match selects findings. Empty fields match anything; Message matches a
// finding whose message contains it, ID one whose ID ("check/key") is it.
type Match struct {
	Check   string
	Host    string
	Status  calyptos.Status
	Message string
	ID      string
}

func (m Match) matches(f calyptos.Finding) bool {
	return (m.ID == "" || m.ID == f.ID) &&
		(m.Check == "" || m.Check == f.Check) &&
		(m.Host == "" || m.Host == f.Host) &&
		(m.Status == 0 || m.Status == f.Status) &&
		strings.Contains(f.Message, m.Message)
}

// String describes the match for failure messages ("check=hosts status=fail").
func (m Match) String() string {
	var parts []string
	if m.Check != "" {
		parts = append(parts, "check="+m.Check)
	}
	if m.Host != "" {
		parts = append(parts, "host="+m.Host)
	}
	if m.Status != 0 {
		parts = append(parts, "status="+m.Status.String())
	}
	if m.Message != "" {
		parts = append(parts, fmt.Sprintf("message~%q", m.Message))
	}
	if m.ID != "" {
		parts = append(parts, "id="+m.ID)
	}
	return "{" + strings.Join(parts, " ") + "}"
}

// Find returns the findings of rep that m selects.
func Find(rep *calyptos.Report, m Match) []calyptos.Finding {
	var out []calyptos.Finding
	for _, f := range rep.Findings() {
		if m.matches(f) {
			out = append(out, f)
		}
	}
	return out
}

// HasFinding reports (and fails the test when it is not so) whether rep
// has a finding that m selects.
func HasFinding(t testing.TB, rep *calyptos.Report, m Match) bool {
	t.Helper()
	if len(Find(rep, m)) > 0 {
		return true
	}
	t.Errorf("no finding matches %v; findings:\n%s", m, Dump(rep))
	return false
}

// NoFinding reports (and fails the test when it is not so) whether rep has
// no finding that m selects.
func NoFinding(t testing.TB, rep *calyptos.Report, m Match) bool {
	t.Helper()
	found := Find(rep, m)
	if len(found) == 0 {
		return true
	}
	t.Errorf("%d finding(s) match %v, want none:\n%s", len(found), m, dumpFindings(found))
	return false
}

// NoFailures reports (and fails the test when it is not so) whether rep
// has no Fail finding.
func NoFailures(t testing.TB, rep *calyptos.Report) bool {
	t.Helper()
	return NoFinding(t, rep, Match{Status: calyptos.Fail})
}

// Dump formats every finding of rep, one a line, for test failure messages.
func Dump(rep *calyptos.Report) string { return dumpFindings(rep.Findings()) }

func dumpFindings(fs []calyptos.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %-4s %s", f.Status, cmp.Or(f.ID, f.Check))
		if f.Host != "" {
			fmt.Fprintf(&b, " [%s]", f.Host)
		}
		fmt.Fprintf(&b, " %s\n", f.Message)
	}
	return b.String()
}

// formatRoles returns the roles of the environment file format.
func formatRoles() []string {
	return []string{
		eucalyptus.RoleCLC, eucalyptus.RoleUserFacing, eucalyptus.RoleConsole, eucalyptus.RoleWalrus,
		eucalyptus.RoleClusterController, eucalyptus.RoleStorageController, eucalyptus.RoleNodeController,
		eucalyptus.RoleMidonetCluster, eucalyptus.RoleMidolman, eucalyptus.RoleMidonetGateway,
		eucalyptus.RoleMonBootstrap, eucalyptus.RoleCephMons, eucalyptus.RoleCephOSDs, eucalyptus.RoleRiakHead,
		eucalyptus.RoleRiakNode, eucalyptus.RoleHAProxy, eucalyptus.RoleNginx, eucalyptus.RoleZookeeper,
		eucalyptus.RoleCassandra, eucalyptus.RoleSetupAdminCreds, eucalyptus.RoleConfigureEucalyptus,
		eucalyptus.RoleConfigureVPC, calyptos.RoleAll,
	}
}
