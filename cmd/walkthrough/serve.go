package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/bingfa-manyou/walkthrough/web"
)

// shutdownGrace is how long a stopping server waits for runs and sockets.
const shutdownGrace = 5 * time.Second

type serveOptions struct {
	addr   string
	server *serverFlags
}

func serveFlags(fs *flag.FlagSet) *serveOptions {
	o := &serveOptions{}
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "address to serve the course on")
	o.server = newServerFlags(fs)
	return o
}

func (c *command) serve(ctx context.Context, args []string) error {
	fs := newFlagSet("serve")
	o := serveFlags(fs)
	if helped, err := c.parse("serve", fs, args); helped || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("serve takes flags only, not %q", fs.Args())
	}
	cfg, err := o.server.courseConfig()
	if err != nil {
		return err
	}
	cfg.Log = slog.New(slog.NewTextHandler(c.stderr, nil))
	course, err := web.NewCourse(cfg)
	if err != nil {
		return err
	}
	ln, err := c.listen("tcp", o.addr)
	if err != nil {
		course.Shutdown(context.Background())
		return fmt.Errorf("listen: %w", err)
	}
	// The URL comes first: scripts and people look for it there.
	fmt.Fprintf(c.stdout, "并发漫游 serving at http://%s/\n", ln.Addr())
	fmt.Fprintf(c.stdout, "flag server at %s/\n", course.FlagsURL())

	served := make(chan error, 1)
	go func() { served <- course.Serve(ln) }()
	select {
	case err := <-served:
		course.Shutdown(context.Background())
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	// Stop accepting, stop every run, close every socket with 1001.
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err = course.Shutdown(sctx)
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	fmt.Fprintln(c.stdout, "并发漫游 stopped")
	return err
}
