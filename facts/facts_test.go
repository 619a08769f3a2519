package facts

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/org/calyptos"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// parseWith parses out as fact f's command output.
func parseWith[T any](f *calyptos.Fact[T], out string) (T, error) {
	return f.Parse(calyptos.Output{Stdout: out})
}

// TestRecordedOutputs parses every recorded output of every distribution
// with its fact: each must parse and give a non-empty value.
func TestRecordedOutputs(t *testing.T) {
	checks := map[string]func(string) (bool, error){
		"listeners": func(s string) (bool, error) { v, err := parseWith(Listeners(), s); return len(v) > 0, err },
		"services":  func(s string) (bool, error) { v, err := parseWith(Services("ntpd"), s); return len(v) > 0, err },
		"meminfo":   func(s string) (bool, error) { v, err := parseWith(Memory(), s); return v.TotalKiB > 0, err },
		"df":        func(s string) (bool, error) { v, err := parseWith(DirFilesystem("/x"), s); return v.SizeKiB > 0, err },
		"du":        func(s string) (bool, error) { v, err := parseWith(DirSize("/x"), s); return v > 0, err },
		"cpuinfo":   func(s string) (bool, error) { v, err := parseWith(CPU(), s); return v.Processors > 0, err },
		"os-release": func(s string) (bool, error) {
			v, err := parseWith(OSRelease(), s)
			return v.Major > 0, err
		},
		"uname":             func(s string) (bool, error) { v, err := parseWith(Arch(), s); return v == "x86_64", err },
		"timesync":          func(s string) (bool, error) { v, err := parseWith(NTPSync(), s); return v.Source != "", err },
		"describe-services": func(s string) (bool, error) { _, err := parseWith(EucaServices(), s); return true, err },
		"nics":              func(s string) (bool, error) { v, err := parseWith(NICs(), s); return len(v) > 0, err },
		"stat":              func(s string) (bool, error) { v, err := parseWith(FileOwners("/x"), s); return len(v) > 0, err },
		"packages": func(s string) (bool, error) {
			v, err := parseWith(Packages("ntp"), s)
			return len(v) > 0, err
		},
	}
	for _, distro := range []string{"centos6", "centos7", "debian12", "rocky9"} {
		for name, check := range checks {
			t.Run(distro+"/"+name, func(t *testing.T) {
				ok, err := check(sample(t, distro, name))
				require.NoError(t, err)
				assert.True(t, ok)
			})
		}
	}
}

func allCommands() map[string]string {
	return map[string]string{
		"listeners": Listeners().Command, "services": Services("ntpd", "chronyd").Command, "packages": Packages("ntp", "chrony").Command,
		"meminfo": Memory().Command, "df": DirFilesystem("/var/lib/eucalyptus").Command, "du": DirSize("/var/lib/eucalyptus").Command,
		"cpuinfo": CPU().Command, "os": OSRelease().Command, "arch": Arch().Command, "clock": Clock().Command, "timesync": NTPSync().Command,
		"describe": EucaServices().Command, "psql": EucalyptusDB("/var/lib/eucalyptus/db/data", 8777, "root").Command,
		"stat": FileOwners("/var/lib/eucalyptus").Command, "nics": NICs().Command,
	}
}

// TestCommandsArePOSIX checks that every fact's command parses in a POSIX
// shell (dash where /bin/sh is dash), not only in bash.
func TestCommandsArePOSIX(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	for name, s := range allCommands() {
		out, err := exec.Command(sh, "-n", "-c", s).CombinedOutput()
		assert.NoError(t, err, "%s: %s\n%s", name, out, s)
	}
}

// TestCommandsRunHere runs the facts' commands on this machine and checks
// that their parsers read what they print.
func TestCommandsRunHere(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	runSh := func(s string) calyptos.Output {
		out, _ := exec.CommandContext(ctx, sh, "-c", s).Output()
		return calyptos.Output{Stdout: string(out)}
	}
	_, err = DirFilesystem("/var/lib/eucalyptus").Parse(runSh(DirFilesystem("/var/lib/eucalyptus").Command))
	require.NoError(t, err)
	_, err = Memory().Parse(runSh(Memory().Command))
	require.NoError(t, err)
	_, err = OSRelease().Parse(runSh(OSRelease().Command))
	require.NoError(t, err)
	_, err = Clock().Parse(runSh(Clock().Command))
	require.NoError(t, err)
	ci, _ := CPU().Parse(runSh(CPU().Command))
	assert.Positive(t, ci.Processors)
	svcs, _ := Services("calyptos-no-such-service").Parse(runSh(Services("calyptos-no-such-service").Command))
	require.Len(t, svcs, 1)
	assert.False(t, svcs[0].Running)
	pkgs, _ := Packages("calyptos-no-such-package").Parse(runSh(Packages("calyptos-no-such-package").Command))
	assert.Equal(t, map[string]bool{"calyptos-no-such-package": false}, pkgs)
	st, _ := FileOwners("/").Parse(runSh(FileOwners("/").Command))
	assert.NotEmpty(t, st)
	_, _ = NICs().Parse(runSh(NICs().Command)) // containers may have no NIC with a device
}

// TestFactNamesAreDistinct: two facts with different commands never share
// a name, since a run caches by name.
func TestFactNamesAreDistinct(t *testing.T) {
	names := map[string]string{
		Listeners().Name: Listeners().Command, Services("a").Name: Services("a").Command, Services("a", "b").Name: Services("a", "b").Command,
		Packages("a").Name: Packages("a").Command, Memory().Name: Memory().Command, DirFilesystem("/a").Name: DirFilesystem("/a").Command,
		DirFilesystem("/b").Name: DirFilesystem("/b").Command, DirSize("/a").Name: DirSize("/a").Command, CPU().Name: CPU().Command,
		OSRelease().Name: OSRelease().Command, Arch().Name: Arch().Command, Clock().Name: Clock().Command, NTPSync().Name: NTPSync().Command,
		EucaServices().Name: EucaServices().Command, EucalyptusDB("/a", 1, "u").Name: EucalyptusDB("/a", 1, "u").Command,
		FileOwners("/a").Name: FileOwners("/a").Command, NICs().Name: NICs().Command,
	}
	assert.Len(t, names, 17)
}
