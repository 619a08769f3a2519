package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/org/calyptos/internal/sshdtest"
)

// fleet is a set of loopback "hosts": sshd processes from package
// sshdtest, each listening on up to sshdtest.MaxAddrs addresses of
// 127.0.0.0/8, all on the same port, all trusting one client key.
type fleet struct {
	servers []*sshdtest.Server
	hosts   []string // IP addresses, in order
	port    int
	wanPort int        // the delay proxies' port in WAN mode, else 0
	user    string     // the login user
	login   *benchUser // nil: the user sshd runs as
	dir     string     // where the shared files below live

	keyFile        string // the client private key, authorized everywhere
	knownHostsFile string // one line per host
}

// firstHostIP is the last octet of the first host: 127.0.0.2 onwards, so
// that 127.0.0.1 (where other programs listen) is never one of the hosts.
const firstHostIP = 2

// maxHosts is how many hosts fit in 127.0.0.2 .. 127.0.1.255.
const maxHosts = 510

// hostIP returns the address of host i (0-based).
func hostIP(i int) string {
	n := firstHostIP + i
	return fmt.Sprintf("127.0.%d.%d", n/256, n%256)
}

// startFleet starts n hosts, perSSHD listen addresses per sshd process, in
// dir. pidFile, if not empty, receives the pid of every sshd as it starts,
// so that a wrapper script can kill them if this process dies without
// cleaning up.
//
// When u is not nil the hosts are logged in to as u, whose
// authorized_keys file receives the client key; otherwise as the user
// sshd runs as.
func startFleet(n, perSSHD int, dir, pidFile string, u *benchUser) (f *fleet, err error) {
	if n < 1 || n > maxHosts {
		return nil, fmt.Errorf("fleet: %d hosts: want 1 to %d", n, maxHosts)
	}
	perSSHD = min(max(perSSHD, 1), sshdtest.MaxAddrs)
	f = &fleet{dir: dir, login: u}
	defer func() {
		if err != nil {
			f.close()
		}
	}()
	for i := range n {
		f.hosts = append(f.hosts, hostIP(i))
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := sshdtest.FreePort(f.hosts)
		if err != nil {
			lastErr = err
			continue
		}
		if lastErr = f.start(port, perSSHD, pidFile, u); lastErr == nil {
			break
		}
		f.close() // a server could not bind the port: start over on another
		f.servers = nil
	}
	if lastErr != nil {
		return nil, lastErr
	}
	if err := f.writeFiles(); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *fleet) start(port, perSSHD int, pidFile string, u *benchUser) error {
	f.port = port
	var extra []string
	if u != nil {
		// sshd reads authorized keys as the user logging in, who cannot
		// read sshdtest's private directory.
		extra = []string{"Match User " + u.name, "  AuthorizedKeysFile " + u.authorizedKeys()}
	}
	for lo := 0; lo < len(f.hosts); lo += perSSHD {
		hi := min(lo+perSSHD, len(f.hosts))
		s, err := sshdtest.StartProcess(sshdtest.Options{
			Addrs: f.hosts[lo:hi],
			Port:  port,
			// Each benchmark connection runs one command, plus SFTP for
			// calyptos debug; this leaves room for both.
			MaxSessions: 10,
			ExtraConfig: extra,
		})
		if err != nil {
			return fmt.Errorf("fleet: start sshd for %s..%s: %w", f.hosts[lo], f.hosts[hi-1], err)
		}
		f.servers = append(f.servers, s)
		if pidFile != "" {
			if pid, err := serverPID(s); err == nil {
				if err := appendLine(pidFile, strconv.Itoa(pid)); err != nil {
					return err
				}
			}
		}
	}
	f.user = f.servers[0].User
	if u != nil {
		f.user = u.name
	}
	return nil
}

// writeFiles puts the client key and a known_hosts file for every host in
// f.dir, and authorizes the first server's client key on every server.
func (f *fleet) writeFiles() error {
	first := f.servers[0]
	key, err := os.ReadFile(first.ClientKeyFile)
	if err != nil {
		return fmt.Errorf("fleet: %w", err)
	}
	f.keyFile = filepath.Join(f.dir, "id_ed25519")
	if err := os.WriteFile(f.keyFile, key, 0o600); err != nil {
		return fmt.Errorf("fleet: %w", err)
	}
	if f.login != nil {
		if err := f.login.authorize(first.ClientSigner.PublicKey()); err != nil {
			return err
		}
	}
	var kh strings.Builder
	for _, s := range f.servers {
		if s != first && f.login == nil {
			if err := s.AuthorizeKey(first.ClientSigner.PublicKey()); err != nil {
				return err
			}
		}
		kh.WriteString(s.KnownHostsLines())
	}
	f.knownHostsFile = filepath.Join(f.dir, "known_hosts")
	if err := os.WriteFile(f.knownHostsFile, []byte(kh.String()), 0o600); err != nil {
		return fmt.Errorf("fleet: %w", err)
	}
	return nil
}

// close stops every sshd and removes their directories.
func (f *fleet) close() {
	for _, s := range f.servers {
		_ = s.Close() // best effort: the directories are temporary
	}
}

// serverStats are the counters read from the fleet around a run.
type serverStats struct {
	// Handshakes is the number of successful logins logged so far.
	Handshakes int
	// CPU is the CPU time (user+system) of the sshd listeners and of every
	// per-connection process they have reaped.
	CPU time.Duration
}

// stats reads the fleet's counters.
func (f *fleet) stats() serverStats {
	var st serverStats
	for _, s := range f.servers {
		st.Handshakes += s.Handshakes()
		if pid, err := serverPID(s); err == nil {
			st.CPU += procCPU(pid, true)
		}
	}
	return st
}

// logCounts is what sshd logged over a span of its log.
type logCounts struct {
	// PerAddr is the number of TCP connections per listen address ("Connection
	// from A port P on 127.0.0.5 port 2222").
	PerAddr map[string]int
	// Sessions is the number of sessions started (commands, shells,
	// subsystems such as SFTP) over all connections.
	Sessions int
}

// readLogs counts what the fleet's sshd logged since the log offsets in
// from (nil: from the start), and returns the counts and the new offsets.
func (f *fleet) readLogs(from []int64) (logCounts, []int64) {
	lc := logCounts{PerAddr: map[string]int{}}
	offs := make([]int64, len(f.servers))
	for i, s := range f.servers {
		b, _ := os.ReadFile(s.LogFile) // a missing log counts as empty
		start := int64(0)
		if from != nil {
			start = min(from[i], int64(len(b)))
		}
		offs[i] = int64(len(b))
		lc.add(b[start:])
	}
	return lc, offs
}

func (lc *logCounts) add(log []byte) {
	for _, m := range connRE.FindAllSubmatch(log, -1) {
		lc.PerAddr[string(m[1])]++
	}
	lc.Sessions += bytes.Count(log, []byte("Starting session: "))
}

// connRE matches sshd's VERBOSE "Connection from" line; group 1 is the
// local (listen) address.
var connRE = regexp.MustCompile(`Connection from \S+ port \d+ on (\S+) port \d+`)

// settle waits until no sshd of the fleet has a child process left (every
// connection of the last run has ended and been reaped, so its CPU is
// counted), for at most d.
func (f *fleet) settle(d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		busy := false
		for _, s := range f.servers {
			if pid, err := serverPID(s); err == nil && hasChildren(pid) {
				busy = true
				break
			}
		}
		if !busy {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func appendLine(path, line string) error {
	fh, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := fh.WriteString(line + "\n"); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}

// serverPID returns the pid of s's listening sshd, from its PidFile.
func serverPID(s *sshdtest.Server) (int, error) {
	b, err := os.ReadFile(filepath.Join(s.Dir, "sshd.pid"))
	if err != nil {
		return 0, fmt.Errorf("fleet: sshd pid: %w", err)
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}
