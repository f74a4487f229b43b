package web

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
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
