package main

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of the CPU times in /proc/PID/stat (USER_HZ, 100
// on every Linux architecture Go supports).
const clockTick = 10 * time.Millisecond

// procCPU returns the CPU time (user+system) of process pid, plus that of
// the children it has reaped when withChildren is set; 0 if it cannot be
// read.
func procCPU(pid int, withChildren bool) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	return statCPU(b, withChildren)
}

// statCPU parses the content of /proc/PID/stat for procCPU.
func statCPU(b []byte, withChildren bool) time.Duration {
	// pid (comm) state ppid ... utime(14) stime(15) cutime(16) cstime(17);
	// comm may contain spaces and ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:])) // f[0] is field 3 (state)
	if len(f) < 15 {
		return 0
	}
	last := 12 // stime, field 15
	if withChildren {
		last = 14 // cstime, field 17
	}
	var ticks int64
	for _, s := range f[11 : last+1] {
		n, _ := strconv.ParseInt(s, 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * clockTick
}

// hasChildren reports whether process pid has child processes.
func hasChildren(pid int) bool {
	p := strconv.Itoa(pid)
	b, err := os.ReadFile("/proc/" + p + "/task/" + p + "/children")
	return err == nil && len(bytes.TrimSpace(b)) > 0
}
