package debugger

import (
	"testing"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/eucalyptus"
	"github.com/stretchr/testify/assert"
)

const clc = "192.0.2.10"

func clcRoles() *calyptos.RoleBuilder {
	return roles(map[string][]string{eucalyptus.RoleCLC: {clc}})
}

func TestComponentStorageCheck(t *testing.T) {
	tests := []struct {
		name   string
		script func(e *calyptostest.Executor)
		want   []string
	}{
		{"centos6", func(e *calyptostest.Executor) { scriptDistro(t, e, "", "centos6") }, []string{
			"pass h 30.0 GiB minimum disk requirement met: /var/lib/eucalyptus is 49.1 GiB",
			"pass h 3.8 GiB minimum memory requirement met: 7.7 GiB total",
		}},
		{"debian12", func(e *calyptostest.Executor) { scriptDistro(t, e, "", "debian12") }, []string{
			"pass h 30.0 GiB minimum disk requirement met: /var/lib/eucalyptus is 97.9 GiB",
			"pass h 3.8 GiB minimum memory requirement met: 15.6 GiB total",
		}},
		{"too small", func(e *calyptostest.Executor) {
			e.On("", diskCommand(DefaultEucalyptusDir)).Stdout("Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/vda1 20511312 1 2 1% /\n")
			e.On("", memCommand).Stdout("MemTotal: 3880000 kB\nMemFree: 1 kB\n")
		}, []string{
			"fail h 30.0 GiB minimum disk requirement has not been met: /var/lib/eucalyptus is 19.6 GiB",
			"fail h 3.8 GiB minimum memory requirement has not been met: 3.7 GiB total",
		}},
		// A filesystem made on a 30 GiB volume is a little smaller than 30
		// GiB; the original's `df --block-size G` rounded its size up to
		// 30G, so it passed. Only a size of 29 GiB or less failed there.
		{"30 GiB volume", func(e *calyptostest.Executor) {
			e.On("", diskCommand(DefaultEucalyptusDir)).Stdout("Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/mapper/vg-euca 30832548 45080 29198272 1% /var/lib/eucalyptus\n")
			e.On("", memCommand).Stdout("MemTotal: 4000000 kB\nMemFree: 1 kB\n")
		}, []string{
			"pass h 30.0 GiB minimum disk requirement met: /var/lib/eucalyptus is 29.4 GiB",
			"pass h 3.8 GiB minimum memory requirement met: 3.8 GiB total",
		}},
		{"29 GiB", func(e *calyptostest.Executor) {
			e.On("", diskCommand(DefaultEucalyptusDir)).Stdout("Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/vda2 30408704 45080 29198272 1% /var/lib/eucalyptus\n")
			e.On("", memCommand).Stdout("MemTotal: 3999999 kB\nMemFree: 1 kB\n")
		}, []string{
			"fail h 30.0 GiB minimum disk requirement has not been met: /var/lib/eucalyptus is 29.0 GiB",
			"fail h 3.8 GiB minimum memory requirement has not been met: 3.8 GiB total",
		}},
		{"no eucalyptus directory", func(e *calyptostest.Executor) {
			e.On("", diskCommand(DefaultEucalyptusDir)).Stdout(absentMarker + "\n" + sample(t, "rocky9", "df"))
			e.On("", memCommand).Stdout(sample(t, "rocky9", "meminfo"))
		}, []string{
			"pass h 30.0 GiB minimum disk requirement met: / (/var/lib/eucalyptus absent) is 70.0 GiB",
			"pass h 3.8 GiB minimum memory requirement met: 15.6 GiB total",
		}},
		{"unreadable", func(e *calyptostest.Executor) {
			e.On("", diskCommand(DefaultEucalyptusDir)).Stderr("df: /: Permission denied").Exit(1)
			e.On("", memCommand).Stderr("cat: /proc/meminfo: No such file or directory").Exit(1)
		}, []string{
			"fail h cannot read the size of /var/lib/eucalyptus: df: no usable data in output",
			"fail h cannot read memory size: meminfo: MemTotal: no usable data in output",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := calyptostest.NewExecutor(nil)
			tt.script(e)
			rep := run(t, roles(map[string][]string{eucalyptus.RoleConsole: {"h"}}), e, &ComponentStorageCheck{})
			assert.Equal(t, tt.want, statuses(rep))
		})
	}
}

func TestComponentStorageCheckOptions(t *testing.T) {
	e := calyptostest.NewExecutor(t)
	e.On("", diskCommand("/srv/euca data")).Stdout(sample(t, "centos7", "df"))
	e.On("", memCommand).Stdout(sample(t, "centos7", "meminfo"))
	rep := run(t, roles(map[string][]string{eucalyptus.RoleCLC: {"h"}}), e, &ComponentStorageCheck{MinDisk: 100 << 30, MinMemory: 8 << 30, Dir: "/srv/euca data"})
	assert.Equal(t, []string{
		"fail h 100.0 GiB minimum disk requirement has not been met: /srv/euca data is 50.0 GiB",
		"fail h 8.0 GiB minimum memory requirement has not been met: 7.6 GiB total",
	}, statuses(rep))
	assert.Contains(t, diskCommand("/srv/euca data"), "'/srv/euca data'", "paths are shell-quoted")
}

func TestDebugCloudControllerHealthy(t *testing.T) {
	for _, d := range []string{"centos6", "centos7"} {
		t.Run(d, func(t *testing.T) {
			e := calyptostest.NewExecutor(t)
			scriptDistro(t, e, clc, d)
			rep := run(t, clcRoles(), e, &DebugCloudController{})
			want := []string{
				"pass 192.0.2.10 CLC service running (eucalyptus-cloud: active)",
				"pass 192.0.2.10 No services in DISABLED",
				"pass 192.0.2.10 No services in BROKEN",
				"pass 192.0.2.10 No services in NOTREADY",
				"pass 192.0.2.10 Was able to access postgres DB",
				"pass 192.0.2.10 Database size 403.2 MiB is under 2.9 GiB",
				"pass 192.0.2.10 /var/lib/eucalyptus is 19% full (limit 85%)",
				"pass 192.0.2.10 1.9 GiB+ of memory available (3.2 GiB, MemAvailable)",
			}
			if d == "centos6" {
				want[0] = "pass 192.0.2.10 CLC service running (eucalyptus-cloud: exit 0: eucalyptus-cloud (pid  2044) is running...)"
				want[6] = "pass 192.0.2.10 /var/lib/eucalyptus is 39% full (limit 85%)"
				// No MemAvailable on this EL6 kernel: free+buffers+cached, as
				// the old free's "-/+ buffers/cache" line showed.
				want[7] = "pass 192.0.2.10 1.9 GiB+ of memory available (3.4 GiB, MemFree+Buffers+Cached)"
			}
			assert.Equal(t, want, statuses(rep))
		})
	}
}

func TestDebugCloudControllerBroken(t *testing.T) {
	e := calyptostest.NewExecutor(t)
	scriptDistro(t, e, clc, "centos7")
	e.OnMatch(clc, `services_systemd=/run/systemd/system `).Stdout("unit=eucalyptus-cloud init=systemd active=failed enabled=enabled\n")
	e.On(clc, describeServicesCommand).Stdout(sample(t, "centos7", "describe-services-broken"))
	e.OnMatch(clc, `^psql `).Stdout(`psql: could not connect to server: No such file or directory
	Is the server running locally and accepting
	connections on Unix domain socket "/var/lib/eucalyptus/db/data/.s.PGSQL.8777"?`).Exit(2)
	e.OnMatch(clc, `^du -sk `).Stdout("3460120\t/var/lib/eucalyptus/db\n")
	e.On(clc, diskCommand(DefaultEucalyptusDir)).Stdout("Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda2 100 91 9 91% /var/lib/eucalyptus\n")
	e.On(clc, memCommand).Stdout("MemTotal: 8010180 kB\nMemFree: 100000 kB\nMemAvailable: 1500000 kB\n")
	rep := run(t, clcRoles(), e, &DebugCloudController{})
	assert.Equal(t, []string{
		"fail 192.0.2.10 CLC service not running (eucalyptus-cloud: failed)",
		"pass 192.0.2.10 No services in DISABLED",
		"fail 192.0.2.10 Some services are in BROKEN (1)",
		"fail 192.0.2.10 Some services are in NOTREADY (1)",
		"fail 192.0.2.10 Unable to access postgres DB",
		"fail 192.0.2.10 Database is larger than 2.9 GiB (3.3 GiB). Consider removing reporting data with eureport-delete-data",
		"fail 192.0.2.10 /var/lib/eucalyptus is more than 85% full (91%)",
		"fail 192.0.2.10 Less than 1.9 GiB of memory available (1.4 GiB, MemAvailable)",
	}, statuses(rep))
	broken := calyptostest.Find(rep, calyptostest.Match{Message: "BROKEN (1)"})
	assert.Contains(t, broken[0].Evidence, "sc-zone-b")
	pg := calyptostest.Find(rep, calyptostest.Match{Message: "postgres"})
	assert.Contains(t, pg[0].Evidence, ".s.PGSQL.8777")
}

func TestDebugCloudControllerWithoutEuca2ools(t *testing.T) {
	e := calyptostest.NewExecutor(t)
	scriptDistro(t, e, clc, "rocky9")
	rep := run(t, clcRoles(), e, &DebugCloudController{})
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: clc, Status: calyptos.Warn, Message: "euca-describe-services is not installed: service states not checked"})
	calyptostest.NoFailures(t, rep)

	// Installed but without credentials: a warning naming the cause, not
	// three passes.
	e = calyptostest.NewExecutor(t)
	scriptDistro(t, e, clc, "centos7")
	e.On(clc, describeServicesCommand).Stdout("ERROR: failed to find credentials; try --help\n").Exit(1)
	rep = run(t, clcRoles(), e, &DebugCloudController{})
	calyptostest.HasFinding(t, rep, calyptostest.Match{Host: clc, Status: calyptos.Warn, Message: "listed no services (exit 1)"})
	calyptostest.NoFinding(t, rep, calyptostest.Match{Message: "No services in"})
}

// du run by a login that cannot read the PostgreSQL data directory prints
// the size of what it could read and exits 1: that partial size must not
// pass as the size of the database.
func TestDebugCloudControllerDBSizePartial(t *testing.T) {
	tests := []struct {
		name, stdout string
		want         string
	}{
		{"unreadable data directory", "8\t/var/lib/eucalyptus/db\n",
			"fail 192.0.2.10 cannot read the whole database directory (du exit 1): its size is at least 8.0 KiB"},
		{"partial size already too large", "3460120\t/var/lib/eucalyptus/db\n",
			"fail 192.0.2.10 Database is larger than 2.9 GiB (3.3 GiB). Consider removing reporting data with eureport-delete-data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := calyptostest.NewExecutor(t)
			scriptDistro(t, e, clc, "centos7")
			e.OnMatch(clc, `^du -sk `).Stdout(tt.stdout).Stderr("du: cannot read directory '/var/lib/eucalyptus/db/data': Permission denied\n").Exit(1)
			rep := run(t, clcRoles(), e, &DebugCloudController{})
			calyptostest.NoFinding(t, rep, calyptostest.Match{Status: calyptos.Pass, Message: "Database size"})
			assert.Contains(t, statuses(rep), tt.want)
			f := calyptostest.Find(rep, calyptostest.Match{Message: "atabase"})
			if assert.Len(t, f, 1) && tt.name == "unreadable data directory" {
				assert.Contains(t, f[0].Evidence, "Permission denied")
			}
		})
	}
}

func TestDebugCloudControllerOptions(t *testing.T) {
	e := calyptostest.NewExecutor(t)
	scriptDistro(t, e, clc, "centos7")
	d := &DebugCloudController{MaxDBSize: 100 << 20, MaxDiskUse: 10, MinAvailableMemory: 4 << 30, DBDir: "/srv/db dir/data", DBPort: 5432, DBUser: "euca admin", Services: []string{"eucalyptus-cloud", "eucalyptus-cloud-alt"}}
	rep := run(t, clcRoles(), e, d)
	assert.Equal(t, 1, e.CallCount(`psql -X -P pager=off -h '/srv/db dir/data' -p 5432 -U 'euca admin' -d eucalyptus_shared -c '\dt *.*' 2>&1`))
	assert.Equal(t, 1, e.CallCount(`du -sk '/srv/db dir'`))
	for _, m := range []string{"Database is larger than 100.0 MiB", "/var/lib/eucalyptus is more than 10% full", "Less than 4.0 GiB of memory available"} {
		calyptostest.HasFinding(t, rep, calyptostest.Match{Status: calyptos.Fail, Message: m})
	}
}

// A DBDir written with a trailing slash still has the size of the whole
// database directory measured (its parent), not only the data directory.
func TestDebugCloudControllerDBDirTrailingSlash(t *testing.T) {
	e := calyptostest.NewExecutor(t)
	scriptDistro(t, e, clc, "centos7")
	run(t, clcRoles(), e, &DebugCloudController{DBDir: "/srv/db/data/"})
	assert.Equal(t, 1, e.CallCount(`du -sk /srv/db`))
}

func TestDebugClusterController(t *testing.T) {
	tests := []struct {
		name, out string
		want      []string
	}{
		{"el7 eucalyptus-cluster", "unit=eucalyptus-cluster init=systemd active=active enabled=enabled\nunit=eucalyptus-cc init=systemd active=inactive enabled=\n",
			[]string{"pass cc CC service running (eucalyptus-cluster: active)"}},
		{"el6 eucalyptus-cc", "unit=eucalyptus-cluster init=sysv status=1 boot= text=eucalyptus-cluster: unrecognized service\n" +
			"unit=eucalyptus-cc init=sysv status=0 boot=eucalyptus-cc,2:on,3:on,4:on,5:on text=eucalyptus-cc (pid 1873) is running...\n",
			[]string{"pass cc CC service running (eucalyptus-cc: exit 0: eucalyptus-cc (pid 1873) is running...)"}},
		{"el6 stopped", "unit=eucalyptus-cluster init=sysv status=1 boot= text=eucalyptus-cluster: unrecognized service\n" +
			"unit=eucalyptus-cc init=sysv status=3 boot= text=eucalyptus-cc is stopped\n",
			[]string{"fail cc CC service not running (eucalyptus-cluster: not installed (exit 1: eucalyptus-cluster: unrecognized service); eucalyptus-cc: exit 3: eucalyptus-cc is stopped)"}},
		// The original passed this: its output contains "running".
		{"not running exit 0", "unit=eucalyptus-cc init=sysv status=0 boot= text=eucalyptus-cc is not running\n",
			[]string{"fail cc CC service not running (eucalyptus-cc: exit 0: eucalyptus-cc is not running)"}},
		{"no output", "", []string{"fail cc CC service state unknown: no status for eucalyptus-cluster, eucalyptus-cc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := calyptostest.NewExecutor(t)
			e.On("cc", serviceScript("eucalyptus-cluster", "eucalyptus-cc")).Stdout(tt.out)
			rep := run(t, roles(map[string][]string{eucalyptus.RoleClusterController: {"cc"}}), e, &DebugClusterController{})
			assert.Equal(t, tt.want, statuses(rep))
		})
	}
}

func TestDebugNodeController(t *testing.T) {
	rb := roles(map[string][]string{eucalyptus.RoleNodeController: {"nc1", "nc2", "nc3"}})
	e := calyptostest.NewExecutor(t)
	scriptDistro(t, e, "nc1", "centos6")
	scriptDistro(t, e, "nc2", "centos7")
	e.On("nc3", serviceScript("eucalyptus-node", "eucalyptus-nc", "libvirtd")).Stdout(
		"unit=eucalyptus-node init=systemd active=active enabled=enabled\nunit=eucalyptus-nc init=systemd active=inactive enabled=\nunit=libvirtd init=systemd active=inactive enabled=disabled\n")
	rep := run(t, rb, e, &DebugNodeController{})
	assert.Equal(t, []string{
		"pass nc1 NC service running (eucalyptus-nc: exit 0: eucalyptus-nc (pid  1991) is running...)",
		"pass nc1 libvirt service running (libvirtd: exit 0: libvirtd (pid  1688) is running...)",
		"pass nc2 NC service running (eucalyptus-node: active)",
		"pass nc2 libvirt service running (libvirtd: active)",
		"pass nc3 NC service running (eucalyptus-node: active)",
		"fail nc3 libvirt service not running (libvirtd: inactive)",
	}, statuses(rep))
	assert.Equal(t, 3, e.CallCount(serviceScript("eucalyptus-node", "eucalyptus-nc", "libvirtd")), "one command per NC for both services")
}

func TestControllersSkipWithoutRole(t *testing.T) {
	rb := roles(map[string][]string{eucalyptus.RoleConsole: {"h"}})
	for _, d := range []calyptos.Debugger{&DebugCloudController{}, &DebugClusterController{}, &DebugNodeController{}} {
		rep := run(t, rb, calyptostest.NewExecutor(t), d)
		assert.Len(t, calyptostest.Find(rep, calyptostest.Match{Status: calyptos.Skip}), 1, d.Name())
	}
}
