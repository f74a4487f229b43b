// Command walkthrough serves the course 并发漫游, lists its demos, runs one
// demo in the terminal with the same code the server runs, or measures the
// server under many websocket clients.
//
//	walkthrough [serve] [-addr 127.0.0.1:8080]
//	walkthrough list
//	walkthrough run DEMO [name=value ...]
//	walkthrough load -clients N -demo ID [-params k=v,...]
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "walkthrough:", err)
	}
	os.Exit(exitCode(err))
}

// exitCode follows the command's contract: 2 for a bad demo id, parameter
// or flag, 1 for a demo or server that failed.
func exitCode(err error) int {
	var usage usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &usage):
		return 2
	}
	return 1
}
