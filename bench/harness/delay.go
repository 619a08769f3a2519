package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/org/calyptos/internal/sshdtest"
)

// delayProxy forwards every TCP connection it accepts to one target and
// makes the pair behave as if a network with round-trip time rtt lay
// between them, with no kernel help (netem needs a module this machine
// lacks):
//
//   - every byte is held rtt/2 in each direction, as on a wire: data keeps
//     flowing while earlier data is still held, so throughput is not
//     limited to one buffer per round trip;
//   - a connection's first bytes come as late as over a real TCP
//     handshake: the kernel completes the client's handshake at once on
//     loopback, so the proxy opens its connection to the target 1.5 rtt
//     after accepting (SYN, SYN-ACK, ACK), and the target's first bytes
//     reach the client 2 rtt after it connected, as they would;
//   - an end of stream (half-close) is passed on rtt/2 later, in order
//     after the data before it; a reset or error closes both sides.
//
// Bytes held are bounded per connection and direction (maxChunks reads of
// up to chunkLen bytes), like a TCP window.
type delayProxy struct {
	ln     net.Listener
	target string
	rtt    time.Duration

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

const (
	chunkLen  = 32 << 10
	maxChunks = 64
)

// startDelayProxy listens on addr and forwards to target with rtt added.
func startDelayProxy(addr, target string, rtt time.Duration) (*delayProxy, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("delay proxy: %w", err)
	}
	p := &delayProxy{ln: ln, target: target, rtt: rtt, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// Addr is the address the proxy listens on.
func (p *delayProxy) Addr() string { return p.ln.Addr().String() }

// Close stops listening, closes every connection and waits for them.
func (p *delayProxy) Close() error {
	err := p.ln.Close()
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

func (p *delayProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.track(c) {
			return
		}
		p.wg.Add(1)
		go p.handle(c, time.Now())
	}
}

// track records c so that Close can end it; false once closed.
func (p *delayProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *delayProxy) untrack(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		if c != nil {
			delete(p.conns, c)
			c.Close()
		}
	}
}

// chunk is what one read returned, and when it may be passed on. A chunk
// without data is the end of the stream (err nil: a clean end).
type chunk struct {
	data []byte
	due  time.Time
	err  error
}

// handle relays one connection, from the moment it was accepted.
func (p *delayProxy) handle(client net.Conn, accepted time.Time) {
	defer p.wg.Done()
	oneWay := p.rtt / 2
	up, down := make(chan chunk, maxChunks), make(chan chunk, maxChunks)
	// The client's bytes are stamped as they arrive, before the target
	// is even connected.
	go readChunks(client, up, oneWay)
	time.Sleep(time.Until(accepted.Add(p.rtt + oneWay)))
	server, err := net.Dial("tcp", p.target)
	if err != nil || !p.track(server) {
		p.untrack(client, server)
		drain(up)
		return
	}
	go readChunks(server, down, oneWay)
	done := make(chan struct{})
	go func() {
		writeChunks(client, down, server)
		close(done)
	}()
	writeChunks(server, up, client)
	<-done
	p.untrack(client, server)
}

// readChunks reads src into ch, each piece due oneWay after it arrived,
// then the end of the stream, and closes ch.
func readChunks(src net.Conn, ch chan<- chunk, oneWay time.Duration) {
	defer close(ch)
	for {
		buf := make([]byte, chunkLen)
		n, err := src.Read(buf)
		now := time.Now()
		if n > 0 {
			ch <- chunk{data: buf[:n], due: now.Add(oneWay)}
		}
		if err != nil {
			c := chunk{due: now.Add(oneWay)}
			if !errors.Is(err, io.EOF) {
				c.err = err
			}
			ch <- c
			return
		}
	}
}

// writeChunks writes each chunk to dst when it is due. At a clean end it
// half-closes dst; on an error it closes both dst and src (whose reader
// then ends).
func writeChunks(dst net.Conn, ch <-chan chunk, src net.Conn) {
	for c := range ch {
		time.Sleep(time.Until(c.due))
		if c.data == nil {
			if c.err != nil {
				dst.Close()
				src.Close()
			} else if tc, ok := dst.(*net.TCPConn); ok {
				tc.CloseWrite()
			}
			continue
		}
		if _, err := dst.Write(c.data); err != nil {
			dst.Close()
			src.Close()
			drain(ch)
			return
		}
	}
}

func drain(ch <-chan chunk) {
	for range ch {
	}
}

// wanProxies is one delay proxy per host, all on one port.
type wanProxies struct {
	port    int
	proxies []*delayProxy
}

// startWAN puts a delay proxy with rtt in front of every host of fl, on
// the host's own address and one free port (tools are given that port
// instead of sshd's).
func startWAN(fl *fleet, rtt time.Duration) (*wanProxies, error) {
	var last error
	for range 5 {
		port, err := sshdtest.FreePort(fl.hosts)
		if err != nil {
			last = err
			continue
		}
		w := &wanProxies{port: port}
		for _, h := range fl.hosts {
			p, err := startDelayProxy(net.JoinHostPort(h, strconv.Itoa(port)), net.JoinHostPort(h, strconv.Itoa(fl.port)), rtt)
			if err != nil {
				last = err
				break
			}
			w.proxies = append(w.proxies, p)
		}
		if len(w.proxies) == len(fl.hosts) {
			return w, nil
		}
		w.close()
	}
	return nil, fmt.Errorf("wan: %w", last)
}

func (w *wanProxies) close() {
	for _, p := range w.proxies {
		p.Close()
	}
}

// suffix names the latest files of a WAN run apart from the loopback
// ones: latest-wan.md next to latest.md.
func (r *results) suffix() string {
	if r.Config.RTT != "" {
		return "-wan"
	}
	return ""
}

// wanTargets are issue #12's targets for WAN mode: debug within 2x
// execute, and execute and debug well below parallel-ssh and ansible.
func (r *results) wanTargets() []target {
	if r.Config.RTT == "" {
		return nil
	}
	var out []target
	for _, n := range r.Config.Hosts {
		e := r.find("calyptos-execute", n)
		if e == nil || e.Wall == 0 {
			continue
		}
		if d := r.find("calyptos-debug", n); d != nil {
			v := d.Wall / e.Wall
			out = append(out, target{Goal: fmt.Sprintf("WAN %s: debug wall / execute wall at N=%d", r.Config.RTT, n),
				Measured: v, Limit: 2, Met: v <= 2, Detail: fmt.Sprintf("debug %.3fs vs execute %.3fs (medians)", d.Wall, e.Wall)})
		}
		for _, other := range []string{"pssh", "ansible"} {
			o := r.find(other, n)
			if o == nil || o.Wall == 0 {
				continue
			}
			for _, tool := range []string{"calyptos-execute", "calyptos-debug"} {
				if c := r.find(tool, n); c != nil {
					v := c.Wall / o.Wall
					out = append(out, target{Goal: fmt.Sprintf("WAN %s: %s wall / %s wall at N=%d (well below 1)", r.Config.RTT, tool, other, n),
						Measured: v, Limit: 0.5, Met: v <= 0.5, Detail: fmt.Sprintf("%.3fs vs %.3fs (medians)", c.Wall, o.Wall)})
				}
			}
		}
	}
	return out
}

// toolPort is the port the tools connect to: the delay proxies' in WAN
// mode, sshd's otherwise.
func (f *fleet) toolPort() int {
	if f.wanPort != 0 {
		return f.wanPort
	}
	return f.port
}

// trustPort makes the tools reach the hosts on port (the delay proxies'):
// the known_hosts file gets a line for each host on that port too.
func (f *fleet) trustPort(port int) error {
	b, err := os.ReadFile(f.knownHostsFile)
	if err != nil {
		return err
	}
	var more strings.Builder
	for line := range strings.Lines(string(b)) {
		more.WriteString(strings.Replace(line, "]:"+strconv.Itoa(f.port)+" ", "]:"+strconv.Itoa(port)+" ", 1))
	}
	if err := os.WriteFile(f.knownHostsFile, append(b, more.String()...), 0o600); err != nil {
		return err
	}
	f.wanPort = port
	return nil
}
