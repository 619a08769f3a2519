package sshexec_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/internal/sshdtest"
	"github.com/org/calyptos/sshexec"
)

// TestExecutorContract runs calyptostest's contract suite on sshexec
// against a real sshd listening on two loopback addresses: as configured
// by default; fetching with cat on a server without SFTP, with an
// unreachable host that accepts connections and never answers (ended by
// the connect timeout); and with one session per host, where every call
// waits for the one before. The unreachable host of the others is a
// loopback port nothing listens on.
func TestExecutorContract(t *testing.T) {
	refused := func(t *testing.T) string { return closedPort(t, "127.0.7.100") }
	tests := []struct {
		name        string
		server      sshdtest.Options
		opts        func(*sshexec.Options)
		unreachable func(t *testing.T) string
		known       map[string]string
	}{
		{"default", sshdtest.Options{}, func(*sshexec.Options) {}, refused, nil},
		{"no sftp", sshdtest.Options{NoSFTP: true}, func(o *sshexec.Options) { o.ConnectTimeout = 3 * time.Second },
			func(t *testing.T) string { return blackHole(t, "127.0.7.101") },
			nil},
		{"one session", sshdtest.Options{}, func(o *sshexec.Options) { o.MaxSessionsPerHost = 1 }, refused,
			nil},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.server.Addrs = []string{fmt.Sprintf("127.0.7.%d", 2*i+1), fmt.Sprintf("127.0.7.%d", 2*i+2)}
			srv := sshdtest.Start(t, tt.server)
			calyptostest.TestExecutor(t, calyptostest.ExecutorHarness{
				New: func(t *testing.T) calyptos.Executor {
					opts := baseOptions(srv)
					tt.opts(&opts)
					return newExecutor(t, opts)
				},
				Hosts:       srv.Addrs,
				Unreachable: tt.unreachable(t),
				Known:       tt.known,
			})
		})
	}
}
