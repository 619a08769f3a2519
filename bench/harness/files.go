package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/org/calyptos/eucalyptus"
)

// writeHostFiles writes, for each host count n, the list of the first n
// hosts, a calyptos environment file whose role "all" is exactly those
// hosts, and an ansible inventory of the same hosts.
func writeHostFiles(fl *fleet, dir string, counts []int) (hostFiles, error) {
	files := hostFiles{hostList: map[int]string{}, env: map[int]string{}, inventory: map[int]string{}, debugFloor: map[int]string{}}
	files.checks = filepath.Join(dir, "checks.yml")
	if err := os.WriteFile(files.checks, []byte(benchChecks), 0o600); err != nil {
		return files, err
	}
	for _, n := range counts {
		hosts := fl.hosts[:n]
		list := filepath.Join(dir, fmt.Sprintf("hosts-%d.txt", n))
		if err := os.WriteFile(list, []byte(strings.Join(hosts, "\n")+"\n"), 0o600); err != nil {
			return files, err
		}
		env := filepath.Join(dir, fmt.Sprintf("env-%d.yml", n))
		data := envYAML(hosts)
		if err := os.WriteFile(env, data, 0o600); err != nil {
			return files, err
		}
		rb, err := eucalyptus.Parse(env, data)
		if err != nil {
			return files, fmt.Errorf("generated environment file %s: %w", env, err)
		}
		if got := len(rb.All()); got != n {
			return files, fmt.Errorf("generated environment file %s has %d hosts, want %d", env, got, n)
		}
		if files.debugFloor[n], err = debugFloorCommand(context.Background(), rb); err != nil {
			return files, err
		}
		inv := filepath.Join(dir, fmt.Sprintf("inventory-%d.ini", n))
		var b strings.Builder
		b.WriteString("[bench]\n")
		for _, h := range hosts {
			b.WriteString(h + "\n")
		}
		fmt.Fprintf(&b, "\n[bench:vars]\nansible_port=%d\n", fl.port)
		if err := os.WriteFile(inv, []byte(b.String()), 0o600); err != nil {
			return files, err
		}
		files.hostList[n], files.env[n], files.inventory[n] = list, env, inv
	}
	return files, nil
}

// envYAML returns an environment file for hosts (at least 3): a CLC that is
// also the user-facing host, one cluster whose CC and SC share the second
// host, and node controllers on the rest.
func envYAML(hosts []string) []byte {
	var b bytes.Buffer
	list := func(hs []string) string { return "[" + strings.Join(hs, ", ") + "]" }
	fmt.Fprintf(&b, "name: bench-%d\n", len(hosts))
	fmt.Fprintf(&b, "description: calyptos benchmark, %d loopback sshd hosts without Eucalyptus\n", len(hosts))
	b.WriteString("default_attributes:\n  eucalyptus:\n    topology:\n")
	fmt.Fprintf(&b, "      clc: %s\n      user-facing: %s\n", list(hosts[:1]), list(hosts[:1]))
	b.WriteString("      clusters:\n        bench:\n")
	fmt.Fprintf(&b, "          cc: %s\n          sc: %s\n", list(hosts[1:2]), list(hosts[1:2]))
	b.WriteString("          storage-backend: overlay\n")
	fmt.Fprintf(&b, "          nodes: %s\n", list(hosts[2:]))
	b.WriteString("    network:\n      mode: EDGE\n")
	b.WriteString("override_attributes: {}\n")
	return b.Bytes()
}

// machine describes where the benchmark ran.
type machine struct {
	CPUs       int        `json:"cpus"`
	Kernel     string     `json:"kernel"`
	CPUModel   string     `json:"cpu_model"`
	LoadBefore [3]float64 `json:"loadavg_before"`
	LoadAfter  [3]float64 `json:"loadavg_after"`
}

func machineInfo() machine {
	m := machine{CPUs: runtime.NumCPU()}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

// loadavg returns the 1, 5 and 15-minute load averages.
func loadavg() [3]float64 {
	var l [3]float64
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return l
	}
	f := strings.Fields(string(b))
	for i := 0; i < 3 && i < len(f); i++ {
		l[i], _ = strconv.ParseFloat(f[i], 64)
	}
	return l
}

func load1() float64 { return loadavg()[0] }

// waitForLoad waits until the 1-minute load average is below limit, for
// at most d, and returns the load averages then.
func waitForLoad(ctx context.Context, limit float64, d time.Duration) [3]float64 {
	deadline := time.Now().Add(d)
	for {
		l := loadavg()
		if limit <= 0 || l[0] < limit || time.Now().After(deadline) || ctx.Err() != nil {
			return l
		}
		fmt.Fprintf(os.Stderr, "harness: load average %.2f >= %.2f, waiting\n", l[0], limit)
		select {
		case <-ctx.Done():
		case <-time.After(15 * time.Second):
		}
	}
}

// versions returns the version line of every tool.
func versions(c config) map[string]string {
	v := map[string]string{"go": runtime.Version()}
	first := func(name string, args ...string) string {
		out, _ := exec.Command(name, args...).CombinedOutput() // a missing tool gives no version
		line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
		return line
	}
	v["openssh"] = first("ssh", "-V")
	v["parallel-ssh"] = first("parallel-ssh", "--version")
	v["ansible"] = first("ansible", "--version")
	if executable(c.calyptosBin) {
		v["calyptos"] = first(c.calyptosBin, "version")
	}
	return v
}
