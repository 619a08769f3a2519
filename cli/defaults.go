package cli

import (
	"errors"

	"github.com/org/calyptos"
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

// defaultDebuggers returns the built-in debuggers.
func defaultDebuggers(DebugConfig) []calyptos.Debugger {
	return nil
}

// defaultSSH opens the built-in SSH transport.
func defaultSSH(SSHConfig) (Transport, error) {
	return nil, errors.New("SSH transport not wired yet")
}

// isAuthError reports whether err means a host refused every
// authentication method offered.
func isAuthError(err error) bool { return false }
