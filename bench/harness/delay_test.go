package main

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// echoTarget is a TCP server on loopback whose connections a test handles.
func echoTarget(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				handle(c)
			}()
		}
	}()
	return ln.Addr().String()
}

func proxyTo(t *testing.T, addr string, rtt time.Duration) *delayProxy {
	t.Helper()
	p, err := startDelayProxy("127.0.0.1:0", addr, rtt)
	require.NoError(t, err)
	t.Cleanup(func() { p.Close() })
	return p
}

// TestDelayProxyDelaysEachDirection: bytes from the client reach the
// target at least rtt/2 after they were sent, and the answer reaches the
// client at least rtt/2 after the target sent it; the first bytes of a
// connection come as late as over a TCP handshake.
func TestDelayProxyDelaysEachDirection(t *testing.T) {
	const rtt = 200 * time.Millisecond
	type stamp struct{ got, sent time.Time }
	at := make(chan stamp, 4)
	addr := echoTarget(t, func(c net.Conn) {
		buf := make([]byte, 1)
		for {
			if _, err := c.Read(buf); err != nil {
				return
			}
			got := time.Now()
			sent := time.Now()
			if _, err := c.Write(buf); err != nil {
				return
			}
			at <- stamp{got, sent}
		}
	})
	p := proxyTo(t, addr, rtt)
	connected := time.Now()
	c, err := net.Dial("tcp", p.Addr())
	require.NoError(t, err)
	defer c.Close()
	buf := make([]byte, 1)

	// First exchange: the handshake's round trip, then one more.
	_, err = c.Write([]byte{'a'})
	require.NoError(t, err)
	_, err = io.ReadFull(c, buf)
	require.NoError(t, err)
	first := <-at
	assert.GreaterOrEqual(t, first.got.Sub(connected), rtt+rtt/2-5*time.Millisecond, "client's first byte after SYN, SYN-ACK, ACK")
	assert.GreaterOrEqual(t, time.Since(connected), 2*rtt, "first answer two round trips after connecting")

	// Later exchanges: rtt/2 each way.
	for range 3 {
		sent := time.Now()
		_, err = c.Write([]byte{'b'})
		require.NoError(t, err)
		_, err = io.ReadFull(c, buf)
		require.NoError(t, err)
		back := time.Now()
		s := <-at
		assert.GreaterOrEqual(t, s.got.Sub(sent), rtt/2-2*time.Millisecond, "client to target")
		assert.GreaterOrEqual(t, back.Sub(s.sent), rtt/2-2*time.Millisecond, "target to client")
		assert.Less(t, back.Sub(sent), 5*rtt, "not much more than rtt")
	}
}

// TestDelayProxyDataIntact: 8 MiB of random bytes each way come through
// whole and in order, while bytes are in flight both ways at once.
func TestDelayProxyDataIntact(t *testing.T) {
	addr := echoTarget(t, func(c net.Conn) { _, _ = io.Copy(c, c) })
	p := proxyTo(t, addr, 20*time.Millisecond)
	c, err := net.Dial("tcp", p.Addr())
	require.NoError(t, err)
	defer c.Close()
	data := make([]byte, 8<<20)
	_, _ = rand.Read(data)
	go func() {
		for b := data; len(b) > 0; {
			n := min(len(b), 7777)
			if _, err := c.Write(b[:n]); err != nil {
				return
			}
			b = b[n:]
		}
		c.(*net.TCPConn).CloseWrite()
	}()
	got, err := io.ReadAll(c)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(data, got), "got %d bytes, want %d", len(got), len(data))
}

// TestDelayProxyClosePropagates: a half-close reaches the other side
// (after the data before it), a close by the target ends the client's
// reads, and a client that goes away ends the target's.
func TestDelayProxyClosePropagates(t *testing.T) {
	const rtt = 60 * time.Millisecond
	eofAt := make(chan time.Time, 1)
	addr := echoTarget(t, func(c net.Conn) {
		b, _ := io.ReadAll(c) // until the client's half-close
		eofAt <- time.Now()
		_, _ = c.Write(append([]byte("got "), b...))
		// returning closes the connection
	})
	p := proxyTo(t, addr, rtt)
	c, err := net.Dial("tcp", p.Addr())
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write([]byte("hello"))
	require.NoError(t, err)
	closed := time.Now()
	require.NoError(t, c.(*net.TCPConn).CloseWrite())
	select {
	case at := <-eofAt:
		assert.GreaterOrEqual(t, at.Sub(closed), rtt/2-2*time.Millisecond)
	case <-time.After(10 * time.Second):
		t.Fatal("the target never saw the client's half-close")
	}
	require.NoError(t, c.SetReadDeadline(time.Now().Add(10*time.Second)))
	got, err := io.ReadAll(c)
	require.NoError(t, err, "the target's close ends the client's reads")
	assert.Equal(t, "got hello", string(got))

	// The client goes away without a word: the target's read ends.
	ended := make(chan error, 1)
	addr = echoTarget(t, func(c net.Conn) {
		_, err := io.Copy(io.Discard, c)
		ended <- err
	})
	p = proxyTo(t, addr, rtt)
	c2, err := net.Dial("tcp", p.Addr())
	require.NoError(t, err)
	_, _ = c2.Write([]byte("x"))
	time.Sleep(2 * rtt) // the target is connected by then
	c2.Close()
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Fatal("the target's connection outlived the client's")
	}
}

// TestDelayProxyCloseEndsConnections: closing the proxy ends the
// connections it carries, and a target that refuses ends the client's.
func TestDelayProxyCloseEndsConnections(t *testing.T) {
	addr := echoTarget(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
	p, err := startDelayProxy("127.0.0.1:0", addr, 10*time.Millisecond)
	require.NoError(t, err)
	c, err := net.Dial("tcp", p.Addr())
	require.NoError(t, err)
	defer c.Close()
	time.Sleep(50 * time.Millisecond)
	require.NoError(t, p.Close())
	require.NoError(t, c.SetReadDeadline(time.Now().Add(10*time.Second)))
	_, err = c.Read(make([]byte, 1))
	assert.Error(t, err)
	var ne net.Error
	assert.False(t, errors.As(err, &ne) && ne.Timeout(), "ended by the proxy, not the deadline")

	// Nothing listens at the target: the client's connection ends.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := ln.Addr().String()
	ln.Close()
	p = proxyTo(t, dead, 10*time.Millisecond)
	c2, err := net.Dial("tcp", p.Addr())
	require.NoError(t, err)
	defer c2.Close()
	require.NoError(t, c2.SetReadDeadline(time.Now().Add(10*time.Second)))
	_, err = c2.Read(make([]byte, 1))
	assert.Error(t, err)
	assert.False(t, errors.As(err, &ne) && ne.Timeout(), "ended by the proxy, not the deadline")
}
