// Command loadgen seeds a help-desk database and drives a running server
// over HTTP at a fixed concurrency, printing throughput and latency per
// operation. bench/run.sh wires it together with pgbench; see BENCHMARKS.md.
//
//	loadgen seed -db postgres://... -tickets 1000000
//	loadgen run  -url http://127.0.0.1:18080 -user admin -password ... -c 8 -d 15s -pid PID
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: loadgen seed|run [flags] (loadgen seed -h, loadgen run -h)")
	}
	switch args[0] {
	case "seed":
		return seedCmd(ctx, args[1:], out)
	case "run":
		return runCmd(ctx, args[1:], out)
	default:
		return fmt.Errorf("unknown command %q (want seed or run)", args[0])
	}
}
