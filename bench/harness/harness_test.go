package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/facts"
	"github.com/org/calyptos/internal/shelltest"
	"github.com/org/calyptos/internal/sshdtest"
)

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
	}
	for _, tt := range tests {
		assert.InDelta(t, tt.want, median(tt.in), 1e-9, "%v", tt.in)
	}
}

func TestHostIP(t *testing.T) {
	tests := []struct {
		i    int
		want string
	}{
		{0, "127.0.0.2"},
		{253, "127.0.0.255"},
		{254, "127.0.1.0"},
		{maxHosts - 1, "127.0.1.255"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, hostIP(tt.i))
	}
}

func TestParseInts(t *testing.T) {
	tests := []struct {
		in      string
		want    []int
		wantErr bool
	}{
		{"100,200", []int{100, 200}, false},
		{" 10 , ", []int{10}, false},
		{"", nil, true},
		{"2", nil, true},
		{"x", nil, true},
		{"100000", nil, true},
	}
	for _, tt := range tests {
		got, err := parseInts(tt.in)
		if tt.wantErr {
			assert.Error(t, err, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
}

func TestEnvYAMLHasEveryHost(t *testing.T) {
	for _, n := range []int{3, 4, 300} {
		hosts := make([]string, n)
		for i := range hosts {
			hosts[i] = hostIP(i)
		}
		rb, err := eucalyptus.Parse("bench.yml", envYAML(hosts))
		require.NoError(t, err, "n=%d", n)
		assert.ElementsMatch(t, hosts, rb.All(), "n=%d", n)
		assert.Equal(t, hosts[:1], rb.Hosts(eucalyptus.RoleCLC))
		assert.Len(t, rb.Hosts(eucalyptus.RoleNodeController), n-2)
	}
}

func TestStatCPU(t *testing.T) {
	// Fields 14..17 are utime, stime, cutime, cstime in clock ticks.
	stat := []byte("123 (a (weird) name) S 1 123 123 0 -1 4194560 100 0 0 0 7 3 20 10 20 0 1 0 100 1000 10")
	assert.Equal(t, 100*time.Millisecond, statCPU(stat, false))
	assert.Equal(t, 400*time.Millisecond, statCPU(stat, true))
	assert.Zero(t, statCPU([]byte("garbage"), true))
	assert.Zero(t, statCPU([]byte("1 (x) S 1 2"), true))
}

func TestLogCounts(t *testing.T) {
	log := "Connection from 127.0.0.1 port 50000 on 127.0.0.7 port 2222 rdomain \"\"\n" +
		"Accepted publickey for calyptos-bench from 127.0.0.1 port 50000 ssh2: ED25519 SHA256:x\n" +
		"Starting session: command for calyptos-bench from 127.0.0.1 port 50000 id 0\n" +
		"Starting session: subsystem 'sftp' for calyptos-bench from 127.0.0.1 port 50000 id 1\n" +
		"Connection from 127.0.0.1 port 50001 on 127.0.0.7 port 2222 rdomain \"\"\n" +
		"Connection from 127.0.0.1 port 50002 on 127.0.0.8 port 2222 rdomain \"\"\n"
	lc := logCounts{PerAddr: map[string]int{}}
	lc.add([]byte(log))
	assert.Equal(t, map[string]int{"127.0.0.7": 2, "127.0.0.8": 1}, lc.PerAddr)
	assert.Equal(t, 2, lc.Sessions)
}

func TestReadMaxRSS(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		content string
		want    int64
	}{
		{"5120\n", 5120},
		{"Command exited with non-zero status 1\n7168\n", 7168},
		{"", 0},
	}
	for _, tt := range tests {
		f := filepath.Join(dir, "rss")
		require.NoError(t, os.WriteFile(f, []byte(tt.content), 0o600))
		assert.Equal(t, tt.want, readMaxRSS(f), "%q", tt.content)
	}
	assert.Zero(t, readMaxRSS(filepath.Join(dir, "missing")))
}

func TestLastLines(t *testing.T) {
	assert.Equal(t, "last line", lastLines(strings.Repeat("x", tailMax)+"\nlast line\n", 1))
	assert.Equal(t, "a | b", lastLines("\na\n\nb\n", 5))
}

func TestTargets(t *testing.T) {
	r := &results{Config: resultConfig{Hosts: []int{100, 200}, Tools: allTools()}}
	add := func(tool string, n int, wall, cpu float64, rssKiB int64, logins int) {
		r.Runs = append(r.Runs, measurement{Tool: tool, Hosts: n, Round: 1, Wall: wall, CPU: cpu,
			MaxRSSKiB: rssKiB, Handshakes: logins, MinPerHost: 1, MaxPerHost: 1, OK: true})
	}
	add("floor", 100, 1.0, 0.1, 10<<10, 100)
	add("calyptos-execute", 100, 1.05, 0.2, 20<<10, 100)
	add("pssh", 100, 2.0, 5, 10<<10, 100)
	add("ansible", 100, 10, 10, 50<<10, 100)
	add("calyptos-debug", 100, 5, 1, 30<<10, 100)
	add("debug-floor", 100, 4.5, 1, 30<<10, 100)
	add("ansible-setup", 100, 20, 10, 50<<10, 100)
	add("calyptos-execute", 200, 2, 0.8, 120<<10, 200) // 4 ms/host, 120 MiB
	add("calyptos-debug", 200, 9, 1, 30<<10, 260)
	r.summarize()
	met := map[string]bool{}
	for _, tg := range r.Targets {
		met[tg.Goal] = tg.Met
	}
	assert.Equal(t, map[string]bool{
		"execute wall / floor wall at N=100":                             true,
		"execute wall / parallel-ssh wall at N=100 (about 0.6)":          true,
		"execute wall / ansible -m shell wall at N=100 (well under 0.2)": true,
		"execute client CPU per host at N=100 (ms)":                      true,
		"execute client CPU per host at N=200 (ms)":                      false,
		"execute peak RSS at N=200 (MiB)":                                false,
		"debug: SSH logins per host at N=100":                            true,
		"debug wall / calyptos-execute wall at N=100":                    false,
		"debug wall / calyptos-execute wall at N=200":                    false,
		"debug wall / debug-floor wall at N=100":                         true,
		"debug wall / ansible-setup wall at N=100":                       true,
		"debug: SSH sessions per host at N=100":                          true,
		"debug: SSH sessions per host at N=200":                          true,
		"debug: SSH logins per host at N=200":                            false,
	}, met)
	s := r.find("pssh", 100)
	require.NotNil(t, s)
	assert.InDelta(t, 2.0/1.05, s.VsCalyptos, 1e-9)
	assert.InDelta(t, 50, s.CPUPerHostMs, 1e-9)
}

// TestFleetCountsLogins starts a small fleet over two sshd processes and
// checks that a run of the OpenSSH client on every host is measured with
// one login and one connection per host.
func TestFleetCountsLogins(t *testing.T) {
	sshdtest.SkipIfUnavailable(t)
	sshBin, err := exec.LookPath("ssh")
	if err != nil {
		t.Skip("ssh client not installed")
	}
	if os.Geteuid() != 0 {
		t.Skip("the benchmark's login user is created with useradd: needs root")
	}
	// Root's own login runs its shell start-up files, which on some
	// machines take seconds; the benchmark logs in as a plain user.
	// One account per test process: two suites running at once on one
	// machine must not authorize keys into, or delete, each other's.
	u, err := ensureUser(fmt.Sprintf("calyptos-bt-%d", os.Getpid()))
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, u.remove()) })
	dir := t.TempDir()
	fl, err := startFleet(3, 2, dir, filepath.Join(dir, "pids"), u)
	require.NoError(t, err)
	t.Cleanup(fl.close)
	require.Len(t, fl.servers, 2)
	pids, err := os.ReadFile(filepath.Join(dir, "pids"))
	require.NoError(t, err)
	assert.Len(t, strings.Fields(string(pids)), 2)

	var script strings.Builder
	for _, h := range fl.hosts {
		script.WriteString(strings.Join([]string{sshBin, "-F", "/dev/null", "-p", strconv.Itoa(fl.port), "-i", fl.keyFile,
			"-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "UserKnownHostsFile=" + fl.knownHostsFile,
			"-o", "StrictHostKeyChecking=yes", "-l", fl.user, h, "true"}, " ") + " || exit 1\n")
	}
	r := &runner{fleet: fl, timeout: time.Minute, env: []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}, dir: dir}
	if _, err := os.Stat("/usr/bin/time"); err == nil {
		r.timeBin = "/usr/bin/time"
	}
	m := r.measure(t.Context(), tool{
		Name:           "ssh-loop",
		Cmd:            func(int) []string { return []string{"/bin/sh", "-c", script.String()} },
		OKExit:         func(code int) bool { return code == 0 },
		OneConnPerHost: true,
	}, 3, 1)
	assert.True(t, m.OK, m.Problem)
	assert.Equal(t, 3, m.Handshakes)
	assert.Equal(t, 3, m.Connections)
	assert.Equal(t, 1, m.MinPerHost)
	assert.Equal(t, 1, m.MaxPerHost)
	assert.Equal(t, u.name, fl.user)
	assert.Equal(t, 3, m.Sessions)
	assert.Positive(t, m.CPU)
	assert.InDelta(t, m.CPU, m.WaitCPU, 0.01, "wait4 and RUSAGE_CHILDREN agree")
	assert.Positive(t, m.MaxRSSKiB)
	assert.Positive(t, m.Wait4MaxRSSKiB)

	// A tool that fails is reported with its exit code.
	m = r.measure(t.Context(), tool{
		Name:   "false",
		Cmd:    func(int) []string { return []string{"/bin/sh", "-c", "echo boom >&2; exit 3"} },
		OKExit: func(code int) bool { return code == 0 },
	}, 3, 1)
	assert.False(t, m.OK)
	assert.Equal(t, 3, m.ExitCode)
	assert.Contains(t, m.Problem, "boom")
	assert.Zero(t, m.Handshakes)
}

// TestDebugFloorCommand: debug-floor's command holds the node controller's
// fact commands, bare, and its probe script, and parses in sh.
func TestDebugFloorCommand(t *testing.T) {
	hosts := []string{"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"}
	rb, err := eucalyptus.Parse("env.yml", envYAML(hosts))
	require.NoError(t, err)
	cmd, err := debugFloorCommand(context.Background(), rb)
	require.NoError(t, err)
	for _, want := range []string{"{ " + facts.MeminfoCommand + "\n} </dev/null\n", "{ cat /proc/cpuinfo\n} </dev/null\n", "\nprobe_batch 5 "} {
		assert.Contains(t, cmd, want)
	}
	assert.Equal(t, 1, strings.Count(cmd, "probe_batch() {"), "the probe script once")
	assert.NotContains(t, cmd, "calyptos-facts", "the gathering framework is not part of the floor")
	sh := shelltest.Path(t, "sh")
	out, err := exec.Command(sh, "-n", "-c", cmd).CombinedOutput()
	assert.NoError(t, err, "%s", out)
}
