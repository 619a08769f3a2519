package sshexec

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func newHostKey(t *testing.T) ssh.PublicKey {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	k, err := ssh.NewPublicKey(pub)
	require.NoError(t, err)
	return k
}

// TestAppendKnownHostAcrossRuns plays two runs (two open file
// descriptions, as two processes have) trusting hosts on first use into one
// file at the same time.
func TestAppendKnownHostAcrossRuns(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sub", "known_hosts")
	remote := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2222}
	key1, key2 := newHostKey(t), newHostKey(t)

	require.NoError(t, appendKnownHost(file, "127.0.0.1:2222", remote, key1))
	require.NoError(t, appendKnownHost(file, "127.0.0.1:2222", remote, key1), "the same key trusted by another run is accepted")
	err := appendKnownHost(file, "127.0.0.1:2222", remote, key2)
	var ke *knownhosts.KeyError
	require.True(t, errors.As(err, &ke), "a different key than another run trusted: %v", err)
	require.Len(t, ke.Want, 1)
	assert.Equal(t, key1.Marshal(), ke.Want[0].Key.Marshal())

	// A run holding the lock (another process trusting the host right now)
	// makes this one wait, then see the key it wrote.
	other, err := os.OpenFile(file, os.O_APPEND|os.O_RDWR, 0o600)
	require.NoError(t, err)
	defer other.Close()
	unlock, err := lockFile(other)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- appendKnownHost(file, "127.0.0.2:22", remote, key2) }()
	select {
	case err := <-done:
		t.Fatalf("appendKnownHost did not wait for the lock another run holds: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	_, err = other.WriteString(knownhosts.Line([]string{"127.0.0.2"}, key1) + "\n")
	require.NoError(t, err)
	unlock()
	err = <-done
	require.True(t, errors.As(err, &ke), "the key the other run wrote under the lock is seen: %v", err)

	// Many runs at once: each host is written once, every line is whole.
	var wg sync.WaitGroup
	keys := make([]ssh.PublicKey, 8)
	for i := range keys {
		keys[i] = newHostKey(t)
	}
	for range 32 {
		for i, k := range keys {
			wg.Go(func() {
				assert.NoError(t, appendKnownHost(file, fmt.Sprintf("127.0.0.%d:22", i+10), remote, k))
			})
		}
	}
	wg.Wait()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	assert.Len(t, lines, 2+len(keys), "one line per host")
	cb, err := knownhosts.New(file)
	require.NoError(t, err)
	for i, k := range keys {
		addr := fmt.Sprintf("127.0.0.%d:22", i+10)
		assert.NoError(t, cb(addr, remote, k), addr)
	}
}

// TestAppendKnownHostNoFinalNewline: a known_hosts file whose last line
// has no newline (written by hand or by a script) keeps that entry when a
// key is trusted on first use, instead of having the new one glued to it.
func TestAppendKnownHostNoFinalNewline(t *testing.T) {
	file := filepath.Join(t.TempDir(), "known_hosts")
	remote := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 22}
	old, fresh := newHostKey(t), newHostKey(t)
	require.NoError(t, os.WriteFile(file, []byte(knownhosts.Line([]string{"127.0.0.3"}, old)), 0o600))

	require.NoError(t, appendKnownHost(file, "127.0.0.4:22", remote, fresh))
	cb, err := knownhosts.New(file)
	require.NoError(t, err)
	assert.NoError(t, cb("127.0.0.3:22", remote, old), "the entry that had no newline")
	assert.NoError(t, cb("127.0.0.4:22", remote, fresh), "the entry trusted on first use")
}
