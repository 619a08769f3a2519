package calyptos_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
)

// lineFamily is a test family: its command echoes "key=K value=V" for
// each key, and Split gives each key its line.
func lineFamily(split func(keys []string, o calyptos.Output) map[string]calyptos.Output) *calyptos.Family {
	if split == nil {
		split = func(keys []string, o calyptos.Output) map[string]calyptos.Output {
			m := map[string]calyptos.Output{}
			for line := range strings.Lines(o.Stdout) {
				k, _, _ := strings.Cut(strings.TrimPrefix(line, "key="), " ")
				m[k] = calyptos.Output{Stdout: m[k].Stdout + line}
			}
			return m
		}
	}
	return &calyptos.Family{Name: "lines", Split: split,
		Command: func(keys []string) string { return "lines " + strings.Join(keys, " ") }}
}

func member(f *calyptos.Family, name string, keys ...string) *calyptos.Fact[string] {
	return &calyptos.Fact[string]{Name: name, Family: f, Keys: keys,
		Parse: func(o calyptos.Output) (string, error) { return strings.TrimSpace(o.Stdout), nil }}
}

// gatherMembers declares facts on one host and gathers each in turn.
func gatherMembers(t *testing.T, fake *calyptostest.Executor, fs ...*calyptos.Fact[string]) []calyptos.FactResult[string] {
	t.Helper()
	rb := calyptos.NewRoleBuilder(map[string][]string{"web": {"10.0.0.1"}})
	var got []calyptos.FactResult[string]
	d := &factDebugger{needs: fs, run: func(ctx context.Context, c *calyptos.Check) {
		for _, f := range fs {
			got = append(got, calyptos.Gather(ctx, c, f, []string{"10.0.0.1"})[0])
		}
	}}
	_, err := calyptos.RunDebuggers(t.Context(), rb, fake, []calyptos.Debugger{d}, calyptos.RunOptions{})
	require.NoError(t, err)
	return got
}

type factDebugger struct {
	needs []*calyptos.Fact[string]
	run   func(ctx context.Context, c *calyptos.Check)
}

func (*factDebugger) Name() string { return "facts" }

func (d *factDebugger) Needs(rb *calyptos.RoleBuilder) []calyptos.Need {
	var ns []calyptos.Need
	for _, f := range d.needs {
		ns = append(ns, calyptos.Need{Fact: f, Hosts: rb.All()})
	}
	return ns
}

func (d *factDebugger) Debug(ctx context.Context, c *calyptos.Check) { d.run(ctx, c) }

func TestFamilyMergesMembersIntoOneCommand(t *testing.T) {
	fam := lineFamily(nil)
	fake := calyptostest.NewExecutor(nil)
	fake.On("", "lines a b c").Stdout("key=a value=1\nkey=b value=2\nkey=c value=3\n")
	got := gatherMembers(t, fake, member(fam, "ab", "b", "a"), member(fam, "bc", "b", "c"))
	require.Len(t, got, 2)
	require.NoError(t, got[0].Err)
	require.NoError(t, got[1].Err)
	assert.Equal(t, "key=b value=2\nkey=a value=1", got[0].Value, "a member reads its own keys, in its order")
	assert.Equal(t, "key=b value=2\nkey=c value=3", got[1].Value)
	assert.Equal(t, 1, fake.CallCount("lines a b c"), "one command for the union of the keys")
	assert.Equal(t, 1, fake.Sessions("10.0.0.1"))
}

func TestFamilyMissingKeyFailsOnlyItsMembers(t *testing.T) {
	fam := lineFamily(nil)
	fake := calyptostest.NewExecutor(nil)
	fake.On("", "lines a b").Stdout("key=a value=1\n")
	got := gatherMembers(t, fake, member(fam, "a", "a"), member(fam, "b", "b"))
	require.NoError(t, got[0].Err)
	assert.ErrorIs(t, got[1].Err, calyptos.ErrFactLost)
	assert.ErrorContains(t, got[1].Err, `no result for "b"`)
}

func TestFamilySplitPanicLosesTheFamilyNotTheRun(t *testing.T) {
	fam := lineFamily(func([]string, calyptos.Output) map[string]calyptos.Output { panic("boom") })
	fake := calyptostest.NewExecutor(nil)
	fake.On("", "lines a").Stdout("key=a\n")
	plain := &calyptos.Fact[string]{Name: "plain", Command: "plain",
		Parse: func(o calyptos.Output) (string, error) { return o.Stdout, nil }}
	fake.On("", "plain").Stdout("ok")
	got := gatherMembers(t, fake, member(fam, "a", "a"), plain)
	assert.ErrorIs(t, got[0].Err, calyptos.ErrFactLost)
	assert.ErrorContains(t, got[0].Err, "Split panicked")
	require.NoError(t, got[1].Err, "the other facts of the session survive")
	assert.Equal(t, "ok", got[1].Value)
}

func TestFamilyNonZeroExitReachesMembers(t *testing.T) {
	fam := lineFamily(func(keys []string, o calyptos.Output) map[string]calyptos.Output {
		return map[string]calyptos.Output{"a": {Stdout: "x", ExitCode: 3}}
	})
	fake := calyptostest.NewExecutor(nil)
	fake.On("", "lines a").Exit(3)
	got := gatherMembers(t, fake, member(fam, "a", "a"))
	require.NoError(t, got[0].Err)
	assert.Equal(t, 3, got[0].Output.ExitCode)
}
