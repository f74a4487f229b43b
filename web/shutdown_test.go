package web

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons"
)

// A client that never finishes its request cannot hold the server's exit
// past the shutdown deadline: Shutdown cuts it off and reports no error.
func TestShutdownCutsSlowClientsAtTheDeadline(t *testing.T) {
	c, err := NewCourse(CourseConfig{Catalog: mustCatalog(t), ReadHeaderTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- c.Serve(ln) }()
	// Two slow clients: headers that never end, and an answered request
	// whose connection then idles.
	slow, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	io.WriteString(slow, "GET / HTTP/1.1\r\nHost: "+ln.Addr().String()+"\r\nX-Slow: ")
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	const deadline = 300 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	if err := c.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown with a slow client attached: %v, want nil", err)
	}
	if took := time.Since(start); took > deadline+time.Second {
		t.Errorf("Shutdown took %v, deadline %v", took, deadline)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve: %v", err)
	}
	http.DefaultClient.CloseIdleConnections()
}

// A GET with a body is refused (nothing reads it, and a slow one would
// hold the connection).
func TestRequestBodiesAreRefused(t *testing.T) {
	srv, _ := startCourse(t)
	req, _ := http.NewRequest("GET", srv.URL+"/", strings.NewReader(strings.Repeat("x", 100)))
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("GET with a body: %d, want 413", resp.StatusCode)
	}
}

func mustCatalog(t *testing.T) *lessons.Catalog {
	t.Helper()
	c, err := sharedCatalog()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// failingListener fails every Accept the way a process out of file
// descriptors does, and counts the attempts.
type failingListener struct {
	net.Listener
	calls atomic.Int64
}

func (l *failingListener) Accept() (net.Conn, error) {
	l.calls.Add(1)
	return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
}

// Out of file descriptors, the server backs off between accepts instead of
// spinning on a core (net/http's Serve does, for errors that say they are
// temporary; this checks the course is served that way).
func TestAcceptErrorsDoNotSpin(t *testing.T) {
	c, err := NewCourse(CourseConfig{Catalog: mustCatalog(t)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fl := &failingListener{Listener: ln}
	served := make(chan error, 1)
	go func() { served <- c.Serve(fl) }()
	time.Sleep(500 * time.Millisecond) // the window the attempts are counted in: the behaviour under test
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	<-served
	// With backoff (5 ms doubling to 1 s) half a second holds about 7
	// attempts; a loop without it, hundreds of thousands.
	if n := fl.calls.Load(); n > 50 {
		t.Errorf("%d accept attempts in 0.5 s: the server spins on EMFILE", n)
	}
}
