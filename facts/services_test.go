package facts

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/shelltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseServices(t *testing.T) {
	tests := []struct {
		name string
		line string
		want ServiceState
	}{
		{"systemd active", "unit=ntpd init=systemd active=active enabled=enabled",
			ServiceState{Name: "ntpd", Init: "systemd", Running: true, Installed: true, Enabled: "yes", Detail: "active"}},
		{"systemd inactive installed", "unit=ntpd init=systemd active=inactive enabled=disabled",
			ServiceState{Name: "ntpd", Init: "systemd", Installed: true, Enabled: "no", Detail: "inactive"}},
		{"systemd failed", "unit=eucalyptus-cloud init=systemd active=failed enabled=enabled",
			ServiceState{Name: "eucalyptus-cloud", Init: "systemd", Installed: true, Enabled: "yes", Detail: "failed"}},
		{"systemd absent unit", "unit=eucalyptus-cc init=systemd active=inactive enabled=",
			ServiceState{Name: "eucalyptus-cc", Init: "systemd", Detail: "not installed"}},
		{"systemd show not found", "unit=eucalyptus-cc init=systemd load=not-found active=inactive enabled=",
			ServiceState{Name: "eucalyptus-cc", Init: "systemd", Detail: "not installed"}},
		{"systemd show masked", "unit=ntpd init=systemd load=masked active=inactive enabled=masked",
			ServiceState{Name: "ntpd", Init: "systemd", Installed: true, Enabled: "no", Detail: "inactive"}},
		{"systemd show loaded without unit file state", "unit=x init=systemd load=loaded active=inactive enabled=",
			ServiceState{Name: "x", Init: "systemd", Installed: true, Detail: "inactive"}},
		{"systemd absent unit (is-enabled)", "unit=eucalyptus-cc init=systemd active=inactive enabled=",
			ServiceState{Name: "eucalyptus-cc", Init: "systemd", Detail: "not installed"}},
		{"sysv running", "unit=ntpd init=sysv status=0 boot=ntpd,0:off,1:off,2:on,3:on,4:on,5:on,6:off text=ntpd (pid  1466) is running...",
			ServiceState{Name: "ntpd", Init: "sysv", Running: true, Installed: true, Enabled: "yes", Detail: "exit 0: ntpd (pid  1466) is running..."}},
		{"sysv stopped", "unit=eucalyptus-cc init=sysv status=3 boot=eucalyptus-cc,0:off,1:off,2:on,3:on,4:on,5:on,6:off text=eucalyptus-cc is stopped",
			ServiceState{Name: "eucalyptus-cc", Init: "sysv", Installed: true, Enabled: "yes", Detail: "exit 3: eucalyptus-cc is stopped"}},
		// The original grepped for "running" and passed this.
		{"sysv not running exit 0", "unit=eucalyptus-cc init=sysv status=0 boot= text=eucalyptus-cc is not running",
			ServiceState{Name: "eucalyptus-cc", Init: "sysv", Installed: true, Detail: "exit 0: eucalyptus-cc is not running"}},
		{"sysv runlevel off", "unit=ntpd init=sysv status=0 boot=ntpd,0:off,1:off,2:off,3:on,4:on,5:on,6:off text=ntpd (pid 1) is running...",
			ServiceState{Name: "ntpd", Init: "sysv", Running: true, Installed: true, Enabled: "no", Detail: "exit 0: ntpd (pid 1) is running..."}},
		{"sysv unrecognized", "unit=chronyd init=sysv status=1 boot= text=chronyd: unrecognized service",
			ServiceState{Name: "chronyd", Init: "sysv", Detail: "not installed (exit 1: chronyd: unrecognized service)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseServices(tt.line + "\n")
			require.Len(t, got, 1)
			assert.Equal(t, tt.want, got[0])
		})
	}
	assert.Empty(t, parseServices("garbage\nunit= init=systemd\nunit=x init=upstart active=active\n"))
}

// sysvShell returns sh, or skips a test of serviceScript's SysV branch on
// a machine that runs systemd (the script would take the other branch).
func sysvShell(t *testing.T) string {
	t.Helper()
	sh := shelltest.Path(t, "sh")
	if _, err := os.Stat("/run/systemd/system"); err == nil {
		t.Skip("this machine runs systemd: the script takes its systemd branch")
	}
	return sh
}

// The services program, services.sh as it is and as a host gets it (the
// line that sets the names and directories, the comments gone), keeps to
// shellcheck's POSIX sh rules.
func TestServiceScriptShellcheck(t *testing.T) {
	t.Run("services.sh", func(t *testing.T) { shelltest.CheckPOSIX(t, servicesShell) })
	t.Run("command", func(t *testing.T) { shelltest.CheckPOSIX(t, serviceScript("ntpd", "evil; rm -rf /", "it's")) })
}

func TestServiceScriptQuotes(t *testing.T) {
	s := serviceScript("ntpd", "evil; rm -rf /")
	assert.Contains(t, s, "for s in ntpd 'evil; rm -rf /'; do")
}

// TestServiceScriptLocalizedChkconfig runs serviceScript's SysV branch on
// this machine with stand-ins for service and chkconfig. chkconfig
// translates "on" and "off" (German: "Ein", "Aus"), and the host's LANG
// reaches it through /etc/bashrc even over a non-interactive SSH session:
// a service enabled in runlevels 2-5 must still read as enabled.
func TestServiceScriptLocalizedChkconfig(t *testing.T) {
	sh := sysvShell(t)
	dir := t.TempDir()
	write := func(name, body string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body), 0o755))
	}
	write("chkconfig", `case "${LC_ALL:-${LC_MESSAGES:-$LANG}}" in
de*) printf 'ntpd           \t0:Aus\t1:Aus\t2:Ein\t3:Ein\t4:Ein\t5:Ein\t6:Aus\n' ;;
*) printf 'ntpd           \t0:off\t1:off\t2:on\t3:on\t4:on\t5:on\t6:off\n' ;;
esac
`)
	write("service", "echo \"$1 (pid  1466) wird ausgeführt...\"\n")
	write("ntpd", "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, sh, "-c", serviceScriptIn([4]string{"/nonexistent", dir, dir, dir}, "ntpd"))
	cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"), "LANG=de_DE.UTF-8", "LC_ALL=", "LC_MESSAGES=")
	out, err := cmd.Output()
	require.NoError(t, err)
	states := parseServices(string(out))
	require.Len(t, states, 1, "%s", out)
	assert.True(t, states[0].Running, "%+v", states[0])
	assert.Equal(t, "yes", states[0].Enabled, "%+v", states[0])
}

// TestServiceScriptStatusLineIsLast runs serviceScript's SysV branch with
// a stand-in for service that, like the Eucalyptus init scripts, prints a
// warning before its status line ("You should have at least 32 loop
// devices"), and says "stopped" while exiting 0: the status line decides.
func TestServiceScriptStatusLineIsLast(t *testing.T) {
	sh := sysvShell(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "service"), []byte(`#!/bin/sh
echo "You should have at least 32 loop devices"
case "$1" in
eucalyptus-nc) echo "eucalyptus-nc is stopped" ;;
*) echo "$1 (pid  1991) is running..." ;;
esac
echo
`), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "eucalyptus-nc"), nil, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "libvirtd.conf"), nil, 0o644)) // an upstart job
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, sh, "-c", serviceScriptIn([4]string{"/nonexistent", dir, "/nonexistent", dir}, "eucalyptus-nc", "libvirtd"))
	cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
	out, err := cmd.Output()
	require.NoError(t, err)
	states := parseServices(string(out))
	require.Len(t, states, 2, "%s", out)
	assert.False(t, states[0].Running, "%+v", states[0])
	assert.Equal(t, "exit 0: eucalyptus-nc is stopped", states[0].Detail)
	assert.True(t, states[1].Running, "%+v", states[1])
	assert.Equal(t, "exit 0: libvirtd (pid  1991) is running...", states[1].Detail)
}

// TestServiceScriptNoInitScript: for a service without an init script or
// upstart job, service(8) is not run (it would only print "NAME:
// unrecognized service" and exit 1), and the script says what it would
// have; chkconfig, when missing, is not run either.
func TestServiceScriptNoInitScript(t *testing.T) {
	sh := sysvShell(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "service"), []byte("#!/bin/sh\necho ran >&2; echo \"$1 is running\"\n"), 0o755))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, sh, "-c", serviceScriptIn([4]string{"/nonexistent", dir, dir, dir}, "ntpd"))
	cmd.Env = append(os.Environ(), "PATH="+dir+":/usr/bin:/bin")
	out, err := cmd.Output()
	require.NoError(t, err)
	assert.Equal(t, "unit=ntpd init=sysv status=1 boot= text=ntpd: unrecognized service\n", string(out))
	states := parseServices(string(out))
	require.Len(t, states, 1)
	assert.Equal(t, ServiceState{Name: "ntpd", Init: "sysv", Detail: "not installed (exit 1: ntpd: unrecognized service)"}, states[0])
}

// TestServiceScriptSaysWhatServiceSays compares, on this machine, the line
// the script writes for a service without an init script with what
// service(8) itself prints for it.
func TestServiceScriptSaysWhatServiceSays(t *testing.T) {
	svc, err := exec.LookPath("service")
	if err != nil {
		t.Skip("no service(8) here")
	}
	sh := sysvShell(t)
	const name = "calyptos-no-such-service"
	real, err := exec.Command(svc, name, "status").CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	out, err := exec.Command(sh, "-c", serviceScript(name)).Output()
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprintf("unit=%s init=sysv status=%d boot= text=%s\n", name, ee.ExitCode(), strings.TrimSpace(string(real))), string(out))
}

// sysvScriptBefore is the SysV branch serviceScript had before it saved
// processes: the oracle of TestServiceScriptLikeBefore.
func sysvScriptBefore(names ...string) string {
	return "for s in " + quoteAll(names) + "; do o=$(LC_ALL=C service \"$s\" status 2>&1); r=$?; " +
		"printf 'unit=%s init=sysv status=%s boot=%s text=%s\\n' \"$s\" \"$r\" " +
		"\"$(LC_ALL=C chkconfig --list \"$s\" 2>/dev/null | head -n 1 | tr -s ' \\t' ',,')\" \"$(printf '%s\\n' \"$o\" | sed '/^[[:space:]]*$/d' | tail -n 1)\"; done"
}

// TestServiceScriptLikeBefore runs the SysV branch and the script it
// replaced side by side, in each shell at hand, with stand-ins for
// service(8) (one-line, multi-line, blank and no output; a service with
// an init script) and without service(8) on the PATH at all, where the
// shell's own "not found" is the text.
func TestServiceScriptLikeBefore(t *testing.T) {
	sysvShell(t) // skips on systemd; the shells are below
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	require.NoError(t, os.Mkdir(bin, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(bin, "service"), []byte(`#!/bin/sh
case "$1" in
one) echo "one is running"; exit 0 ;;
multi) printf 'warning\n\none is stopped  \n \n'; exit 3 ;;
blank) printf '  \n'; exit 4 ;;
esac
`), 0o755))
	names := []string{"one", "multi", "blank", "silent"}
	for _, n := range names {
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), nil, 0o755))
	}
	for _, shell := range []string{"dash", "bash", "busybox"} {
		for _, path := range []string{bin + ":/usr/bin:/bin", "/usr/bin:/bin"} {
			t.Run(shell+" PATH="+path, func(t *testing.T) {
				sh := shelltest.Path(t, shell)
				run := func(script string) string {
					cmd := exec.Command(sh, "-c", script)
					cmd.Env = []string{"PATH=" + path}
					out, _ := cmd.Output()
					return string(out)
				}
				// The shell's "not found" names the script line of the call.
				line := regexp.MustCompile(`(line )?[0-9]+: service`)
				want := line.ReplaceAllString(run(sysvScriptBefore(names...)), "N: service")
				assert.Equal(t, want, line.ReplaceAllString(run(serviceScriptIn([4]string{"/nonexistent", dir, dir, dir}, names...)), "N: service"))
				assert.Len(t, parseServices(want), len(names), "%s", want)
			})
		}
	}
}

func FuzzParseServices(f *testing.F) {
	seed(f, "services", "unit=x init=sysv status=3 boot=x,2:on text=x is stopped\n")
	f.Add("unit=y init=systemd load=not-found active=inactive enabled=\nunit=z init=systemd load=loaded active=active enabled=static\n")
	f.Fuzz(func(t *testing.T, out string) {
		for _, s := range parseServices(out) {
			if s.Name == "" || (s.Running && !s.Installed) || (s.Enabled != "" && s.Enabled != "yes" && s.Enabled != "no") {
				t.Fatalf("bad service %+v", s)
			}
		}
	})
}

// systemdStub writes a stand-in systemctl into a fresh directory: show
// prints the file show (systemctl show's output, one block per unit named,
// written by systemctl(1)'s documented format: these recordings were not
// taken from a host), is-active and is-enabled print their arguments' states
// from states ("NAME ACTIVE ENABLED" lines), and every call is logged.
func systemdStub(t *testing.T, show, states string) (bin, log string) {
	t.Helper()
	bin = t.TempDir()
	log = filepath.Join(bin, "calls")
	require.NoError(t, os.WriteFile(filepath.Join(bin, "states"), []byte(states), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(bin, "systemctl"), []byte(`#!/bin/sh
echo "$1" >>`+calyptos.ShellQuote(log)+`
case $1 in
show) cat `+calyptos.ShellQuote(show)+` ;;
is-active|is-enabled) while read -r n a e; do [ "$n" = "$2" ] || continue; [ "$1" = is-active ] && echo "$a" || echo "$e"; exit 0; done <`+calyptos.ShellQuote(filepath.Join(bin, "states"))+`; exit 4 ;;
esac
`), 0o755))
	return bin, log
}

// TestServiceScriptSystemdShow runs the systemd branch, in each shell at
// hand, on each distribution's recorded systemctl show output: one
// systemctl call for every unit, and the same states as the recorded
// is-active/is-enabled lines (services.txt) for the units both name; a unit
// systemd does not know is not installed.
func TestServiceScriptSystemdShow(t *testing.T) {
	tests := []struct {
		distro  string
		names   []string
		missing string
	}{
		{"rocky9", []string{"chronyd", "eucalyptus-cloud", "eucalyptus-cluster", "eucalyptus-node", "libvirtd", "ntpd"}, "ntpd"},
		{"centos7", []string{"chronyd", "eucalyptus-cloud", "eucalyptus-cluster", "eucalyptus-node", "libvirtd", "ntpd", "ntpsec"}, "ntpsec"},
		// chronyd is an alias of chrony.service: its block's Id is chrony's.
		{"debian12", []string{"chronyd", "eucalyptus-cloud", "eucalyptus-cluster", "eucalyptus-node", "libvirtd", "ntpd"}, "ntpd"},
	}
	for _, shell := range []string{"dash", "bash", "busybox"} {
		for _, tt := range tests {
			t.Run(shell+"/"+tt.distro, func(t *testing.T) {
				sh := shelltest.Path(t, shell)
				show, err := filepath.Abs(filepath.Join("testdata", tt.distro, "systemctl-show.txt"))
				require.NoError(t, err)
				bin, log := systemdStub(t, show, "")
				cmd := exec.Command(sh, "-c", serviceScriptIn([4]string{bin, "/nonexistent", "/nonexistent", "/nonexistent"}, tt.names...))
				cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin"}
				out, err := cmd.Output()
				require.NoError(t, err)
				calls, err := os.ReadFile(log)
				require.NoError(t, err)
				assert.Equal(t, "show\n", string(calls), "one systemctl call")
				got := map[string]ServiceState{}
				for _, s := range parseServices(string(out)) {
					got[s.Name] = s
				}
				require.Len(t, got, len(tt.names), "%s", out)
				for _, want := range parseServices(sample(t, tt.distro, "services")) {
					assert.Equal(t, want, got[want.Name])
				}
				assert.Equal(t, ServiceState{Name: tt.missing, Init: "systemd", Detail: "not installed"}, got[tt.missing])
			})
		}
	}
}

// TestServiceScriptSystemdFallback: where systemctl show's blocks do not
// match the names one to one (it failed, or a pattern matched several
// units), the script asks is-active and is-enabled per unit, as before.
func TestServiceScriptSystemdFallback(t *testing.T) {
	two := filepath.Join(t.TempDir(), "two")
	require.NoError(t, os.WriteFile(two, []byte("Id=a.service\nLoadState=loaded\nActiveState=active\nUnitFileState=enabled\n\n"+
		"Id=b.service\nLoadState=loaded\nActiveState=failed\nUnitFileState=disabled\n"), 0o644))
	states := "a active enabled\nb failed disabled\n"
	for _, tt := range []struct{ name, show string }{{"no output", "/nonexistent"}, {"more blocks than names", two}} {
		t.Run(tt.name, func(t *testing.T) {
			sh := shelltest.Path(t, "sh")
			bin, log := systemdStub(t, tt.show, states)
			cmd := exec.Command(sh, "-c", serviceScriptIn([4]string{bin, "/nonexistent", "/nonexistent", "/nonexistent"}, "a"))
			cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin"}
			out, err := cmd.Output()
			require.NoError(t, err)
			assert.Equal(t, "unit=a init=systemd active=active enabled=enabled\n", string(out))
			calls, err := os.ReadFile(log)
			require.NoError(t, err)
			assert.Equal(t, "show\nis-active\nis-enabled\n", string(calls))
		})
	}
}
