package debugger

import (
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// seed adds every recorded sample named name (all distributions) and the
// extra texts to the corpus.
func seed(f *testing.F, name string, extra ...string) {
	f.Helper()
	files, _ := filepath.Glob(filepath.Join("testdata", "*", name+".txt"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	for _, e := range extra {
		f.Add(e)
	}
}

func FuzzParseListeners(f *testing.F) {
	seed(f, "listeners", "tcp LISTEN 0 1 [::]:8773 [::]:*\n", "tcp 0 0 :::8773 :::* LISTEN\n", "LISTEN 0 1 [fe80::1%eth0]:22 *:*\n")
	f.Fuzz(func(t *testing.T, out string) {
		for _, l := range parseListeners(out) {
			if l.Port < 1 || l.Port > 65535 || (l.Proto != "tcp" && l.Proto != "udp") || l.Addr == "" || strings.ContainsAny(l.Addr, "%[]") {
				t.Fatalf("bad listener %+v", l)
			}
		}
	})
}

func FuzzParseServices(f *testing.F) {
	seed(f, "services", "unit=x init=sysv status=3 boot=x,2:on text=x is stopped\n")
	f.Fuzz(func(t *testing.T, out string) {
		for _, s := range parseServices(out) {
			if s.Name == "" || (s.Running && !s.Installed) || (s.Enabled != "" && s.Enabled != "yes" && s.Enabled != "no") {
				t.Fatalf("bad service %+v", s)
			}
		}
	})
}

func FuzzParseMeminfo(f *testing.F) {
	seed(f, "meminfo", "MemTotal: 1 kB\nMemFree: 2 kB\n")
	f.Fuzz(func(t *testing.T, out string) {
		m, err := parseMeminfo(out)
		if err == nil && (m.TotalKiB < 0 || m.AvailableKiB < 0) {
			t.Fatalf("negative memory %+v", m)
		}
	})
}

func FuzzParseDF(f *testing.F) {
	seed(f, "df", "1K-blocks Use% Mounted on\n5 5% /\n")
	f.Fuzz(func(t *testing.T, out string) {
		e, err := parseDF(out)
		if err == nil && (e.SizeKiB < 0 || e.UsePercent < -1 || e.UsePercent > 100) {
			t.Fatalf("bad df %+v", e)
		}
	})
}

func FuzzParseDU(f *testing.F) {
	seed(f, "du")
	f.Fuzz(func(t *testing.T, out string) {
		if n, err := parseDU(out); err == nil && n < 0 {
			t.Fatalf("negative size %d", n)
		}
	})
}

func FuzzParseCPUInfo(f *testing.F) {
	seed(f, "cpuinfo")
	f.Fuzz(func(t *testing.T, out string) {
		ci := parseCPUInfo(out)
		if ci.Processors < 0 || (ci.Virt != "" && ci.Virt != "vmx" && ci.Virt != "svm") {
			t.Fatalf("bad cpuinfo %+v", ci)
		}
		_ = ci.intelOrAMD()
	})
}

func FuzzParseOSRelease(f *testing.F) {
	seed(f, "os-release", "Red Hat Enterprise Linux Server release 6.5 (Santiago)\n")
	f.Fuzz(func(t *testing.T, out string) {
		info, err := parseOSRelease(out)
		if err == nil && (info.ID == "" || info.Major < -1) {
			t.Fatalf("bad os %+v", info)
		}
	})
}

func FuzzParseClock(f *testing.F) {
	f.Add("1764045296.123456789\n")
	f.Add("1764045296.N")
	f.Add("999999999999999999.9")
	f.Fuzz(func(t *testing.T, out string) {
		if tm, err := parseClock(out); err == nil && tm.Unix() < 0 {
			t.Fatalf("time before the epoch: %v", tm)
		}
	})
}

func FuzzParseDescribeServices(f *testing.F) {
	seed(f, "describe-services")
	seed(f, "describe-services-broken")
	f.Fuzz(func(t *testing.T, out string) {
		for _, s := range parseDescribeServices(out) {
			if !isServiceState(s.State) || !strings.HasPrefix(s.Line, "SERVICE") {
				t.Fatalf("bad service line %+v", s)
			}
		}
	})
}

func FuzzParseSosreport(f *testing.F) {
	seed(f, "sosreport")
	seed(f, "sosreport-tmp")
	f.Fuzz(func(t *testing.T, out string) {
		_, archives := parseSosreport(out)
		for _, a := range archives {
			if !strings.HasPrefix(a, "/") || path.Clean(a) != a || !strings.HasPrefix(path.Base(a), "sosreport") || strings.ContainsAny(a, " \t\n") {
				t.Fatalf("bad archive path %q", a)
			}
		}
	})
}

func FuzzParseProbes(f *testing.F) {
	f.Add("probe 192.0.2.20 8773 0 \nprobe 192.0.2.10 8777 1 bash: connect: Connection refused\n")
	f.Add("probe x 124 124 timed out\n")
	f.Fuzz(func(t *testing.T, out string) {
		for _, p := range parseProbes(out) {
			if p.Port < 1 || p.Port > 65535 || p.Code < 0 || p.Code > 255 || p.Target == "" {
				t.Fatalf("bad probe %+v", p)
			}
			_ = classifyProbe(p.Code, p.Detail)
		}
	})
}

func FuzzParseNICs(f *testing.F) {
	seed(f, "nics")
	seed(f, "nics-lspci")
	f.Fuzz(func(t *testing.T, out string) {
		for _, n := range parseNICs(out) {
			if n.Name == "" || (n.Speed != -1 && n.Speed <= 0) {
				t.Fatalf("bad nic %+v", n)
			}
		}
	})
}

func FuzzParseStat(f *testing.F) {
	seed(f, "stat")
	f.Fuzz(func(t *testing.T, out string) {
		for _, s := range parseStat(out) {
			if s.User == "" || !strings.HasPrefix(s.Path, "/") {
				t.Fatalf("bad stat %+v", s)
			}
		}
	})
}

func FuzzParsePackages(f *testing.F) {
	seed(f, "packages")
	f.Fuzz(func(t *testing.T, out string) {
		for p := range parsePackages(out) {
			if p == "" {
				t.Fatal("empty package name")
			}
		}
	})
}

func FuzzParseIperfPeers(f *testing.F) {
	f.Add("[  3] local 228.7.7.3 port 8773 connected with 192.0.2.11 port 41234\n")
	f.Fuzz(func(t *testing.T, out string) {
		for _, p := range parseIperfPeers(out) {
			if p == "" || strings.ContainsAny(p, " \t\n") {
				t.Fatalf("bad peer %q", p)
			}
		}
	})
}

func FuzzParseKV(f *testing.F) {
	f.Add("unit=a init=sysv status=0 boot= text=a b c")
	f.Fuzz(func(t *testing.T, line string) {
		for k, v := range parseKV(line) {
			if k == "" || (k != "text" && strings.ContainsAny(v, " \t")) {
				t.Fatalf("bad pair %q=%q", k, v)
			}
		}
	})
}

func FuzzParseTimeSync(f *testing.F) {
	seed(f, "timesync")
	f.Fuzz(func(t *testing.T, out string) {
		ts, err := parseTimeSync(out)
		if err == nil && ts.Source != "chrony" && ts.Source != "ntpd" {
			t.Fatalf("bad source %+v", ts)
		}
		if err == nil && !ts.Synced && ts.Offset != 0 && ts.Source == "ntpd" {
			t.Fatalf("offset without sync %+v", ts)
		}
	})
}
