package validator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/hostname"
	"github.com/org/calyptos/internal/words"
)

// Defaults for PingHosts fields left zero.
const (
	DefaultPingPort     = 22
	DefaultPingTimeout  = 3 * time.Second
	DefaultPingParallel = 32
)

// PingHosts checks from this machine that every host of the deployment
// (role "all") accepts a TCP connection on its SSH port: the port written
// with the host ("nc-1:2222"), else Port: SSH is what deploying and
// debugging need, and a TCP dial needs no privilege (unlike ICMP).
//
// Hosts are dialled in parallel (at most Parallel at once), each with its
// own Timeout; a host that does not answer is a failure naming it, never a
// hang, and the check returns when ctx ends. Each attempt is also recorded
// as a calyptos.Probe from "localhost".
type PingHosts struct {
	// Port is the TCP port tried for hosts written without one
	// (default DefaultPingPort, 22).
	Port int
	// Timeout bounds each connection attempt (default DefaultPingTimeout).
	Timeout time.Duration
	// Parallel bounds the attempts in flight (default DefaultPingParallel).
	Parallel int
	// DialContext opens the connections (default a net.Dialer's, with
	// Timeout), as in http.Transport.
	DialContext func(ctx context.Context, network, address string) (net.Conn, error)
}

// Name returns "pinghosts".
func (PingHosts) Name() string { return "pinghosts" }

type pingResult struct {
	host, addr string
	port       int
	err        error
	result     calyptos.ProbeResult
}

// Validate dials every host.
func (p PingHosts) Validate(ctx context.Context, c *calyptos.Check) {
	if p.Port <= 0 || p.Port > 65535 {
		p.Port = DefaultPingPort
	}
	if p.Timeout <= 0 {
		p.Timeout = DefaultPingTimeout
	}
	if p.Parallel <= 0 {
		p.Parallel = DefaultPingParallel
	}
	if p.DialContext == nil {
		p.DialContext = (&net.Dialer{Timeout: p.Timeout}).DialContext
	}
	hosts := c.Roles().All()
	if len(hosts) == 0 {
		c.Skipped("the deployment lists no hosts")
		return
	}
	results := make([]pingResult, len(hosts))
	sem := make(chan struct{}, p.Parallel)
	var wg sync.WaitGroup
	for i, h := range hosts {
		results[i].host = h
		addr, port, err := hostname.Split(h)
		if err != nil {
			results[i].err = err
			results[i].result = calyptos.ProbeError
			continue
		}
		if port == 0 {
			port = p.Port
		}
		results[i].addr, results[i].port = addr, port
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			results[i].err = fmt.Errorf("not tried: %w", ctx.Err())
			results[i].result = calyptos.ProbeUnknown
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			results[i].result, results[i].err = p.dial(ctx, addr, port)
		})
	}
	wg.Wait()
	ok := 0
	for _, r := range results {
		if r.port != 0 {
			c.RecordProbe(calyptos.Probe{From: "localhost", To: r.addr, Port: r.port, Proto: "tcp", Label: "ssh", Result: r.result, Detail: errText(r.err)})
		}
		s := c.OnHost(r.host)
		switch {
		case r.err == nil:
			ok++
			s.Key("ssh-port").Successf("%s accepts TCP connections on port %d", r.host, r.port)
		case r.port == 0:
			s.Key("ssh-port").Hint("check the host name resolves and the host is up and routable from here").Failuref("cannot reach %s: %v", r.host, r.err)
		default:
			s.Key("ssh-port").Hint("check the host is up, sshd listens on that port and no firewall drops it (ssh to it by hand)").Failuref("cannot reach %s on TCP port %d: %v", r.host, r.port, r.err)
		}
	}
	if ok == len(results) {
		c.Key("all-hosts").Successf("all %s answered", words.Count(ok, "host", "hosts"))
	} else {
		c.Key("all-hosts").Hint("fix the hosts above before deploying: the deployment logs into every one").Failuref("%d of %s did not answer", len(results)-ok, words.Count(len(results), "host", "hosts"))
	}
}

func (p PingHosts) dial(ctx context.Context, addr string, port int) (calyptos.ProbeResult, error) {
	dctx, cancel := context.WithTimeout(ctx, p.Timeout)
	defer cancel()
	conn, err := p.DialContext(dctx, "tcp", net.JoinHostPort(addr, strconv.Itoa(port)))
	if err == nil {
		conn.Close()
		return calyptos.ProbeOK, nil
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return calyptos.ProbeRefused, errors.New("connection refused")
	case ctx.Err() != nil:
		return calyptos.ProbeUnknown, fmt.Errorf("not finished: %w", ctx.Err())
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return calyptos.ProbeTimeout, fmt.Errorf("no answer within %v", p.Timeout)
	}
	return calyptos.ProbeError, err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
