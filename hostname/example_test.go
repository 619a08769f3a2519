package hostname_test

import (
	"errors"
	"fmt"

	"github.com/org/calyptos/hostname"
)

func ExampleSplit() {
	for _, h := range []string{"node-1", "192.0.2.1:2222", "[2001:db8::1]:22", "2001:db8::1:22:x"} {
		addr, port, err := hostname.Split(h)
		if errors.Is(err, hostname.ErrInvalid) {
			fmt.Println("invalid:", h)
			continue
		}
		fmt.Println(addr, port)
	}
	// Output:
	// node-1 0
	// 192.0.2.1 2222
	// 2001:db8::1 22
	// invalid: 2001:db8::1:22:x
}

func ExampleSort() {
	fmt.Println(hostname.Sort([]string{"web-2", "10.0.0.10", "10.0.0.9", "web-1", "10.0.0.9"}))
	// Output:
	// [10.0.0.9 10.0.0.10 web-1 web-2]
}
