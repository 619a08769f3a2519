package serve

import (
	"net"
	"sync"
)

// DefaultMaxConns bounds the connections a Server holds open at once
// (Options.MaxConns): enough for every dashboard and scraper, small
// enough that idle connections cannot exhaust memory or open files.
const DefaultMaxConns = 256

// limitListener holds at most n connections open: Accept waits for one
// to close before it takes the next (the kernel's backlog holds the
// rest), so simultaneous idle connections cost a bounded amount.
type limitListener struct {
	net.Listener
	slots chan struct{}
}

func newLimitListener(ln net.Listener, n int) *limitListener {
	return &limitListener{Listener: ln, slots: make(chan struct{}, n)}
}

// Accept waits for a free slot, then for a connection.
func (l *limitListener) Accept() (net.Conn, error) {
	l.slots <- struct{}{}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.slots }}, nil
}

// limitConn frees its slot once, when it is closed.
type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
