package sshexec

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kevinburke/ssh_config"
	"github.com/org/calyptos/hostname"
)

// target is a host resolved to what is needed to connect to it.
type target struct {
	key            string // the host as the caller wrote it
	alias          string // its name part, the ssh_config Host alias
	hostname       string // what is dialled
	port           int
	user           string
	addr           string   // hostname:port
	jump           string   // jump host spec, "" for a direct connection
	proxyCommand   string   // ProxyCommand, expanded; "" for none
	identityFiles  []string // from ssh_config
	hostKeys       []string // HostOptions.IdentityFiles, tried first
	knownHosts     []string
	connectTimeout time.Duration // dial, handshake and authentication
	dialTimeout    time.Duration // 0: only connectTimeout
	keepAlive      time.Duration // 0: off
	keepAliveMax   int
}

// sshConfig reads ssh_config values; a nil *sshConfig has none.
type sshConfig struct {
	cfg *ssh_config.Config
}

func loadSSHConfig(opts Options, home string) (*sshConfig, error) {
	if opts.DisableSSHConfig {
		return nil, nil
	}
	path := opts.SSHConfig
	explicit := path != ""
	if !explicit {
		if home == "" {
			return nil, nil
		}
		path = filepath.Join(home, ".ssh", "config")
	}
	f, err := os.Open(path)
	if err != nil {
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: ssh config: %w", ErrConfig, err)
	}
	defer f.Close()
	cfg, err := ssh_config.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%w: ssh config %s: %w", ErrConfig, path, err)
	}
	return &sshConfig{cfg: cfg}, nil
}

func (c *sshConfig) get(alias, key string) string {
	if c == nil {
		return ""
	}
	v, err := c.cfg.Get(alias, key)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(v)
}

func (c *sshConfig) getAll(alias, key string) []string {
	if c == nil {
		return nil
	}
	vs, err := c.cfg.GetAll(alias, key)
	if err != nil {
		return nil
	}
	return vs
}

// resolve works out how to reach host. With isJump, host is a jump chain
// "[user@]a[:port],...,[user@]z[:port]" (ProxyJump syntax): the target is
// its last hop z, reached through the rest of the chain; its user may come
// from the spec, and ssh_config never adds jumps to it.
func (e *Executor) resolve(host string, isJump bool) (*target, error) {
	key, spec, user, via := host, host, "", ""
	if isJump {
		key, spec, user, via = splitJumpChain(host)
	}
	name, port, err := hostname.Split(spec)
	if err != nil {
		return nil, err
	}
	ho, ok := e.opts.Hosts[host]
	if !ok {
		ho = e.opts.Hosts[name]
	}
	cfg := e.sshcfg
	if ho.HostName != "" {
		name = ho.HostName // ssh_config applies to the address dialled
	}
	t := &target{key: key, alias: name, hostname: name, jump: via}
	if h := cfg.get(name, "HostName"); h != "" {
		t.hostname = strings.ReplaceAll(h, "%h", name)
	}
	for _, f := range ho.IdentityFiles {
		t.hostKeys = append(t.hostKeys, e.expand(f, t))
	}

	t.port = cmp.Or(port, ho.Port, e.opts.Port, atoi(cfg.get(name, "Port")), 22)
	t.user = cmp.Or(user, ho.User, e.opts.User, cfg.get(name, "User"), e.osUser)
	if t.user == "" {
		return nil, errors.New("no user to log in as: set Options.User")
	}
	t.addr = net.JoinHostPort(t.hostname, strconv.Itoa(t.port))

	if !isJump {
		if err := e.resolveProxy(t, ho); err != nil {
			return nil, err
		}
	}
	e.resolveFiles(t)
	e.resolveTimeouts(t)
	return t, nil
}

// splitJumpChain splits a ProxyJump chain into its last hop (spec, without
// user), that hop's user, the hops before it (via), and the key the last
// hop is known by ([user@]spec).
func splitJumpChain(chain string) (key, spec, user, via string) {
	spec = chain
	if i := strings.LastIndexByte(spec, ','); i >= 0 {
		via, spec = spec[:i], spec[i+1:]
	}
	spec = strings.TrimPrefix(spec, "ssh://")
	if i := strings.LastIndexByte(spec, '@'); i >= 0 {
		user, spec = spec[:i], spec[i+1:]
	}
	key = spec
	if user != "" {
		key = user + "@" + spec
	}
	return key, spec, user, via
}

// resolveProxy sets t's jump chain or ProxyCommand. Explicit options beat
// ssh_config; in ssh_config, ProxyJump beats ProxyCommand (OpenSSH takes
// whichever comes first in the file, which the parser does not tell).
func (e *Executor) resolveProxy(t *target, ho HostOptions) error {
	cfg, name := e.sshcfg, t.alias
	proxy := ""
	switch {
	case cmp.Or(ho.JumpHost, e.opts.JumpHost) != "":
		t.jump = cmp.Or(ho.JumpHost, e.opts.JumpHost)
	case e.opts.ProxyCommand != "":
		proxy = e.opts.ProxyCommand
	default:
		t.jump = cfg.get(name, "ProxyJump")
		if t.jump == "" || strings.EqualFold(t.jump, "none") {
			proxy = cfg.get(name, "ProxyCommand")
		}
	}
	if strings.EqualFold(t.jump, "none") {
		t.jump = ""
	}
	if err := checkJumpChain(t.jump); err != nil {
		return err
	}
	if proxy != "" && !strings.EqualFold(proxy, "none") {
		if err := checkProxyNames(t); err != nil {
			return err
		}
		t.proxyCommand = expandProxyCommand(proxy, t)
	}
	return nil
}

// resolveFiles sets t's identity files (from ssh_config) and known_hosts
// files (Options, else ssh_config, else the OpenSSH defaults).
func (e *Executor) resolveFiles(t *target) {
	cfg, name := e.sshcfg, t.alias
	for _, f := range cfg.getAll(name, "IdentityFile") {
		t.identityFiles = append(t.identityFiles, e.expand(f, t))
	}

	switch {
	case len(e.opts.KnownHostsFiles) > 0:
		t.knownHosts = e.opts.KnownHostsFiles
	case cfg.get(name, "UserKnownHostsFile") != "":
		for _, f := range strings.Fields(cfg.get(name, "UserKnownHostsFile")) {
			t.knownHosts = append(t.knownHosts, e.expand(f, t))
		}
	default:
		if e.home != "" {
			t.knownHosts = append(t.knownHosts, filepath.Join(e.home, ".ssh", "known_hosts"))
		}
		t.knownHosts = append(t.knownHosts, "/etc/ssh/ssh_known_hosts")
	}
}

// resolveTimeouts sets t's connect and dial timeouts and keep-alive
// settings: Options first, then ssh_config, then the package defaults.
func (e *Executor) resolveTimeouts(t *target) {
	cfg, name := e.sshcfg, t.alias
	t.connectTimeout = e.opts.ConnectTimeout
	if t.connectTimeout <= 0 {
		t.connectTimeout = DefaultConnectTimeout
		if s := atoi(cfg.get(name, "ConnectTimeout")); s > 0 {
			t.connectTimeout = time.Duration(s) * time.Second
		}
	}
	t.dialTimeout = max(e.opts.DialTimeout, 0)
	t.keepAlive = e.opts.KeepAliveInterval
	if t.keepAlive == 0 {
		t.keepAlive = DefaultKeepAliveInterval
		if s := atoi(cfg.get(name, "ServerAliveInterval")); s > 0 {
			t.keepAlive = time.Duration(s) * time.Second
		}
	}
	t.keepAlive = max(t.keepAlive, 0)
	t.keepAliveMax = cmp.Or(max(e.opts.KeepAliveCountMax, 0), atoi(cfg.get(name, "ServerAliveCountMax")), DefaultKeepAliveCountMax)
}

// checkJumpChain rejects a ProxyJump value with an empty hop or a hop
// that is not [user@]host[:port], before anything is dialled.
func checkJumpChain(chain string) error {
	if chain == "" {
		return nil
	}
	for hop := range strings.SplitSeq(chain, ",") {
		spec := strings.TrimPrefix(hop, "ssh://")
		if i := strings.LastIndexByte(spec, '@'); i >= 0 {
			spec = spec[i+1:]
		}
		if _, _, err := hostname.Split(spec); err != nil {
			return fmt.Errorf("jump host chain %q: hop %q: %w", chain, hop, err)
		}
	}
	return nil
}

// expand resolves ~ (see expandTilde) and the %d %h %r %u tokens of
// ssh_config file names.
func (e *Executor) expand(p string, t *target) string {
	if x, err := expandTilde(p, e.home); err == nil {
		p = x
	}
	return strings.NewReplacer("%d", e.home, "%h", t.hostname, "%r", t.user, "%u", e.osUser, "%%", "%").Replace(p)
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0
	}
	return n
}
