package serve

import (
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServeCapsConnections: with MaxConns idle connections open, the next
// client is not served until one of them closes.
func TestServeCapsConnections(t *testing.T) {
	f := newFixture(t, Options{Interval: time.Hour, MaxConns: 3})
	f.allOK()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx := t.Context()
	done := make(chan error, 1)
	go func() { done <- f.s.Serve(ctx, ln) }()
	var idle []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		idle = append(idle, c)
	}
	client := &http.Client{Timeout: 500 * time.Millisecond}
	url := "http://" + ln.Addr().String() + "/healthz"
	_, err = client.Get(url)
	assert.Error(t, err, "a fourth connection waits while three are open")
	for _, c := range idle {
		c.Close()
	}
	client.Timeout = 10 * time.Second
	resp, err := client.Get(url)
	require.NoError(t, err, "served once the idle ones closed")
	resp.Body.Close()
}
