package sshexec

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/tailbuf"
)

// proxyStderrMax bounds how much of the end of a proxy command's stderr is
// kept for error messages.
const proxyStderrMax = 4 << 10

// expandProxyCommand substitutes the ssh_config tokens of a ProxyCommand:
// %h (host name dialled), %p (port), %r (remote user), %n (the host as
// written) and %%. Each value is shell-quoted: host names come from
// environment files, and the command runs through /bin/sh.
func expandProxyCommand(cmd string, t *target) string {
	return strings.NewReplacer(
		"%h", calyptos.ShellQuote(t.hostname),
		"%p", fmt.Sprint(t.port),
		"%r", calyptos.ShellQuote(t.user),
		"%n", calyptos.ShellQuote(t.alias),
		"%%", "%",
	).Replace(cmd)
}

// Characters OpenSSH refuses in a host name (valid_hostname) and a user
// name (valid_ruser) given to it, besides blanks and control characters: a
// ProxyCommand may put %h inside quotes of its own, where the quoting of
// the value cannot protect it.
const (
	hostUnsafe = "'`\"$\\;&<>|(){}"
	userUnsafe = "'`\";&<>|(){}"
)

// checkProxyNames refuses a host or user name with shell metacharacters
// (or a leading '-') when t's ProxyCommand would be given it, as OpenSSH
// does.
func checkProxyNames(t *target) error {
	names := []struct{ what, v, unsafe string }{
		{"host name", t.alias, hostUnsafe}, {"host name", t.hostname, hostUnsafe}, {"user name", t.user, userUnsafe},
	}
	for _, n := range names {
		bad := strings.IndexFunc(n.v, func(r rune) bool {
			return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(n.unsafe, r)
		})
		var why string
		switch {
		case bad >= 0:
			r, _ := utf8.DecodeRuneInString(n.v[bad:])
			why = fmt.Sprintf("contains %q", r)
		case strings.HasPrefix(n.v, "-"):
			why = "starts with '-'"
		default:
			continue
		}
		return fmt.Errorf("%s %q %s: refused because it would be passed to the ProxyCommand, which runs through a shell (OpenSSH refuses such names too)", n.what, n.v, why)
	}
	return nil
}

// proxyConn is a net.Conn over a ProxyCommand's standard input and
// output, as OpenSSH uses it: the SSH stream goes through whatever the
// command connects to.
type proxyConn struct {
	cmd     *exec.Cmd
	r       *os.File // the command's stdout
	w       *os.File // its stdin
	remote  net.Addr
	stderr  *tailbuf.Buffer
	done    chan struct{} // closed once the command has exited
	waitErr error

	// closing is set when Close starts; ended when, before that, the
	// command closed its stdout or stopped reading its stdin: only then
	// is its exit the reason the connection failed.
	closing, ended atomic.Bool
	closeOnce      sync.Once
}

// startProxy runs command (already expanded) with /bin/sh and returns the
// connection to it. The command gets its own process group, so that
// closing the connection also ends whatever it started.
func startProxy(command string, t *target) (*proxyConn, error) {
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	stdoutR, stdoutW, err := os.Pipe()
	if err != nil {
		stdinR.Close()
		stdinW.Close()
		return nil, err
	}
	c := &proxyConn{r: stdoutR, w: stdinW, stderr: &tailbuf.Buffer{Max: proxyStderrMax}, done: make(chan struct{})}
	c.cmd = exec.Command("/bin/sh", "-c", "exec "+command)
	c.cmd.Stdin, c.cmd.Stdout, c.cmd.Stderr = stdinR, stdoutW, c.stderr
	setProcessGroup(c.cmd)
	err = c.cmd.Start()
	stdinR.Close()
	stdoutW.Close()
	if err != nil {
		stdoutR.Close()
		stdinW.Close()
		return nil, fmt.Errorf("proxy command: %w", err)
	}
	go func() {
		c.waitErr = c.cmd.Wait()
		close(c.done)
	}()
	// Host key checks want a TCP address; the real one is the proxy's
	// business, so this is the target's, or the unspecified address.
	ip, _ := netip.ParseAddr(t.hostname)
	if !ip.IsValid() {
		ip = netip.IPv4Unspecified()
	}
	c.remote = net.TCPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(t.port)))
	return c, nil
}

func (c *proxyConn) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != nil && !c.closing.Load() {
		c.ended.Store(true)
	}
	return n, err
}

func (c *proxyConn) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	if err != nil && !c.closing.Load() {
		c.ended.Store(true)
	}
	return n, err
}

// Close ends the command (and its process group) and waits for it.
func (c *proxyConn) Close() error {
	c.closing.Store(true)
	c.closeOnce.Do(func() {
		c.w.Close()
		killProcessGroup(c.cmd)
		select {
		case <-c.done:
		case <-time.After(5 * time.Second):
		}
		c.r.Close()
	})
	return nil
}

// exitError explains why the proxy stopped carrying the connection: its
// exit status and the end of its stderr. It is nil while the command runs,
// and when it was Close that ended it (the handshake failed for another
// reason, and closing the connection stopped the proxy).
func (c *proxyConn) exitError() error {
	if !c.ended.Load() {
		return nil
	}
	select {
	case <-c.done:
	case <-time.After(100 * time.Millisecond):
		return nil
	}
	msg := strings.TrimSpace(c.stderr.String())
	if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
		msg = msg[i+1:]
	}
	err := c.waitErr
	if err == nil {
		err = errors.New("exited")
	}
	if msg != "" {
		return fmt.Errorf("proxy command %w: %s", err, msg)
	}
	return fmt.Errorf("proxy command %w", err)
}

func (c *proxyConn) LocalAddr() net.Addr  { return proxyAddr{} }
func (c *proxyConn) RemoteAddr() net.Addr { return c.remote }

func (c *proxyConn) SetDeadline(t time.Time) error {
	return errors.Join(c.r.SetReadDeadline(t), c.w.SetWriteDeadline(t))
}
func (c *proxyConn) SetReadDeadline(t time.Time) error  { return c.r.SetReadDeadline(t) }
func (c *proxyConn) SetWriteDeadline(t time.Time) error { return c.w.SetWriteDeadline(t) }

// proxyAddr is the local end of a proxy command's pipes.
type proxyAddr struct{}

func (proxyAddr) Network() string { return "pipe" }
func (proxyAddr) String() string  { return "proxy-command" }
