package facts

import (
	"fmt"
	"strings"

	"github.com/org/calyptos"
	"github.com/org/calyptos/internal/textparse"
)

// ListenersCommand lists listening TCP and UDP sockets: ss with -H
// (iproute2 4.x and later), netstat (EL6, hosts with net-tools; in the C
// locale, as it translates its state column), or ss with its header
// (EL7's iproute2 3.10).
const ListenersCommand = "ss -Hlntu 2>/dev/null || LC_ALL=C netstat -lntu 2>/dev/null || ss -lntu"

// Listeners is the host's listening TCP and UDP sockets, read from the
// local address column only (so :87730 is not :8773, and a connection to
// a remote 8773 is not a listener). A command that failed without listing
// any socket is a parse error.
func Listeners() *calyptos.Fact[[]Listener] {
	return &calyptos.Fact[[]Listener]{Name: "listeners", Command: ListenersCommand, Parse: func(o calyptos.Output) ([]Listener, error) {
		ls := parseListeners(o.Stdout)
		if len(ls) == 0 && !o.OK() {
			return nil, fmt.Errorf("cannot list listening sockets (exit %d)", o.ExitCode)
		}
		return ls, nil
	}}
}

// Listener is one listening socket.
type Listener struct {
	Proto string // "tcp" or "udp"
	Addr  string // local address without port: "0.0.0.0", "::", "*", "127.0.0.1"
	Port  int
}

// parseListeners reads the listening TCP and UDP sockets from the output
// of `ss -Hlntu`, `ss -lntu` (with or without its header, with or without
// the Netid column), `netstat -lntu` or `netstat -lnp`. Only the local
// address column is read, and a TCP socket counts only in state LISTEN.
func parseListeners(out string) []Listener {
	var ls []Listener
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		proto, local, ok := listenerFields(f)
		if !ok {
			continue
		}
		addr, port, ok := splitLocal(local)
		if !ok {
			continue
		}
		ls = append(ls, Listener{Proto: proto, Addr: addr, Port: port})
	}
	return ls
}

// listenerFields picks the protocol and local address out of one line.
func listenerFields(f []string) (proto, local string, ok bool) {
	p := strings.ToLower(f[0])
	switch p {
	case "tcp", "tcp6", "udp", "udp6":
		proto = p[:3]
		if textparse.IsDigits(f[1]) {
			// netstat: Proto Recv-Q Send-Q Local Foreign [State] [PID/Program]
			if len(f) < 5 {
				return "", "", false
			}
			// The state may be translated (netstat prints it through
			// gettext): a TCP socket with a wildcard peer port listens.
			if proto == "tcp" && (len(f) < 6 || (f[5] != "LISTEN" && !strings.HasSuffix(f[4], ":*"))) {
				return "", "", false
			}
			return proto, f[3], true
		}
		// ss with the Netid column: Netid State Recv-Q Send-Q Local Peer [Process]
		if len(f) < 6 {
			return "", "", false
		}
		if proto == "tcp" && f[1] != "LISTEN" {
			return "", "", false
		}
		return proto, f[4], true
	case "listen":
		// ss without the Netid column (one protocol asked): State Recv-Q Send-Q Local Peer
		if len(f) < 5 {
			return "", "", false
		}
		return "tcp", f[3], true
	case "unconn":
		if len(f) < 5 {
			return "", "", false
		}
		return "udp", f[3], true
	}
	return "", "", false
}

// splitLocal splits a local socket address as ss or netstat print it:
// "0.0.0.0:22", "*:8773", "[::]:8773", ":::8773", "127.0.0.53%lo:53",
// "[fe80::1]%eth0:123", "[fe80::1%eth0]:123". The port must be a number from 1 to 65535.
func splitLocal(s string) (addr string, port int, ok bool) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return "", 0, false
	}
	n, ok := textparse.Atoi(s[i+1:])
	if !ok || n < 1 || n > 65535 {
		return "", 0, false
	}
	addr = s[:i]
	// Drop an interface scope, inside the brackets ("[fe80::1%eth0]") or
	// after them, as ss prints it ("[fe80::1]%eth0", "0.0.0.0%eth0").
	if j := strings.IndexByte(addr, '%'); j >= 0 {
		rest := addr[j:]
		addr = addr[:j]
		if k := strings.IndexByte(rest, ']'); k >= 0 {
			addr += rest[k:]
		}
	}
	addr = strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]")
	if addr == "" {
		addr = "*"
	}
	if strings.ContainsAny(addr, "[]%") {
		return "", 0, false
	}
	return addr, int(n), true
}
