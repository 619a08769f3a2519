// Command floor is the lower bound of the benchmark: the least a Go program
// must do to run one command on many hosts over SSH. It dials every host
// with golang.org/x/crypto/ssh (public-key authentication, host keys
// checked against a known_hosts file), runs the command in one session,
// and closes the connection, at most -p hosts at a time. Nothing else:
// no configuration files, no output formatting, no retries.
//
//	floor -hosts hosts.txt -port 2222 -user root -i id_ed25519 \
//	      -known-hosts known_hosts -p 50 true
//
// It exits 0 when the command succeeded on every host, 1 otherwise (the
// failures are printed on stderr).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func main() {
	hostsFile := flag.String("hosts", "", "file with one host address per line")
	port := flag.Int("port", 22, "SSH port")
	user := flag.String("user", "root", "login user")
	keyFile := flag.String("i", "", "private key file")
	khFile := flag.String("known-hosts", "", "known_hosts file")
	par := flag.Int("p", 50, "hosts reached at once")
	timeout := flag.Duration("timeout", 30*time.Second, "dial and handshake timeout")
	flag.Parse()
	if err := run(*hostsFile, *port, *user, *keyFile, *khFile, *par, *timeout, strings.Join(flag.Args(), " ")); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

func run(hostsFile string, port int, user, keyFile, khFile string, par int, timeout time.Duration, command string) error {
	if command == "" {
		return fmt.Errorf("no command")
	}
	hosts, err := readLines(hostsFile)
	if err != nil {
		return err
	}
	pem, err := os.ReadFile(keyFile)
	if err != nil {
		return err
	}
	signer, err := ssh.ParsePrivateKey(pem)
	if err != nil {
		return err
	}
	hostKeys, err := knownhosts.New(khFile)
	if err != nil {
		return err
	}
	cfg := &ssh.ClientConfig{
		User:            user,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: hostKeys,
		Timeout:         timeout,
	}
	sem := make(chan struct{}, max(par, 1))
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := 0
	for _, h := range hosts {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := runOne(net.JoinHostPort(h, strconv.Itoa(port)), cfg, command); err != nil {
				mu.Lock()
				failed++
				fmt.Fprintf(os.Stderr, "%s: %v\n", h, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if failed > 0 {
		return fmt.Errorf("failed on %d of %d hosts", failed, len(hosts))
	}
	return nil
}

func runOne(addr string, cfg *ssh.ClientConfig, command string) error {
	client, err := ssh.Dial("tcp", addr, cfg)
	if err != nil {
		return err
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		return err
	}
	defer sess.Close()
	return sess.Run(command)
}

func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out, sc.Err()
}
