package sshexec_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/org/calyptos/internal/sshdtest"
	"github.com/org/calyptos/sshexec"
)

// baseOptions connects to srv with its client key and known_hosts file,
// ignoring the environment (agent, ~/.ssh/config, default keys).
func baseOptions(srv *sshdtest.Server) sshexec.Options {
	return sshexec.Options{
		User:             srv.User,
		IdentityFiles:    []string{srv.ClientKeyFile},
		KnownHostsFiles:  []string{srv.KnownHostsFile},
		DisableSSHConfig: true,
		DisableAgent:     true,
		// Generous: a loaded CI machine must not fail healthy tests; the
		// tests of these timeouts set their own.
		ConnectTimeout: 30 * time.Second,
	}
}

func newExecutor(t testing.TB, opts sshexec.Options) *sshexec.Executor {
	t.Helper()
	e, err := sshexec.New(opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = e.Close() })
	return e
}

func ctxTimeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// eventually polls cond for up to 5s: sshd writes its log asynchronously.
func eventually(cond func() bool) bool {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return cond()
}

// writeKey writes key as an OpenSSH private key file, encrypted when
// passphrase is not empty.
func writeKey(t testing.TB, dir, name string, key crypto.PrivateKey, passphrase string) string {
	t.Helper()
	var block *pem.Block
	var err error
	if passphrase == "" {
		block, err = ssh.MarshalPrivateKey(key, name)
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(key, name, []byte(passphrase))
	}
	require.NoError(t, err)
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(block), 0o600))
	return path
}

func genKey(t testing.TB, kind string) (crypto.PrivateKey, ssh.PublicKey) {
	t.Helper()
	var priv crypto.PrivateKey
	var pub crypto.PublicKey
	switch kind {
	case "ed25519":
		p, k, err := ed25519.GenerateKey(rand.Reader)
		require.NoError(t, err)
		priv, pub = k, p
	case "ecdsa":
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		priv, pub = k, &k.PublicKey
	case "rsa":
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		require.NoError(t, err)
		priv, pub = k, &k.PublicKey
	default:
		t.Fatalf("unknown key kind %s", kind)
	}
	sp, err := ssh.NewPublicKey(pub)
	require.NoError(t, err)
	return priv, sp
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t testing.TB, ip string) string {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// blackHole accepts TCP connections and never says anything, like a host
// whose sshd is wedged.
func blackHole(t testing.TB, ip string) string {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	require.NoError(t, err)
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return l.Addr().String()
}

// recordHandler is a slog handler that keeps records.
type recordHandler struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.records = append(h.records, r.Clone())
	h.mu.Unlock()
	return nil
}
func (h *recordHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordHandler) WithGroup(string) slog.Handler      { return h }

func (h *recordHandler) count(level slog.Level) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, r := range h.records {
		if r.Level == level {
			n++
		}
	}
	return n
}

// all returns every record as text, for checking that no secret leaked.
func (h *recordHandler) all() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var s string
	for _, r := range h.records {
		s += r.Message
		r.Attrs(func(a slog.Attr) bool {
			s += " " + a.String()
			return true
		})
		s += "\n"
	}
	return s
}

func slogger(h slog.Handler) *slog.Logger { return slog.New(h) }
