package sshexec

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/user"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/org/calyptos"
)

// Executor is a calyptos.Executor over SSH. It keeps one connection per
// host, opened on first use and shared by every command and fetch to that
// host, and redials once when it finds the connection dropped. It is safe
// for concurrent use; Close closes every connection.
type Executor struct {
	opts        Options
	log         *slog.Logger
	sshcfg      *sshConfig
	home        string
	osUser      string
	agentSocket string
	signers     []ssh.Signer // from Options.IdentityFiles
	defaultKeys []string
	keys        *keyCache
	hostKeys    *hostKeys
	hostSlots   chan struct{} // MaxHosts; nil when unbounded
	pw          passwords     // PasswordPrompt's answers, shared by every host

	life   context.Context // ends at Close; bounds background dials
	cancel context.CancelFunc

	insecureOnce sync.Once

	testHookDialed func() // tests: called when a dial has ended

	dials, dialErrors, sessions, drops atomic.Int64

	mu     sync.Mutex
	closed bool
	hosts  map[string]*hostConn
}

var (
	_ calyptos.Executor = (*Executor)(nil)
	_ io.Closer         = (*Executor)(nil)
)

// New returns an Executor. It loads Options.IdentityFiles and the
// ssh_config file, so their errors (wrapping ErrConfig) come now rather than
// at the first command. No connection is made until a command needs one.
func New(opts Options) (*Executor, error) {
	if opts.MaxSessionsPerHost <= 0 {
		opts.MaxSessionsPerHost = DefaultMaxSessionsPerHost
	}
	if opts.MaxOutput <= 0 {
		opts.MaxOutput = DefaultMaxOutput
	}
	e := &Executor{
		opts:  opts,
		log:   opts.Logger,
		hosts: map[string]*hostConn{},
		keys:  &keyCache{passphrase: opts.Passphrase, keys: map[string]ssh.Signer{}},
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	e.home, _ = os.UserHomeDir()
	if err := expandPaths(&e.opts, e.home); err != nil {
		return nil, err
	}
	opts = e.opts
	if u, err := user.Current(); err == nil {
		e.osUser = u.Username
	} else {
		e.osUser = os.Getenv("USER")
	}
	var err error
	if e.sshcfg, err = loadSSHConfig(opts, e.home); err != nil {
		return nil, err
	}
	for _, f := range opts.IdentityFiles {
		s, err := e.keys.load(f)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
		e.signers = append(e.signers, s)
	}
	e.defaultKeys = defaultKeyFiles(e.home)
	if !opts.DisableAgent {
		e.agentSocket = cmp.Or(opts.AgentSocket, os.Getenv("SSH_AUTH_SOCK"))
	}
	_, probe, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	probeKey, err := ssh.NewPublicKey(probe.Public())
	if err != nil {
		return nil, err
	}
	e.hostKeys = &hostKeys{
		insecure: opts.InsecureIgnoreHostKey,
		tofuFile: opts.TrustOnFirstUse,
		log:      e.log,
		probe:    probeKey,
		dbs:      map[string]ssh.HostKeyCallback{},
		learned:  map[string][]ssh.PublicKey{},
	}
	if opts.MaxHosts > 0 {
		e.hostSlots = make(chan struct{}, opts.MaxHosts)
	}
	e.life, e.cancel = context.WithCancel(context.Background())
	return e, nil
}

// Stats counts what an Executor has done since New.
type Stats struct {
	// Dials is the number of SSH connections established (handshakes),
	// jump host connections included; DialErrors the failed attempts.
	Dials, DialErrors int64
	// Sessions is the number of sessions opened (commands, cat fetches
	// and SFTP clients).
	Sessions int64
	// Drops is the number of connections found dead and discarded.
	Drops int64
}

// Stats returns the executor's counters, for logs and benchmarks.
func (e *Executor) Stats() Stats {
	return Stats{Dials: e.dials.Load(), DialErrors: e.dialErrors.Load(), Sessions: e.sessions.Load(), Drops: e.drops.Load()}
}

// InsecureHostKeys reports whether host keys are not verified
// (Options.InsecureIgnoreHostKey).
func (e *Executor) InsecureHostKeys() bool { return e.opts.InsecureIgnoreHostKey }

// Close closes every connection. Calls in flight fail with ErrConnLost or
// ErrClosed; later calls fail with ErrClosed.
func (e *Executor) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	hosts := make([]*hostConn, 0, len(e.hosts))
	for _, h := range e.hosts {
		hosts = append(hosts, h)
	}
	e.mu.Unlock()
	e.cancel()
	var errs []error
	// Targets first, then jump hosts from the end of their chains inwards:
	// each connection is carried by the hops before it.
	slices.SortStableFunc(hosts, func(a, b *hostConn) int { return b.depth() - a.depth() })
	for _, h := range hosts {
		h.mu.Lock()
		c := h.cur
		h.cur = nil
		h.mu.Unlock()
		if c != nil {
			c.giveUp("the executor was closed")
			// A connection that had already ended (its host, or the jump
			// host it went through, went down) is not a failure to close.
			if err := c.close(); err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, io.EOF) && !c.isDead() {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// hostConn is the connection state of one host.
type hostConn struct {
	t      *target
	isJump bool
	sem    chan struct{} // session slots on the connection
	act    chan struct{} // guards active (a mutex that respects contexts)
	active int           // calls in flight, for MaxHosts

	mu      sync.Mutex
	cur     *conn     // the live connection, or nil
	dialing *dialCall // the dial in progress, or nil
}

// depth orders connections for closing: every target is deeper than any
// jump host, and a hop deeper than the hops it is reached through.
func (h *hostConn) depth() int {
	hops := 0
	if h.t.jump != "" {
		hops = strings.Count(h.t.jump, ",") + 1
	}
	if !h.isJump {
		return 1 << 20
	}
	return hops
}

type dialCall struct {
	done chan struct{}
	c    *conn
	err  error
}

// conn is one SSH connection.
type conn struct {
	client *ssh.Client
	act    *activityConn // when data last came from the server
	dead   chan struct{} // closed when the connection has ended
	sem    chan struct{}

	// why is set when the client gave up on the connection (keepalives,
	// Close); waitErr is how the connection ended, readable once dead
	// is closed. Both explain ErrConnLost.
	why     atomic.Pointer[string]
	waitErr error

	// sftpMu guards the fields below; it is a channel so that a fetch
	// waiting for another one to start SFTP gives up at its deadline.
	sftpMu   chan struct{}
	sftp     *sftp.Client
	noSFTP   bool
	sftpSlot bool // the SFTP session holds a slot of sem
}

func (c *conn) isDead() bool {
	select {
	case <-c.dead:
		return true
	default:
		return false
	}
}

// giveUp records why the client is abandoning c, for lostError.
func (c *conn) giveUp(why string) { c.why.CompareAndSwap(nil, &why) }

// lostError says why c was lost, for an ErrConnLost: what the client
// gave up on, or how the connection ended.
func (c *conn) lostError() error {
	if why := c.why.Load(); why != nil {
		return errors.New("connection lost: " + *why)
	}
	if c.isDead() && c.waitErr != nil && !errors.Is(c.waitErr, io.EOF) {
		return fmt.Errorf("connection lost: %w", c.waitErr)
	}
	return errors.New("connection lost: the server closed the connection")
}

// waitDead reports whether the connection ends within d: after a command
// fails oddly, this tells a dropped connection from a command-level error.
func (c *conn) waitDead(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-c.dead:
		return true
	case <-t.C:
		return false
	}
}

// close closes the connection first, and only then takes sftpMu: a fetch
// starting SFTP holds it while it waits for a session slot, which the
// commands running on this connection give back only once it is closed.
func (c *conn) close() error {
	err := c.client.Close()
	c.sftpMu <- struct{}{}
	if c.sftp != nil {
		_ = c.sftp.Close() // the connection is closed, which ended it anyway
		c.sftp = nil
	}
	if c.sftpSlot {
		c.sftpSlot = false
		<-c.sem
	}
	<-c.sftpMu
	return err
}

// host returns the state for host, resolving it on first use.
func (e *Executor) host(host string) (*hostConn, error) {
	return e.hostEntry(host, false)
}

func (e *Executor) hostEntry(host string, isJump bool) (*hostConn, error) {
	key := host
	if isJump {
		key = "jump " + host
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, &Error{Host: host, Op: "run", Kind: ErrClosed}
	}
	if h, ok := e.hosts[key]; ok {
		return h, nil
	}
	t, err := e.resolve(host, isJump)
	if err != nil {
		return nil, &Error{Host: host, Op: "resolve", Kind: ErrConfig, Err: err}
	}
	if tofu := e.opts.TrustOnFirstUse; tofu != "" && !slices.Contains(t.knownHosts, tofu) {
		t.knownHosts = append(append([]string(nil), t.knownHosts...), tofu)
	}
	h := &hostConn{
		t:      t,
		isJump: isJump,
		sem:    make(chan struct{}, e.opts.MaxSessionsPerHost),
		act:    make(chan struct{}, 1),
	}
	e.hosts[key] = h
	return h, nil
}

// enter counts a call in flight on h, waiting for a MaxHosts slot if h had
// none in flight. The returned func ends the call.
func (e *Executor) enter(ctx context.Context, h *hostConn) (func(), error) {
	if e.hostSlots == nil {
		return func() {}, nil
	}
	select {
	case h.act <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if h.active == 0 {
		select {
		case e.hostSlots <- struct{}{}:
		case <-ctx.Done():
			<-h.act
			return nil, ctx.Err()
		}
	}
	h.active++
	<-h.act
	return func() {
		h.act <- struct{}{}
		h.active--
		if h.active == 0 {
			<-e.hostSlots
		}
		<-h.act
	}, nil
}

// get returns h's live connection, dialling it if needed. Concurrent
// callers share one dial, which runs on its own (bounded by the dial and
// handshake timeouts) so that one caller giving up does not fail the others.
func (e *Executor) get(ctx context.Context, h *hostConn) (*conn, error) {
	h.mu.Lock()
	if c := h.cur; c != nil {
		if !c.isDead() {
			h.mu.Unlock()
			return c, nil
		}
		h.cur = nil
		e.drops.Add(1)
		go c.close()
	}
	call := h.dialing
	if call == nil {
		call = &dialCall{done: make(chan struct{})}
		h.dialing = call
		go e.dialAsync(h, call)
	}
	h.mu.Unlock()
	select {
	case <-call.done:
		return call.c, call.err
	case <-ctx.Done():
		return nil, &Error{Host: h.t.key, Op: "dial", Err: ctx.Err()}
	}
}

func (e *Executor) dialAsync(h *hostConn, call *dialCall) {
	client, act, err := e.login(e.life, h.t)
	var c *conn
	if err != nil {
		e.dialErrors.Add(1)
	} else {
		e.dials.Add(1)
		c = &conn{client: client, act: act, dead: make(chan struct{}), sem: h.sem, sftpMu: make(chan struct{}, 1)}
		// Not c: it is set to nil below when Close came first.
		go func(c *conn) {
			c.waitErr = client.Wait()
			close(c.dead)
		}(c)
		if h.t.keepAlive > 0 {
			go e.keepAlive(h, c)
		}
	}
	if e.testHookDialed != nil {
		e.testHookDialed()
	}
	h.mu.Lock()
	// Close ends e.life before it walks the hosts and takes h.mu, so, with
	// the check made under h.mu, a connection stored here is either seen
	// by Close or closed here.
	if e.life.Err() != nil {
		if c != nil {
			_ = c.close()
		}
		c, err = nil, &Error{Host: h.t.key, Op: "dial", Kind: ErrClosed}
	}
	if c != nil {
		h.cur = c
	}
	h.dialing = nil
	h.mu.Unlock()
	call.c, call.err = c, err
	close(call.done)
}

// drop forgets c as h's connection and closes it.
func (e *Executor) drop(h *hostConn, c *conn) {
	h.mu.Lock()
	dropped := h.cur == c
	if dropped {
		h.cur = nil
	}
	h.mu.Unlock()
	if dropped {
		e.drops.Add(1)
	}
	_ = c.close() // already dead or being abandoned
}

// keepAlive sends the server of c a keepalive request after each
// interval in which nothing came from it, and drops c once nothing has
// come for interval × (keepAliveMax+1), that is when keepAliveMax requests
// in a row went unanswered, as OpenSSH's ServerAliveInterval and
// ServerAliveCountMax do: a host that hangs or vanishes from the network
// (no RST ever comes) then fails the commands in flight instead of
// holding them to their deadlines. A server that is sending data is alive,
// however late the replies queued behind that data come (a large output
// or fetch over a slow link).
func (e *Executor) keepAlive(h *hostConn, c *conn) {
	interval, count := h.t.keepAlive, h.t.keepAliveMax
	limit := interval * time.Duration(count+1)
	timer := time.NewTimer(interval)
	defer timer.Stop()
	last, sent := c.act.lastRead(), 0
	for {
		select {
		case <-c.dead:
			return
		case <-e.life.Done():
			return
		case <-timer.C:
		}
		if r := c.act.lastRead(); r != last {
			last, sent = r, 0
		}
		silence := c.act.since(last)
		if silence >= limit {
			why := fmt.Sprintf("no answer from the server for %s (%d keepalives sent %s apart went unanswered)", limit, count, interval)
			e.log.Debug("ssh server not answering keepalives; dropping the connection", "host", h.t.key,
				"interval", interval, "count", count)
			c.giveUp(why)
			e.drop(h, c)
			return
		}
		if due := int(silence / interval); due > sent {
			sent = due
			// Its reply is data from the server, which lastRead sees.
			go func() { _, _, _ = c.client.SendRequest("keepalive@openssh.com", true, nil) }()
		}
		timer.Reset(interval*time.Duration(sent+1) - silence)
	}
}

// dial opens and authenticates a connection to t within its connect
// timeout, and returns it with the record of when data last came from the
// server. Its errors are *Error values wrapping calyptos.ErrTransport.
func (e *Executor) dial(ctx context.Context, t *target) (*ssh.Client, *activityConn, error) {
	ctx, cancel := context.WithTimeout(ctx, t.connectTimeout)
	defer cancel()
	start := time.Now()
	if e.opts.InsecureIgnoreHostKey {
		e.insecureOnce.Do(func() {
			msg := "SSH host keys are NOT being verified (insecure option): connections can be intercepted by a man in the middle"
			e.log.Warn(msg, "first_host", t.key)
			if e.opts.OnInsecure != nil {
				e.opts.OnInsecure(msg)
			}
		})
	}
	methods, names, agentCloser := e.authFor(ctx, t)
	if agentCloser != nil {
		defer agentCloser.Close()
	}
	if len(methods) == 0 && !e.canPrompt() {
		return nil, nil, &Error{Host: t.key, Op: "auth", Kind: ErrAuth,
			Err: errors.New("no authentication method: give a key file, an ssh-agent or a password")}
	}
	e.log.Debug("ssh dial", "host", t.key, "addr", t.addr, "user", t.user, "jump", t.jump, "auth", strings.Join(names, ","))
	nc, err := e.open(ctx, t)
	if err != nil {
		if ctx.Err() != nil && !errors.Is(err, ErrClosed) {
			err = connectTimedOut(ctx, t, err)
		}
		return nil, nil, &Error{Host: t.key, Op: "dial", Kind: ErrDial, Err: err}
	}
	dialed := time.Since(start)
	client, ac, err := e.handshake(ctx, t, nc, methods, names)
	if err != nil {
		return nil, nil, err
	}
	e.log.Debug("ssh connected", "host", t.key, "addr", t.addr, "user", t.user,
		"dial", dialed, "handshake", time.Since(start)-dialed)
	return client, ac, nil
}

// connectTimedOut explains err, which ended a connection set-up when ctx
// (the connect timeout) ended: it says so, with the limit's value. It does
// not wrap context.DeadlineExceeded: the host is unreachable, which is not
// the caller's deadline passing.
func connectTimedOut(ctx context.Context, t *target, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%s: could not connect within %s (connect timeout)", t.addr, t.connectTimeout)
	}
	return err
}

// open opens the byte stream to t: through its jump hosts, its proxy
// command, or TCP, bounded by ctx and the dial timeout if set.
func (e *Executor) open(ctx context.Context, t *target) (net.Conn, error) {
	dctx, cancel := ctx, context.CancelFunc(func() {})
	if t.dialTimeout > 0 {
		dctx, cancel = context.WithTimeout(ctx, t.dialTimeout)
	}
	defer cancel()
	dialTimedOut := func(err error) error {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			return fmt.Errorf("%s: no answer within %s (dial timeout): %w", t.addr, t.dialTimeout, err)
		}
		return err
	}
	switch {
	case t.jump != "":
		jh, err := e.hostEntry(t.jump, true)
		if err != nil {
			return nil, fmt.Errorf("via jump host %s: %w", t.jump, err)
		}
		// The hop's own dial has its own connect timeout; waiting for
		// it counts in t's, and the dial timeout starts once it is up.
		jc, err := e.get(ctx, jh)
		if err != nil {
			return nil, fmt.Errorf("via jump host %s: %w", t.jump, err)
		}
		jctx, jcancel := ctx, context.CancelFunc(func() {})
		if t.dialTimeout > 0 {
			jctx, jcancel = context.WithTimeout(ctx, t.dialTimeout)
		}
		defer jcancel()
		nc, err := jc.client.DialContext(jctx, "tcp", t.addr)
		if err != nil && jc.isDead() {
			e.drop(jh, jc)
		}
		if err != nil {
			return nil, fmt.Errorf("via jump host %s: %w", t.jump, dialTimedOut(err))
		}
		return nc, nil
	case t.proxyCommand != "":
		e.log.Debug("ssh proxy command", "host", t.key, "command", t.proxyCommand)
		return startProxy(t.proxyCommand, t)
	default:
		var d net.Dialer
		nc, err := d.DialContext(dctx, "tcp", t.addr)
		return nc, dialTimedOut(err)
	}
}

// handshake runs the SSH handshake and authentication on nc within ctx
// and the handshake timeout if set; it closes nc when it fails.
func (e *Executor) handshake(ctx context.Context, t *target, nc net.Conn, methods []ssh.AuthMethod, names []string) (*ssh.Client, *activityConn, error) {
	var keyMu sync.Mutex
	var keyErr error
	cfg := &ssh.ClientConfig{
		User: t.user,
		Auth: methods,
		HostKeyCallback: func(hostname string, remote net.Addr, key ssh.PublicKey) error {
			err := e.hostKeys.check(t, remote, key)
			keyMu.Lock()
			keyErr = err
			keyMu.Unlock()
			if err == nil {
				e.log.Debug("ssh host key accepted", "host", t.key, "type", key.Type(), "fingerprint", ssh.FingerprintSHA256(key))
			}
			return err
		},
		HostKeyAlgorithms: e.hostKeys.algorithms(t),
	}
	hctx, hcancel := ctx, context.CancelFunc(func() {})
	if e.opts.HandshakeTimeout > 0 {
		hctx, hcancel = context.WithTimeout(ctx, e.opts.HandshakeTimeout)
	}
	defer hcancel()
	stop := context.AfterFunc(hctx, func() { _ = nc.Close() })
	// The timer above is what enforces the timeout; the deadline is a
	// backstop (a jump host's channels do not support deadlines).
	if dl, ok := hctx.Deadline(); ok {
		_ = nc.SetDeadline(dl.Add(time.Second))
	}
	ac := &activityConn{Conn: nc, start: time.Now()}
	cc, chans, reqs, err := ssh.NewClientConn(ac, t.addr, cfg)
	interrupted := !stop()
	keyMu.Lock()
	kerr := keyErr
	keyMu.Unlock()
	if err == nil && interrupted {
		_ = cc.Close()
		err = errors.New("interrupted")
	}
	if err != nil {
		var perr error
		if pc, ok := nc.(*proxyConn); ok && !interrupted {
			perr = pc.exitError() // not when it is the timeout that killed it
		}
		_ = nc.Close()
		switch {
		case kerr != nil:
			return nil, nil, kerr
		case authFailed(err):
			return nil, nil, &Error{Host: t.key, Op: "auth", Kind: ErrAuth,
				Err: fmt.Errorf("%s refused user %q (tried %s)", t.addr, t.user, strings.Join(names, ", "))}
		case perr != nil:
			return nil, nil, &Error{Host: t.key, Op: "dial", Kind: ErrDial, Err: perr}
		case interrupted && ctx.Err() != nil:
			return nil, nil, &Error{Host: t.key, Op: "handshake", Kind: ErrHandshake, Err: connectTimedOut(ctx, t, ctx.Err())}
		case interrupted:
			return nil, nil, &Error{Host: t.key, Op: "handshake", Kind: ErrHandshake,
				Err: fmt.Errorf("%s: no SSH handshake within %s (handshake timeout): %w", t.addr, e.opts.HandshakeTimeout, hctx.Err())}
		default:
			return nil, nil, &Error{Host: t.key, Op: "handshake", Kind: ErrHandshake, Err: err}
		}
	}
	_ = nc.SetDeadline(time.Time{})
	return ssh.NewClient(cc, chans, reqs), ac, nil
}

// activityConn records when a read last brought data, for keepAlive.
type activityConn struct {
	net.Conn
	start time.Time
	last  atomic.Int64 // time.Since(start) at the last read with data
}

func (c *activityConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.last.Store(int64(time.Since(c.start)))
	}
	return n, err
}

// lastRead returns when data last came, as an offset from start (on the
// monotonic clock).
func (c *activityConn) lastRead() time.Duration { return time.Duration(c.last.Load()) }

// since returns how long ago the offset at was.
func (c *activityConn) since(at time.Duration) time.Duration { return time.Since(c.start) - at }
