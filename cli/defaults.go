package cli

import (
	"github.com/org/calyptos"
	"github.com/org/calyptos/debugger"
	"github.com/org/calyptos/sshexec"
	"github.com/org/calyptos/validator"
)

// defaultValidators returns the built-in validators, with the network
// ones bounded by cfg.
func defaultValidators(cfg ValidateConfig) []calyptos.Validator {
	vs := validator.Default()
	for _, v := range vs {
		switch v := v.(type) {
		case *validator.PingHosts:
			v.Timeout = cfg.Timeout
			v.Parallel = cfg.Parallel
		case *validator.Repos:
			v.Timeout = cfg.Timeout
		}
	}
	return vs
}

// defaultDebuggers returns the built-in debuggers with the side effects
// cfg allows.
func defaultDebuggers(cfg DebugConfig) []calyptos.Debugger {
	ds := debugger.Default()
	for _, d := range ds {
		switch d := d.(type) {
		case *debugger.EucalyptusSosreports:
			d.InstallPackages = cfg.InstallPackages
			d.KeepUnredacted = cfg.KeepUnredacted
		case *debugger.VerifyComponentNetworking:
			d.AllowSideEffects = cfg.AllowSideEffects
			d.InstallPackages = cfg.InstallPackages
		}
	}
	return ds
}

// defaultSSH opens the built-in SSH transport. Nothing is dialled until a
// command needs a host; key files are read now, so that a missing one is
// reported before the run.
func defaultSSH(cfg SSHConfig) (Transport, error) {
	return sshexec.New(sshexec.Options{
		User:                  cfg.User,
		Port:                  cfg.Port,
		IdentityFiles:         cfg.IdentityFiles,
		Passphrase:            cfg.Passphrase,
		Password:              cfg.Password,
		PasswordPrompt:        cfg.PasswordPrompt,
		KnownHostsFiles:       cfg.KnownHostsFiles,
		InsecureIgnoreHostKey: cfg.InsecureIgnoreHostKey,
		// Debuggers run several fan-outs at once; this keeps --parallel a
		// bound on the hosts reached at the same time, not per fan-out.
		MaxHosts:       cfg.Parallel,
		JumpHost:       cfg.JumpHost,
		ConnectTimeout: cfg.ConnectTimeout,
		Hosts:          sshHosts(cfg.Hosts),
	})
}

// sshHosts turns an inventory's per-host settings into sshexec's.
func sshHosts(hs map[string]HostSettings) map[string]sshexec.HostOptions {
	if len(hs) == 0 {
		return nil
	}
	out := make(map[string]sshexec.HostOptions, len(hs))
	for name, h := range hs {
		ho := sshexec.HostOptions{HostName: h.Address, Port: h.Port, User: h.User}
		if h.IdentityFile != "" {
			ho.IdentityFiles = []string{h.IdentityFile}
		}
		out[name] = ho
	}
	return out
}
