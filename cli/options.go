package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/hostname"
	"github.com/org/calyptos/internal/words"
	"github.com/org/calyptos/inventory"
	"github.com/org/calyptos/redact"
	"github.com/org/calyptos/report"
	"github.com/org/calyptos/sshexec"
)

// options holds every flag of every command; each command registers the
// ones it takes.
type options struct {
	fs *flagSet

	envFile string
	// inventoryFile is --inventory, exclusive with envFile; inv is what
	// loadEnv read from it (per-host connection settings).
	inventoryFile string
	inv           *inventory.Inventory
	// limit is --limit, a host pattern that narrows the run's hosts.
	limit   string
	format  report.Format
	outFile string
	only    []string
	skip    []string
	strict  bool
	verbose bool
	// allowPartial accepts, in diff, a NEW report that is empty or of an
	// interrupted run.
	allowPartial bool

	role        string
	artifacts   string
	install     bool
	sideEffects bool
	unredacted  bool // --artifacts-unredacted
	parallel    int
	timeout     time.Duration
	connTimeout time.Duration
	local       bool

	user       string
	identities []string
	password   string
	knownHosts []string
	insecure   bool
	jump       string
	port       int

	serve serveOptions
	gate  gateOptions // --baseline, --waivers (baseline.go)

	// redactor hides the password (given or typed at a prompt) and the
	// environment's secrets in everything the command prints.
	redactor *redact.Redactor
}

// formatValue is the -o flag.
type formatValue struct {
	f       *report.Format
	allowed []report.Format
}

func (v formatValue) Set(s string) error {
	names := make([]string, len(v.allowed))
	for i, a := range v.allowed {
		names[i] = a.String()
	}
	f, err := report.ParseFormat(s)
	if err != nil {
		// List this command's formats, not every format there is.
		return fmt.Errorf("unknown report format %q (valid: %s)", s, strings.Join(names, ", "))
	}
	for _, a := range v.allowed {
		if a == f {
			*v.f = f
			return nil
		}
	}
	return fmt.Errorf("format %q is not available here (valid: %s)", s, strings.Join(names, ", "))
}

func (v formatValue) String() string {
	if v.f == nil || *v.f == 0 {
		return "text"
	}
	return v.f.String()
}

func envFlag(fs *flagSet, o *options) {
	fs.stringVar(&o.envFile, "e,environment", "FILE", "environment file describing the deployment (or --inventory)")
	fs.stringVar(&o.inventoryFile, "inventory", "FILE", "Ansible inventory (INI, YAML, or ansible-inventory --list JSON,\nwith group_vars/ and host_vars/ beside it) instead of -e:\ngroups are roles, ansible_host/port/user/ssh_private_key_file\nsay how to reach each host")
}

// limitFlag is --limit, Ansible's host patterns.
func limitFlag(fs *flagSet, o *options) {
	fs.stringVar(&o.limit, "limit", "PATTERN", "run on the hosts of this Ansible host pattern only\n(web:db, prod:&web, web:!web03, web*, ~web0[12])")
}

func outputFlags(fs *flagSet, o *options, formats ...report.Format) {
	o.format = report.Text
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = f.String()
	}
	fs.add(formatValue{f: &o.format, allowed: formats}, "o,output", "FORMAT",
		"output format: "+strings.Join(names, ", ")+" (default text)")
	fs.stringVar(&o.outFile, "out", "FILE", "write the report to FILE in the -o format;\nthe text stream still goes to stdout")
}

func selectFlags(fs *flagSet, o *options) {
	fs.listVar(&o.only, "only", "NAMES", true, "run only these checks (comma-separated, repeatable)")
	fs.listVar(&o.skip, "skip", "NAMES", true, "do not run these checks (comma-separated, repeatable)")
	fs.boolVar(&o.strict, "strict", "count warnings as failures (exit code 1)")
	fs.boolVar(&o.verbose, "v,verbose", "print the evidence of each failure")
}

func transportFlags(fs *flagSet, o *options, defaultTimeout time.Duration) {
	o.parallel = calyptos.DefaultParallel
	o.timeout = defaultTimeout
	fs.boolVar(&o.local, "local", "run commands on this machine instead of over SSH\n(every host of the file is this machine)")
	fs.stringVar(&o.user, "u,user", "USER", "SSH login user (default: ~/.ssh/config, then the current user)")
	fs.listVar(&o.identities, "i,identity", "FILE", false, "SSH private key file (repeatable); the ssh-agent is used when\nSSH_AUTH_SOCK is set, and ~/.ssh/id_* keys when no -i is given")
	fs.stringVar(&o.password, "p,password", "PASSWORD", "SSH password (also $CALYPTOS_SSH_PASSWORD); when absent and\na host refuses the keys, it is asked for on the terminal")
	fs.listVar(&o.knownHosts, "known-hosts", "FILE", false, "known_hosts file to verify host keys against (repeatable;\ndefault ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts)")
	fs.boolVar(&o.insecure, "insecure-ignore-host-keys", "accept any host key (throw-away labs only: allows a\nman-in-the-middle)")
	fs.stringVar(&o.jump, "J,jump", "[USER@]HOST[:PORT]", "connect through this bastion host (like ssh -J)")
	fs.intVar(&o.port, "port", "PORT", "SSH port for hosts written without one (default 22)")
	fs.intVar(&o.parallel, "parallel", "N", fmt.Sprintf("reach at most N hosts at once (default %d)", calyptos.DefaultParallel))
	fs.durationVar(&o.timeout, "timeout", "DURATION", fmt.Sprintf("time limit of each remote command, from when it starts\n(default %v)", defaultTimeout))
	fs.durationVar(&o.connTimeout, "connect-timeout", "DURATION", fmt.Sprintf("time limit of setting up each SSH connection (connect,\nhandshake, login), apart from --timeout; a host not\nconnected within it is unreachable (default ~/.ssh/config\nConnectTimeout, then %v)", sshexec.DefaultConnectTimeout))
}

// loadEnv reads the environment file named by -e with
// eucalyptus.Load, which refuses a FIFO, a device or a file over
// 16 MiB. On failure it prints why (every problem as file:line:col:
// message) and returns ExitUsage.
func (p *Program) loadEnv(cmd string, o *options) (*calyptos.RoleBuilder, int) {
	var rb *calyptos.RoleBuilder
	code := ExitOK
	switch {
	case o.envFile != "" && o.inventoryFile != "":
		return nil, p.usageErr(cmd, "-e and --inventory are exclusive: give one")
	case o.inventoryFile != "":
		rb, code = p.loadInventory(o)
	case o.envFile == "":
		return nil, p.usageErr(cmd, "-e/--environment FILE is required (or --inventory FILE)")
	default:
		rb, code = p.loadEnvFile(o)
	}
	if code != ExitOK {
		return nil, code
	}
	if o.limit != "" {
		hosts, err := inventory.Select(rb, o.limit)
		if err != nil {
			return nil, p.usageErr(cmd, "--limit: %v", err)
		}
		rb = rb.Restrict(hosts)
	}
	return rb, p.loadGate(cmd, o, rb)
}

// loadEnvFile reads -e.
func (p *Program) loadEnvFile(o *options) (*calyptos.RoleBuilder, int) {
	rb, err := eucalyptus.Load(o.envFile)
	var envErr *eucalyptus.EnvError
	switch {
	case err == nil:
		return rb, ExitOK
	case errors.Is(err, fs.ErrNotExist):
		p.errorf("environment file %s does not exist", o.envFile)
	case errors.As(err, &envErr):
		fmt.Fprintln(p.Stderr, err)
		p.errorf("%s: %s; nothing was run", o.envFile, words.Count(countErrors(err), "problem", "problems"))
	case errors.Is(err, eucalyptus.ErrInvalidEnvironment):
		p.errorf("%v", err) // not a regular file, or too large
	default:
		p.errorf("cannot read environment file: %v", unwrapPathError(err))
	}
	return nil, ExitUsage
}

// loadInventory reads --inventory, printing its warnings.
func (p *Program) loadInventory(o *options) (*calyptos.RoleBuilder, int) {
	inv, err := inventory.Load(o.inventoryFile)
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist):
		p.errorf("inventory %s does not exist", o.inventoryFile)
		return nil, ExitUsage
	case errors.Is(err, inventory.ErrInvalid):
		fmt.Fprintln(p.Stderr, err)
		p.errorf("%s: %s; nothing was run", o.inventoryFile, words.Count(countErrors(err), "problem", "problems"))
		return nil, ExitUsage
	default:
		p.errorf("cannot read inventory: %v", unwrapPathError(err))
		return nil, ExitUsage
	}
	for _, w := range inv.Warnings() {
		p.errorf("warning: %v", w)
	}
	o.inv = inv
	return inv.RoleBuilder(), ExitOK
}

// countErrors counts the problems of a joined error.
func countErrors(err error) int {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return len(j.Unwrap())
	}
	return 1
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}

// checkCommon validates the flags every run shares.
func (p *Program) checkTransportFlags(cmd string, o *options) int {
	switch {
	case o.parallel < 1:
		return p.usageErr(cmd, "--parallel must be at least 1")
	case o.timeout <= 0:
		return p.usageErr(cmd, "--timeout must be positive")
	case o.connTimeout < 0 || o.fs.set("connect-timeout") && o.connTimeout == 0:
		return p.usageErr(cmd, "--connect-timeout must be positive")
	case o.port < 0 || o.port > 65535:
		return p.usageErr(cmd, "--port must be from 1 to 65535")
	}
	if err := checkJump(o.jump); err != nil {
		return p.usageErr(cmd, "-J/--jump %q: %v", o.jump, err)
	}
	if o.local {
		for _, name := range []string{"user", "identity", "password", "known-hosts", "insecure-ignore-host-keys", "jump", "port", "connect-timeout"} {
			if o.fs.set(name) {
				return p.usageErr(cmd, "--%s is an SSH flag: it cannot be used with --local", name)
			}
		}
	}
	return ExitOK
}

// checkJump rejects a -J value that is not a chain of [user@]host[:port]
// hops (ssh -J syntax; "none" is no jump host), before anything is
// dialled: otherwise every host would fail with the same error and the run
// would end as if no host could be reached.
func checkJump(chain string) error {
	if chain == "" || strings.EqualFold(chain, "none") {
		return nil
	}
	for hop := range strings.SplitSeq(chain, ",") {
		spec := strings.TrimPrefix(hop, "ssh://")
		if i := strings.LastIndexByte(spec, '@'); i >= 0 {
			spec = spec[i+1:]
		}
		name, _, err := hostname.Split(spec)
		if err != nil {
			return fmt.Errorf("hop %q: %w", hop, err)
		}
		if strings.HasPrefix(name, "-") || strings.IndexFunc(name, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
			return fmt.Errorf("hop %q: not a host name", hop)
		}
	}
	return nil
}
