// Package sshdtest runs a real OpenSSH sshd for tests and benchmarks.
//
// Start launches /usr/sbin/sshd (Debian's openssh-server) as a child process
// in the foreground (sshd -D -E <log> -f <config>), listening on one or more
// loopback addresses, with everything it needs generated in a temporary
// directory: an ed25519 host key, a client key pair whose public half is the
// only authorized key, a known_hosts file that trusts the host key, and a
// VERBOSE log from which Handshakes counts successful logins. sshd runs as
// the current user; when that is root, root logins are permitted.
//
//	func TestSomething(t *testing.T) {
//		srv := sshdtest.Start(t, sshdtest.Options{Addrs: []string{"127.0.0.2"}})
//		// dial srv.Addr as srv.User with srv.ClientSigner,
//		// verifying the host key against srv.KnownHostsFile.
//	}
//
// Tests that need sshd call SkipIfUnavailable (Start does it too): without
// sshd installed they are skipped with a message, except under CI=true,
// where a missing sshd is a failure so that CI cannot pass by skipping.
//
// Commands of the account sshd runs as (the developer's own, or CI's
// root) run through its login shell with SHLVL=1 set, so that bash does
// not source its ~/.bashrc: test commands see a plain shell. Throw-away
// accounts (CreateAccount) get no such setting: their rc files are read
// as on a real host.
//
// Only addresses in 127.0.0.0/8 are accepted: these servers never listen on
// a real network. On Linux every 127.x.y.z address is routed to the loopback
// interface, so several "hosts" can be simulated without any setup.
//
// Password logins, and logins whose shell or rc files a test chooses,
// need an account of their own. Rather than touching root's, CreateUser
// and CreateAccount add a throw-away local account (useradd + chpasswd,
// removed with userdel when the test ends), with the login shell and the
// files in its home that the test asks for (tcsh, fish, zsh, busybox sh,
// nologin; a .bashrc that is slow, noisy or exits); they need root and
// skip the test otherwise.
//
// The benchmark harness, which has no testing.TB, uses StartProcess and
// Close instead of Start.
package sshdtest

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/org/calyptos/internal/proctree"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// DefaultPath is where Debian and Ubuntu install sshd.
const DefaultPath = "/usr/sbin/sshd"

// MaxAddrs is the number of listen addresses one sshd accepts (OpenSSH's
// MAX_LISTEN_SOCKS). Start more servers to simulate more hosts.
const MaxAddrs = 16

// ErrNotLoopback is returned for a listen address outside 127.0.0.0/8.
var ErrNotLoopback = errors.New("sshdtest: only 127.0.0.0/8 addresses are allowed")

// Options configure a test server. The zero value gives one server on
// 127.0.0.1 with public-key authentication, SFTP and MaxSessions 10.
type Options struct {
	// Addrs are the loopback IP addresses to listen on (without a port), at
	// most MaxAddrs; default 127.0.0.1. Every address listens on the same
	// port.
	Addrs []string
	// Port is the port to listen on; 0 picks a free one.
	Port int
	// Password enables PasswordAuthentication (see CreateUser).
	Password bool
	// KeyboardInteractive enables keyboard-interactive authentication
	// through PAM (UsePAM yes), where the password is asked as a prompt.
	// It needs the openssh-server PAM configuration (/etc/pam.d/sshd).
	KeyboardInteractive bool
	// NoSFTP leaves out the sftp subsystem, as on hardened servers.
	NoSFTP bool
	// MaxSessions is sshd's MaxSessions (sessions per connection); default
	// 10, sshd's own default.
	MaxSessions int
	// HostKey is the server's host key; nil generates one. Pass the
	// HostKey of another server to restart "the same host".
	HostKey ed25519.PrivateKey
	// ExtraConfig lines are appended to the generated sshd_config.
	ExtraConfig []string
}

// Server is a running sshd. Its fields are read-only.
type Server struct {
	// Addr is the first listen address as host:port ("127.0.0.2:40123").
	Addr string
	// Host and Port are Addr split.
	Host string
	Port int
	// Addrs are all listen addresses as host:port, Addr first.
	Addrs []string
	// User is the account sshd runs as and that the client key logs in to.
	User string
	// Dir is the temporary directory holding keys, config and log.
	Dir string
	// ClientKeyFile is the authorized client private key (OpenSSH format,
	// no passphrase); ClientSigner is the same key parsed.
	ClientKeyFile string
	ClientSigner  ssh.Signer
	// HostKey is the server's public host key; HostPrivateKey its private
	// half, for Options.HostKey.
	HostKey        ssh.PublicKey
	HostPrivateKey ed25519.PrivateKey
	// KnownHostsFile is a known_hosts file with one line per listen
	// address ("[127.0.0.2]:40123 ssh-ed25519 ...").
	KnownHostsFile string
	// AuthorizedKeysFile is the file sshd reads authorized keys from.
	AuthorizedKeysFile string
	// ConfigFile and LogFile are sshd's configuration and log.
	ConfigFile string
	LogFile    string

	sshd    string
	cmd     *exec.Cmd
	ownsDir bool
	done    chan struct{}
	mu      sync.Mutex
	closed  bool
}

// PathEnv names an environment variable that, when set, gives the sshd to
// run instead of DefaultPath (for other layouts, or to check that tests
// skip without sshd: CALYPTOS_SSHD=/nonexistent go test ./...).
const PathEnv = "CALYPTOS_SSHD"

// Available reports the path of sshd and whether it is installed and
// executable.
func Available() (path string, ok bool) {
	path = DefaultPath
	if p := os.Getenv(PathEnv); p != "" {
		path = p
	}
	st, err := os.Stat(path)
	if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		return path, false
	}
	return path, true
}

// SkipIfUnavailable skips the test when sshd is not installed, or fails it
// when the environment variable CI is "true".
func SkipIfUnavailable(t testing.TB) {
	t.Helper()
	path, ok := Available()
	if ok {
		return
	}
	msg := fmt.Sprintf("sshdtest: %s not found: install openssh-server (or set %s) to run the SSH tests", path, PathEnv)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: SSH tests must run in CI)")
	}
	t.Skip(msg)
}

// Start starts a server for the test and stops it when the test ends. It
// skips the test when sshd is missing (see SkipIfUnavailable) and fails it
// when sshd does not start.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	SkipIfUnavailable(t)
	s, err := StartProcess(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("sshd log (%s):\n%s", s.Addr, tail(s.Log(), 40))
		}
		if err := s.Close(); err != nil {
			t.Errorf("sshdtest: close %s: %v", s.Addr, err)
		}
	})
	return s
}

// StartProcess starts a server outside of a test; the caller must Close it.
func StartProcess(opts Options) (*Server, error) {
	path, ok := Available()
	if !ok {
		return nil, fmt.Errorf("sshdtest: %s not found: install openssh-server", path)
	}
	if len(opts.Addrs) == 0 {
		opts.Addrs = []string{"127.0.0.1"}
	}
	if len(opts.Addrs) > MaxAddrs {
		return nil, fmt.Errorf("sshdtest: %d addresses: one sshd listens on at most %d", len(opts.Addrs), MaxAddrs)
	}
	for _, a := range opts.Addrs {
		ip, err := netip.ParseAddr(a)
		if err != nil || !ip.Is4() || !netip.MustParsePrefix("127.0.0.0/8").Contains(ip) {
			return nil, fmt.Errorf("%w: %q", ErrNotLoopback, a)
		}
	}
	if opts.MaxSessions <= 0 {
		opts.MaxSessions = 10
	}
	if err := ensurePrivsepDir(); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "sshdtest-")
	if err != nil {
		return nil, fmt.Errorf("sshdtest: %w", err)
	}
	s := &Server{Dir: dir, ownsDir: true, sshd: path}
	if err := s.prepare(opts); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// A free port found by listening can be taken again before sshd binds
	// it; try a few times.
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port := opts.Port
		if port == 0 {
			if port, err = FreePort(opts.Addrs); err != nil {
				lastErr = err
				continue
			}
		}
		if lastErr = s.launch(path, opts, port); lastErr == nil {
			return s, nil
		}
		if opts.Port != 0 {
			break
		}
	}
	os.RemoveAll(dir)
	return nil, lastErr
}

func ensurePrivsepDir() error {
	const d = "/run/sshd"
	if _, err := os.Stat(d); err == nil || os.Geteuid() != 0 {
		return nil
	}
	// Normally created by the openssh-server service; sshd refuses to start
	// without it.
	if err := os.MkdirAll(d, 0o755); err != nil {
		return fmt.Errorf("sshdtest: create privilege separation directory: %w", err)
	}
	return nil
}

func (s *Server) prepare(opts Options) error {
	u, err := user.Current()
	if err != nil {
		return fmt.Errorf("sshdtest: current user: %w", err)
	}
	s.User = u.Username

	hostPriv := opts.HostKey
	if hostPriv == nil {
		if _, hostPriv, err = ed25519.GenerateKey(rand.Reader); err != nil {
			return fmt.Errorf("sshdtest: %w", err)
		}
	}
	s.HostPrivateKey = hostPriv
	hostKeyFile := filepath.Join(s.Dir, "ssh_host_ed25519_key")
	if err := writePrivateKey(hostKeyFile, hostPriv, "sshdtest host"); err != nil {
		return err
	}
	if s.HostKey, err = ssh.NewPublicKey(hostPriv.Public()); err != nil {
		return fmt.Errorf("sshdtest: %w", err)
	}

	_, clientPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("sshdtest: %w", err)
	}
	s.ClientKeyFile = filepath.Join(s.Dir, "id_ed25519")
	if err := writePrivateKey(s.ClientKeyFile, clientPriv, "sshdtest client"); err != nil {
		return err
	}
	if s.ClientSigner, err = ssh.NewSignerFromKey(clientPriv); err != nil {
		return fmt.Errorf("sshdtest: %w", err)
	}
	s.AuthorizedKeysFile = filepath.Join(s.Dir, "authorized_keys")
	// sshd reads authorized keys with the privileges of the user logging
	// in, who may not be the owner of the directory (see CreateUser).
	if err := os.Chmod(s.Dir, 0o755); err != nil {
		return fmt.Errorf("sshdtest: %w", err)
	}
	if err := os.WriteFile(s.AuthorizedKeysFile, ssh.MarshalAuthorizedKey(s.ClientSigner.PublicKey()), 0o644); err != nil {
		return fmt.Errorf("sshdtest: %w", err)
	}
	s.ConfigFile = filepath.Join(s.Dir, "sshd_config")
	s.LogFile = filepath.Join(s.Dir, "sshd.log")
	s.KnownHostsFile = filepath.Join(s.Dir, "known_hosts")
	return nil
}

func writePrivateKey(path string, key ed25519.PrivateKey, comment string) error {
	block, err := ssh.MarshalPrivateKey(key, comment)
	if err != nil {
		return fmt.Errorf("sshdtest: %w", err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		return fmt.Errorf("sshdtest: %w", err)
	}
	return nil
}

// FreePort returns a TCP port that is free on every one of addrs, for
// servers that must listen on the same port at several addresses.
func FreePort(addrs []string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(addrs[0], "0"))
	if err != nil {
		return 0, fmt.Errorf("sshdtest: find a free port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	ls := []net.Listener{l}
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for _, a := range addrs[1:] {
		l, err := net.Listen("tcp", net.JoinHostPort(a, strconv.Itoa(port)))
		if err != nil {
			return 0, fmt.Errorf("sshdtest: port %d not free on %s: %w", port, a, err)
		}
		ls = append(ls, l)
	}
	return port, nil
}

func (s *Server) config(opts Options, port int) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	for _, a := range opts.Addrs {
		w("ListenAddress %s", net.JoinHostPort(a, strconv.Itoa(port)))
	}
	w("HostKey %s", filepath.Join(s.Dir, "ssh_host_ed25519_key"))
	w("PidFile %s", filepath.Join(s.Dir, "sshd.pid"))
	w("AuthorizedKeysFile %s", s.AuthorizedKeysFile)
	w("StrictModes no")
	w("UsePAM %s", yesNo(opts.KeyboardInteractive))
	w("PermitRootLogin yes")
	w("PubkeyAuthentication yes")
	w("PasswordAuthentication %s", yesNo(opts.Password))
	w("KbdInteractiveAuthentication %s", yesNo(opts.KeyboardInteractive))
	w("PermitEmptyPasswords no")
	w("MaxSessions %d", opts.MaxSessions)
	// Benchmarks open many connections at once; sshd's default 10:30:100
	// drops unauthenticated connections beyond 10.
	w("MaxStartups 1000")
	w("MaxAuthTries 10")
	w("LoginGraceTime 30")
	w("UseDNS no")
	w("PrintMotd no")
	w("PrintLastLog no")
	w("X11Forwarding no")
	w("AllowTcpForwarding yes")
	w("LogLevel VERBOSE")
	if penalties(s.sshd) {
		// OpenSSH 9.8+ penalises sources whose logins fail, which would
		// make one test's refused key slow down the next test.
		w("PerSourcePenalties no")
	}
	if !opts.NoSFTP {
		w("Subsystem sftp internal-sftp")
	}
	for _, l := range opts.ExtraConfig {
		w("%s", l)
	}
	// bash sources ~/.bashrc for ssh commands only at shell level 1; this
	// keeps the rc file of the account sshd runs as (slow or noisy on
	// developer machines, and holding locks that a killed session can
	// leave behind) out of test commands. Last, as a Match block ends the
	// global part of the file.
	w("Match User %s", s.User)
	w("SetEnv SHLVL=1")
	return b.String()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// penalties reports whether the sshd at path knows PerSourcePenalties
// (OpenSSH 9.8 and later).
func penalties(path string) bool {
	out, _ := exec.Command(path, "-V").CombinedOutput() // sshd -V prints its version and exits 1 on old releases
	m := regexp.MustCompile(`OpenSSH_(\d+)\.(\d+)`).FindSubmatch(out)
	if m == nil {
		return false
	}
	major, _ := strconv.Atoi(string(m[1]))
	minor, _ := strconv.Atoi(string(m[2]))
	return major > 9 || (major == 9 && minor >= 8)
}

func (s *Server) launch(path string, opts Options, port int) error {
	s.Port = port
	s.Host = opts.Addrs[0]
	s.Addrs = s.Addrs[:0]
	var kh strings.Builder
	for _, a := range opts.Addrs {
		hp := net.JoinHostPort(a, strconv.Itoa(port))
		s.Addrs = append(s.Addrs, hp)
		kh.WriteString(knownhosts.Line([]string{knownhosts.Normalize(hp)}, s.HostKey) + "\n")
	}
	s.Addr = s.Addrs[0]
	if err := os.WriteFile(s.KnownHostsFile, []byte(kh.String()), 0o600); err != nil {
		return fmt.Errorf("sshdtest: %w", err)
	}
	if err := os.WriteFile(s.ConfigFile, []byte(s.config(opts, port)), 0o600); err != nil {
		return fmt.Errorf("sshdtest: %w", err)
	}
	_ = os.Remove(s.LogFile)
	cmd := exec.Command(path, "-D", "-E", s.LogFile, "-f", s.ConfigFile)
	cmd.Stdout = nil
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("sshdtest: start %s: %w", path, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait() // reaped here; the exit status is in the log
		close(done)
	}()
	s.cmd, s.done = cmd, done
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-done:
			return fmt.Errorf("sshdtest: sshd exited at start: %s%s", stderr.String(), tail(s.Log(), 10))
		default:
		}
		if s.ready() {
			return nil
		}
		if time.Now().After(deadline) {
			s.killTree(syscall.SIGKILL)
			<-done
			return fmt.Errorf("sshdtest: sshd on %s not ready after 10s: %s", s.Addr, tail(s.Log(), 10))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ready reports whether every listen address accepts connections and
// speaks SSH.
func (s *Server) ready() bool {
	for _, a := range s.Addrs {
		c, err := net.DialTimeout("tcp", a, time.Second)
		if err != nil {
			return false
		}
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		line, err := bufio.NewReader(c).ReadString('\n')
		c.Close()
		if err != nil || !strings.HasPrefix(line, "SSH-") {
			return false
		}
	}
	return true
}

// Close stops sshd and every session it started, and removes its
// directory. It is safe to call more than once, and after Kill.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.stop()
	if s.ownsDir {
		return os.RemoveAll(s.Dir)
	}
	return nil
}

// Kill sends SIGKILL to sshd and to every process it started (connection
// handlers and the commands they run), as a crash or power loss would:
// clients see their connections drop. The directory is kept until Close.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stop()
}

func (s *Server) stop() {
	if s.cmd == nil || s.exited() {
		// Once reaped, the pid may belong to another process.
		return
	}
	s.killTree(syscall.SIGKILL)
	<-s.done
}

func (s *Server) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// Freeze stops sshd and every process it started with SIGSTOP: open
// connections and the port stay up but nothing answers, like a host that
// hung or dropped off the network. Thaw resumes them; Close does too.
func (s *Server) Freeze() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil && !s.closed && !s.exited() {
		s.killTree(syscall.SIGSTOP)
	}
}

// Thaw resumes a frozen server.
func (s *Server) Thaw() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil && !s.exited() {
		s.killTree(syscall.SIGCONT)
	}
}

// killTree signals sshd and all its descendants. Connection handlers call
// setsid, so a process-group kill would miss them; walk /proc instead.
func (s *Server) killTree(sig syscall.Signal) {
	pids := proctree.Descendants(s.cmd.Process.Pid)
	_ = syscall.Kill(s.cmd.Process.Pid, sig)
	for _, p := range pids {
		_ = syscall.Kill(p, sig)
	}
}

// PID returns the process id of the listening sshd, or 0 once stopped.
func (s *Server) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	if s.exited() {
		return 0
	}
	return s.cmd.Process.Pid
}

// Log returns sshd's log so far.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.LogFile)
	return string(b)
}

// Handshakes counts the successful logins (public key, password or
// keyboard-interactive) sshd has logged: one per SSH connection.
func (s *Server) Handshakes() int {
	n := 0
	for _, l := range strings.Split(s.Log(), "\n") {
		if strings.Contains(l, "Accepted publickey") || strings.Contains(l, "Accepted password") ||
			strings.Contains(l, "Accepted keyboard-interactive") {
			n++
		}
	}
	return n
}

// AuthorizeKey adds a public key to the authorized keys; sshd reads the
// file at each login, so it applies at once.
func (s *Server) AuthorizeKey(pub ssh.PublicKey) error {
	f, err := os.OpenFile(s.AuthorizedKeysFile, os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("sshdtest: %w", err)
	}
	if _, err := f.Write(ssh.MarshalAuthorizedKey(pub)); err != nil {
		f.Close()
		return fmt.Errorf("sshdtest: %w", err)
	}
	return f.Close()
}

// KnownHostsLines returns the known_hosts lines for every listen address,
// the content of KnownHostsFile.
func (s *Server) KnownHostsLines() string {
	b, _ := os.ReadFile(s.KnownHostsFile)
	return string(b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux
	return hex.EncodeToString(b)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
