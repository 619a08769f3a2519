package debugger

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func has(ls []listener, proto string, port int) bool {
	for _, l := range ls {
		if l.Proto == proto && l.Port == port {
			return true
		}
	}
	return false
}

func TestParseListenersRecorded(t *testing.T) {
	for _, d := range []string{"centos6", "centos7", "debian12", "rocky9"} {
		t.Run(d, func(t *testing.T) {
			ls := parseListeners(sample(t, d, "listeners"))
			for _, p := range []int{22, 53, 8443, 8773, 8774, 8775, 8777, 8779} {
				assert.True(t, has(ls, "tcp", p), "tcp/%d", p)
			}
			for _, p := range []int{53, 7500, 8773} {
				assert.True(t, has(ls, "udp", p), "udp/%d", p)
			}
			assert.False(t, has(ls, "udp", 8774))
			assert.False(t, has(ls, "tcp", 7500))
		})
	}
}

func TestParseListeners(t *testing.T) {
	tests := []struct {
		name string
		out  string
		want []listener
	}{
		{"ss -H ipv4", "tcp LISTEN 0 128 0.0.0.0:8773 0.0.0.0:*\n", []listener{{"tcp", "0.0.0.0", 8773}}},
		{"ss ipv6 brackets", "tcp LISTEN 0 50 [::]:8773 [::]:*\n", []listener{{"tcp", "::", 8773}}},
		{"ss star", "tcp LISTEN 0 4096 *:8773 *:*\n", []listener{{"tcp", "*", 8773}}},
		{"ss scoped", "udp UNCONN 0 0 127.0.0.53%lo:53 0.0.0.0:*\n", []listener{{"udp", "127.0.0.53", 53}}},
		{"ss ipv6 scoped", "udp UNCONN 0 0 [fe80::1%eth0]:123 [::]:*\n", []listener{{"udp", "fe80::1", 123}}},
		// What iproute2's ss really prints for a socket bound to a device:
		// the scope after the closing bracket (recorded on Debian 12).
		{"ss ipv6 scope after bracket", "tcp LISTEN 0 128 [fe80::fc:ff:fe00:1]%eth0:8773 [::]:*\n", []listener{{"tcp", "fe80::fc:ff:fe00:1", 8773}}},
		{"ss any scoped", "udp UNCONN 0 0 [::]%eth0:547 [::]:*\n", []listener{{"udp", "::", 547}}},
		{"ss ipv4 any scoped", "udp UNCONN 0 0 0.0.0.0%eth0:68 0.0.0.0:*\n", []listener{{"udp", "0.0.0.0", 68}}},
		{"netstat truncated ipv6", "tcp6 0 0 fe80::fc:ff:fe00::18773 :::* LISTEN\n", []listener{{"tcp", "fe80::fc:ff:fe00:", 18773}}},
		{"ss with process", `tcp LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=812,fd=3))` + "\n", []listener{{"tcp", "0.0.0.0", 22}}},
		{"ss without netid", "State Recv-Q Send-Q Local Address:Port Peer Address:Port\nLISTEN 0 128 *:8773 *:*\n", []listener{{"tcp", "*", 8773}}},
		{"ss udp without netid", "UNCONN 0 0 *:7500 *:*\n", []listener{{"udp", "*", 7500}}},
		{"netstat ipv6 triple colon", "tcp 0 0 :::8773 :::* LISTEN\n", []listener{{"tcp", "::", 8773}}},
		{"netstat -p", "tcp 0 0 0.0.0.0:8777 0.0.0.0:* LISTEN 2044/postgres\nudp 0 0 0.0.0.0:7500 0.0.0.0:* 2044/java\n",
			[]listener{{"tcp", "0.0.0.0", 8777}, {"udp", "0.0.0.0", 7500}}},
		{"netstat tcp6", "tcp6 0 0 :::8443 :::* LISTEN 2044/java\n", []listener{{"tcp", "::", 8443}}},
		// net-tools' netstat prints the state through gettext: under a
		// non-English LANG it may be translated. A TCP socket whose peer is
		// the wildcard is a listener whatever the word.
		{"netstat translated state", "tcp 0 0 0.0.0.0:8773 0.0.0.0:* ÉCOUTE\ntcp6 0 0 :::8443 :::* ESCUCHAR 2044/java\n",
			[]listener{{"tcp", "0.0.0.0", 8773}, {"tcp", "::", 8443}}},
		{"netstat translated established ignored", "tcp 0 0 192.0.2.5:41234 192.0.2.10:8773 ÉTABLIE\n", nil},
		// The original's regex matched all of these for 8773.
		{"longer port is not 8773", "tcp LISTEN 0 128 0.0.0.0:87730 0.0.0.0:*\n", []listener{{"tcp", "0.0.0.0", 87730 % 65536}}[:0]},
		{"other port containing 8773", "tcp LISTEN 0 128 0.0.0.0:18773 0.0.0.0:*\n", []listener{{"tcp", "0.0.0.0", 18773}}},
		{"foreign address column ignored", "tcp 0 0 192.0.2.5:41234 192.0.2.10:8773 ESTABLISHED\n", nil},
		{"established ss ignored", "tcp ESTAB 0 0 192.0.2.5:41234 192.0.2.10:8773\n", nil},
		{"unix socket ignored", "unix 2 [ ACC ] STREAM LISTENING 1234 /run/x.sock\n", nil},
		{"header only", "Netid State Recv-Q Send-Q Local Address:Port Peer Address:Port\n", nil},
		{"port 0", "udp UNCONN 0 0 0.0.0.0:0 0.0.0.0:*\n", nil},
		{"signed port", "udp UNCONN 0 0 0.0.0.0:+53 0.0.0.0:*\n", nil},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseListeners(tt.out)
			if len(tt.want) == 0 {
				assert.Empty(t, got)
				return
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseServices(t *testing.T) {
	tests := []struct {
		name string
		line string
		want serviceState
	}{
		{"systemd active", "unit=ntpd init=systemd active=active enabled=enabled",
			serviceState{Name: "ntpd", Init: "systemd", Running: true, Installed: true, Enabled: "yes", Detail: "active"}},
		{"systemd inactive installed", "unit=ntpd init=systemd active=inactive enabled=disabled",
			serviceState{Name: "ntpd", Init: "systemd", Installed: true, Enabled: "no", Detail: "inactive"}},
		{"systemd failed", "unit=eucalyptus-cloud init=systemd active=failed enabled=enabled",
			serviceState{Name: "eucalyptus-cloud", Init: "systemd", Installed: true, Enabled: "yes", Detail: "failed"}},
		{"systemd absent unit", "unit=eucalyptus-cc init=systemd active=inactive enabled=",
			serviceState{Name: "eucalyptus-cc", Init: "systemd", Detail: "not installed"}},
		{"sysv running", "unit=ntpd init=sysv status=0 boot=ntpd,0:off,1:off,2:on,3:on,4:on,5:on,6:off text=ntpd (pid  1466) is running...",
			serviceState{Name: "ntpd", Init: "sysv", Running: true, Installed: true, Enabled: "yes", Detail: "exit 0: ntpd (pid  1466) is running..."}},
		{"sysv stopped", "unit=eucalyptus-cc init=sysv status=3 boot=eucalyptus-cc,0:off,1:off,2:on,3:on,4:on,5:on,6:off text=eucalyptus-cc is stopped",
			serviceState{Name: "eucalyptus-cc", Init: "sysv", Installed: true, Enabled: "yes", Detail: "exit 3: eucalyptus-cc is stopped"}},
		// The original grepped for "running" and passed this.
		{"sysv not running exit 0", "unit=eucalyptus-cc init=sysv status=0 boot= text=eucalyptus-cc is not running",
			serviceState{Name: "eucalyptus-cc", Init: "sysv", Installed: true, Detail: "exit 0: eucalyptus-cc is not running"}},
		{"sysv runlevel off", "unit=ntpd init=sysv status=0 boot=ntpd,0:off,1:off,2:off,3:on,4:on,5:on,6:off text=ntpd (pid 1) is running...",
			serviceState{Name: "ntpd", Init: "sysv", Running: true, Installed: true, Enabled: "no", Detail: "exit 0: ntpd (pid 1) is running..."}},
		{"sysv unrecognized", "unit=chronyd init=sysv status=1 boot= text=chronyd: unrecognized service",
			serviceState{Name: "chronyd", Init: "sysv", Detail: "not installed (exit 1: chronyd: unrecognized service)"}},
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

func TestParseMeminfo(t *testing.T) {
	m, err := parseMeminfo(sample(t, "centos6", "meminfo"))
	require.NoError(t, err)
	assert.Equal(t, meminfo{TotalKiB: 8061540, AvailableKiB: 512344 + 203112 + 2837760, Estimated: true}, m)
	m, err = parseMeminfo(sample(t, "centos7", "meminfo"))
	require.NoError(t, err)
	assert.Equal(t, meminfo{TotalKiB: 8010180, AvailableKiB: 3402760}, m)
	_, err = parseMeminfo("MemFree: 1 kB\n")
	assert.ErrorIs(t, err, errNoData)
	_, err = parseMeminfo("MemTotal: 1 kB\n")
	assert.ErrorIs(t, err, errNoData)
	_, err = parseMeminfo("MemTotal: -5 kB\nMemAvailable: x kB\n")
	assert.ErrorIs(t, err, errNoData)
}

func TestParseDF(t *testing.T) {
	tests := []struct {
		name string
		out  string
		want dfEntry
	}{
		{"centos6 long device", sample(t, "centos6", "df"), dfEntry{"/dev/mapper/vg_clc-lv_root", 51475068, 18803772, 30049856, 39, "/"}},
		{"debian12", sample(t, "debian12", "df"), dfEntry{"/dev/vda1", 102626232, 12077960, 85288940, 13, "/"}},
		{"marker before header", absentMarker + "\nFilesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda1 1000 10 990 1% /\n",
			dfEntry{"/dev/sda1", 1000, 10, 990, 1, "/"}},
		{"--output", "Filesystem     1K-blocks    Used   Avail Use% Mounted on\n/dev/vda1      102626232 12077960 85288940  13% /var/lib/eucalyptus\n",
			dfEntry{"/dev/vda1", 102626232, 12077960, 85288940, 13, "/var/lib/eucalyptus"}},
		{"--output reordered", "1K-blocks Use% Mounted on\n2048 91% /srv/euca data\n", dfEntry{SizeKiB: 2048, UsePercent: 91, Mount: "/srv/euca data"}},
		{"no capacity", "Filesystem 1024-blocks Used Available Capacity Mounted on\nnone 0 0 0 - /proc\n", dfEntry{"none", 0, 0, 0, -1, "/proc"}},
		// df translates its header under the host's LANG (EL's /etc/bashrc
		// loads /etc/locale.conf for non-interactive shells too); the -P
		// columns keep their order.
		{"de_DE -P", "Dateisystem              1024-Blöcke  Benutzt Verfügbar Kapazität Eingehängt auf\n/dev/mapper/centos-root     52403200  9443468  42959732       19% /\n",
			dfEntry{"/dev/mapper/centos-root", 52403200, 9443468, 42959732, 19, "/"}},
		{"fr_FR -P", "Sys. de fichiers blocs de 1024 Utilisé Disponible Capacité Monté sur\n/dev/vda1 102626232 12077960 85288940 13% /var/lib/eucalyptus\n",
			dfEntry{"/dev/vda1", 102626232, 12077960, 85288940, 13, "/var/lib/eucalyptus"}},
		{"ja_JP -P, absent marker", absentMarker + "\nファイルシス   1024-ブロック    使用   使用可 容量  マウント位置\n/dev/sda1 1000 10 990 1% /srv/euca data\n",
			dfEntry{"/dev/sda1", 1000, 10, 990, 1, "/srv/euca data"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseDF(tt.out)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	for _, bad := range []string{"", "df: '/var/lib/eucalyptus': No such file or directory\n", "Filesystem 1024-blocks Used\nx y z\n"} {
		_, err := parseDF(bad)
		assert.Error(t, err, bad)
	}
}

func TestParseDU(t *testing.T) {
	n, err := parseDU(sample(t, "centos7", "du"))
	require.NoError(t, err)
	assert.EqualValues(t, 412904, n)
	_, err = parseDU("du: cannot access '/var/lib/eucalyptus/db': No such file or directory\n")
	assert.ErrorIs(t, err, errNoData)
}

func TestParseCPUInfo(t *testing.T) {
	ci := parseCPUInfo(sample(t, "centos7", "cpuinfo"))
	assert.Equal(t, cpuInfo{Processors: 4, Vendors: []string{"GenuineIntel"}, Models: []string{"Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz"}, Virt: "vmx"}, ci)
	assert.True(t, ci.intelOrAMD())
	ci = parseCPUInfo(sample(t, "debian12", "cpuinfo"))
	assert.Equal(t, 2, ci.Processors)
	assert.Equal(t, "svm", ci.Virt)
	assert.True(t, ci.intelOrAMD())

	// The original's [Intel|AMD] class matched any model name with an I, n,
	// t, e, l, |, A, M or D in it.
	arm := parseCPUInfo("processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd\nCPU implementer\t: 0x41\nmodel name\t: Neoverse-N1\n")
	assert.False(t, arm.intelOrAMD())
	via := parseCPUInfo("processor : 0\nvendor_id : CentaurHauls\nmodel name : VIA Nano processor U2250 (1.6GHz Capable)\nflags : fpu vme\n")
	assert.False(t, via.intelOrAMD())
	assert.Empty(t, via.Virt)
	noVendor := parseCPUInfo("processor : 0\nmodel name : AMD Opteron(tm) Processor 6174\n")
	assert.True(t, noVendor.intelOrAMD())
	assert.False(t, parseCPUInfo("").intelOrAMD())
	// Only the first flags line counts, and only whole flags.
	assert.Empty(t, parseCPUInfo("flags : vmxnet svmx\nflags : vmx\n").Virt)
}

func TestParseOSRelease(t *testing.T) {
	tests := []struct {
		name, out string
		want      osInfo
	}{
		{"centos6", sample(t, "centos6", "os-release"), osInfo{"centos", []string{"rhel"}, "6.10", 6, "CentOS release 6.10 (Final)"}},
		{"centos7", sample(t, "centos7", "os-release"), osInfo{"centos", []string{"rhel", "fedora"}, "7", 7, "CentOS Linux 7 (Core)"}},
		{"debian12", sample(t, "debian12", "os-release"), osInfo{"debian", nil, "12", 12, "Debian GNU/Linux 12 (bookworm)"}},
		{"rocky9", sample(t, "rocky9", "os-release"), osInfo{"rocky", []string{"rhel", "centos", "fedora"}, "9.4", 9, "Rocky Linux 9.4 (Blue Onyx)"}},
		{"rhel6", "Red Hat Enterprise Linux Server release 6.5 (Santiago)\n", osInfo{"rhel", []string{"rhel"}, "6.5", 6, "Red Hat Enterprise Linux Server release 6.5 (Santiago)"}},
		{"centos7 system-release", "CentOS Linux release 7.9.2009 (Core)\n", osInfo{"centos", []string{"rhel"}, "7.9.2009", 7, "CentOS Linux release 7.9.2009 (Core)"}},
		{"scientific", "Scientific Linux release 6.4 (Carbon)", osInfo{"scientific", []string{"rhel"}, "6.4", 6, "Scientific Linux release 6.4 (Carbon)"}},
		{"single quotes", "ID='ol'\nVERSION_ID='7.9'\nNAME='Oracle Linux Server'\n", osInfo{"ol", nil, "7.9", 7, "Oracle Linux Server 7.9"}},
		{"no version", "ID=arch\nNAME=Arch\n", osInfo{"arch", nil, "", -1, "Arch"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseOSRelease(tt.out)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	for _, bad := range []string{"", "cat: /etc/redhat-release: No such file or directory\n", "Ubuntu 22.04\n"} {
		_, err := parseOSRelease(bad)
		assert.ErrorIs(t, err, errNoData, bad)
	}
}

func TestParseClock(t *testing.T) {
	tests := []struct {
		out  string
		want time.Time
	}{
		{"1764045296.123456789\n", time.Unix(1764045296, 123456789).UTC()},
		{"1764045296.5", time.Unix(1764045296, 500000000).UTC()},
		{"1764045296.N\n", time.Unix(1764045296, 0).UTC()},
		{"1764045296.%N\n", time.Unix(1764045296, 0).UTC()},
		{"1764045296\n", time.Unix(1764045296, 0).UTC()},
		{"1764045296.1234567891234", time.Unix(1764045296, 123456789).UTC()},
	}
	for _, tt := range tests {
		got, err := parseClock(tt.out)
		require.NoError(t, err, tt.out)
		assert.Equal(t, tt.want, got, tt.out)
	}
	for _, bad := range []string{"", "112233\n"[:0], "date: invalid date\n", "-5.0", "Tue Nov 25 04:30:00 UTC 2026"} {
		_, err := parseClock(bad)
		assert.ErrorIs(t, err, errNoData, bad)
	}
}

func TestParseDescribeServices(t *testing.T) {
	svcs := parseDescribeServices(sample(t, "centos7", "describe-services"))
	require.Len(t, svcs, 9)
	for _, s := range svcs {
		assert.Equal(t, "ENABLED", s.State)
	}
	broken := parseDescribeServices(sample(t, "centos7", "describe-services-broken"))
	var states []string
	for _, s := range broken {
		if s.State != "ENABLED" {
			states = append(states, s.State)
		}
	}
	assert.Equal(t, []string{"NOTREADY", "BROKEN"}, states)
	// A name containing a state word is not a state; lower case states
	// (euca2ools 3.4) are.
	got := parseDescribeServices("SERVICE storage zone-a sc-BROKEN-old enabled 3 http://x arn\nSERVICE cluster zone-a cc disabled\nnot a SERVICE line BROKEN\n")
	assert.Equal(t, []eucaService{
		{"ENABLED", "SERVICE storage zone-a sc-BROKEN-old enabled 3 http://x arn"},
		{"DISABLED", "SERVICE cluster zone-a cc disabled"},
	}, got)
}

func TestParseSosreport(t *testing.T) {
	tests := []struct {
		distro, file, dir string
		archives          []string
	}{
		{"centos6", "sosreport", "/var/tmp/calyptos-sos.k3J9aQ", []string{"/var/tmp/calyptos-sos.k3J9aQ/sosreport-clc.000-20261125043512.tar.xz"}},
		{"centos6", "sosreport-tmp", "/var/tmp/calyptos-sos.Pq7Rs1", []string{"/tmp/sosreport-clc.000-20261125043512.tar.xz"}},
		{"centos7", "sosreport", "/var/tmp/calyptos-sos.Xy12Ab", []string{"/var/tmp/calyptos-sos.Xy12Ab/sosreport-clc-20261125043512.tar.xz"}},
		{"rocky9", "sosreport", "/var/tmp/calyptos-sos.q8Wz0P", []string{"/var/tmp/calyptos-sos.q8Wz0P/sosreport-node1-2026-11-25-abcdefg.tar.xz"}},
		{"debian12", "sosreport", "/var/tmp/calyptos-sos.Lm3nB7", []string{"/var/tmp/calyptos-sos.Lm3nB7/sosreport-debian12-2026-11-25-abcdefg.tar.xz"}},
	}
	for _, tt := range tests {
		dir, archives := parseSosreport(sample(t, tt.distro, tt.file))
		assert.Equal(t, tt.dir, dir, tt.distro)
		assert.Equal(t, tt.archives, archives, tt.distro)
	}
	dir, archives := parseSosreport("calyptos-tmpdir=/var/tmp/x\n/var/tmp/../etc/sosreport-x.tar.xz\n/tmp/sosreport x.tar.xz\n/tmp/notsos.tar.xz\n")
	assert.Equal(t, "/var/tmp/x", dir)
	assert.Empty(t, archives)
}

func TestOwnTempDir(t *testing.T) {
	assert.True(t, ownTempDir("/var/tmp/calyptos-sos.Xy12Ab", "/var/tmp"))
	assert.True(t, ownTempDir("/tmp/calyptos-sos.Xy12Ab", "/tmp/"))
	for _, bad := range []string{"", "/var/tmp", "/var/tmp/", "/", "/var/tmp/sosreport-x", "/var/tmp/calyptos-sos.x/..", "/var/tmp/a/calyptos-sos.x", "/tmp/calyptos-sos.x"} {
		assert.False(t, ownTempDir(bad, "/var/tmp"), bad)
	}
}

func TestParseProbes(t *testing.T) {
	out := "probe 192.0.2.20 8773 0 \n" +
		"probe 192.0.2.10 8777 1 bash: connect: Connection refused bash: line 1: /dev/tcp/192.0.2.10/8777: Connection refused \n" +
		"probe 192.0.2.30 8774 124 \n" +
		"probe 192.0.2.31 8773 1 nc: connect to 192.0.2.31 port 8773 (tcp) timed out: Operation now in progress\n" +
		"probe 192.0.2.32 8775 1 bash: connect: No route to host\n" +
		"probe 192.0.2.33 8775 127 no probe tool: need bash and timeout, or nc\n" +
		"probe 2001:db8::1 8773 0\n" +
		"probe x 99999 0\nprobe x 1 999\nprobe x y 0\ngarbage\n"
	got := parseProbes(out)
	require.Len(t, got, 7)
	var results []string
	for _, p := range got {
		results = append(results, string(classifyProbe(p.Code, p.Detail)))
	}
	assert.Equal(t, []string{"ok", "refused", "timeout", "timeout", "error", "error", "ok"}, results)
	assert.Equal(t, probeLine{"2001:db8::1", 8773, 0, ""}, got[6])
}

func TestParseNICs(t *testing.T) {
	assert.Equal(t, []nic{{Name: "eth0", Speed: 1000, Driver: "e1000e", State: "up"}, {Name: "eth1", Speed: 10000, Driver: "ixgbe", State: "up"}},
		parseNICs(sample(t, "centos6", "nics")))
	assert.Equal(t, []nic{{Name: "em1", Speed: 1000, Driver: "tg3", State: "up"}, {Name: "em2", Speed: -1, Driver: "tg3", State: "down"}},
		parseNICs(sample(t, "centos7", "nics")))
	assert.Equal(t, []nic{{Name: "ens3", Speed: -1, Driver: "virtio_net", State: "up"}}, parseNICs(sample(t, "debian12", "nics")))
	lspci := parseNICs(sample(t, "centos6", "nics-lspci"))
	require.Len(t, lspci, 2)
	assert.Equal(t, 1000, lspci[0].Speed)
	assert.Equal(t, 10000, lspci[1].Speed, "the original failed 10-Gigabit SFP NICs")
	assert.Equal(t, -1, lspciSpeed("00:03.0 Ethernet controller: Red Hat, Inc. Virtio network device"))
	assert.Equal(t, 100, lspciSpeed("Realtek RTL-8139 Fast Ethernet"))
	assert.Empty(t, parseNICs("\n"), "no NIC is no NIC (the original counted one)")
}

func TestParseStatPackagesIperf(t *testing.T) {
	assert.Equal(t, []fileOwner{{"eucalyptus", "eucalyptus", "755", "/var/lib/eucalyptus"}, {"eucalyptus", "eucalyptus", "755", "/var/log/eucalyptus"}},
		parseStat(sample(t, "centos7", "stat")))
	assert.Equal(t, []fileOwner{{"root", "root", "700", "/srv/euca data"}}, parseStat("root root 700 /srv/euca data\nstat: cannot stat '/x': No such file or directory\n"))
	assert.Equal(t, map[string]bool{"ntp": true, "ntpdate": true, "chrony": false, "sos": true, "eucalyptus-sos-plugins": true},
		parsePackages(sample(t, "centos7", "packages")))
	log := "------------------------------------------------------------\nServer listening on UDP port 8773\nBinding to local address 228.7.7.3\nJoining multicast group  228.7.7.3\n" +
		"[  3] local 228.7.7.3 port 8773 connected with 192.0.2.11 port 41234\n[  4] local 228.7.7.3 port 8773 connected with 192.0.2.20 port 5001\n[  3] local 228.7.7.3 port 8773 connected with 192.0.2.11 port 41235\n"
	assert.Equal(t, []string{"192.0.2.11", "192.0.2.20"}, parseIperfPeers(log))
}

func TestParseKV(t *testing.T) {
	assert.Equal(t, map[string]string{"unit": "a", "init": "sysv", "text": "a b  c"}, parseKV("unit=a  init=sysv text=a b  c\n"))
	assert.Equal(t, map[string]string{"x": ""}, parseKV("x= =y novalue"))
}

func TestParseTimeSync(t *testing.T) {
	tests := []struct {
		distro string
		want   timeSync
	}{
		{"centos6", timeSync{"ntpd", true, -1502 * time.Microsecond}},
		{"centos7", timeSync{"ntpd", true, 134 * time.Microsecond}},
		{"rocky9", timeSync{"chrony", true, -12733 * time.Nanosecond}},
		{"debian12", timeSync{"chrony", false, 0}},
	}
	for _, tt := range tests {
		got, err := parseTimeSync(sample(t, tt.distro, "timesync"))
		require.NoError(t, err, tt.distro)
		assert.Equal(t, tt.want, got, tt.distro)
	}
	for _, bad := range []string{"", "506 Cannot talk to daemon\n", "ntpq: read: Connection refused\n"} {
		_, err := parseTimeSync(bad)
		assert.ErrorIs(t, err, errNoData, bad)
	}
}
