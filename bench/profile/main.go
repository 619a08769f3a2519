// Command profile runs the calyptos command line in-process (cli.Main, the
// code examples/calyptos runs) under the Go profilers, to see where the
// client's CPU and memory go in a benchmark run:
//
//	go run ./bench/harness -serve -n 200 &   # prints the calyptos flags
//	go build -o /tmp/profile ./bench/profile
//	/tmp/profile -cpuprofile cpu.out -memprofile mem.out -repeat 5 -- \
//	    execute -e .../env-200.yml -r all -u ... -i ... --known-hosts ... --port ... --parallel 50 true
//	go tool pprof -top /tmp/profile cpu.out
//
// -repeat runs the command several times in one process so that the
// profile has enough samples; each run starts from a fresh cli.Main, as
// separate invocations would (only the Go runtime is shared).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/org/calyptos/cli"
)

func main() {
	cpu := flag.String("cpuprofile", "", "write a CPU profile to this file")
	mem := flag.String("memprofile", "", "write an allocation profile to this file")
	repeat := flag.Int("repeat", 1, "run the command this many times")
	quiet := flag.Bool("q", true, "discard the command's standard output")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, *cpu, *mem, *repeat, *quiet, flag.Args()))
}

func run(ctx context.Context, cpuFile, memFile string, repeat int, quiet bool, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "profile: give the calyptos arguments after --")
		return 2
	}
	if memFile != "" {
		runtime.MemProfileRate = 4096
	}
	if cpuFile != "" {
		f, err := os.Create(cpuFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "profile:", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "profile:", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	var out io.Writer = os.Stdout
	if quiet {
		out = io.Discard
	}
	code := 0
	for i := 0; i < max(repeat, 1); i++ {
		start := time.Now()
		code = cli.Main(ctx, args, os.Stdin, out, os.Stderr, os.Getenv)
		fmt.Fprintf(os.Stderr, "profile: run %d: exit %d in %.3fs\n", i+1, code, time.Since(start).Seconds())
	}
	if memFile != "" {
		f, err := os.Create(memFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "profile:", err)
			return 1
		}
		defer f.Close()
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			fmt.Fprintln(os.Stderr, "profile:", err)
			return 1
		}
	}
	return code
}
