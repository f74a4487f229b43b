package web

import (
	"io"
	"net"
	"net/http"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"
)

// An address past its connection budget has its connections closed at
// accept, before any HTTP; another address, and a trusted proxy, are not
// affected.
func TestAcceptLimiter(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var closedEarly atomic.Int64
	lim := newAcceptLimiter(ln, 0.001, 3, nil, func() { closedEarly.Add(1) })
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })}
	go srv.Serve(lim)
	defer srv.Close()

	get := func(from string) bool {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
		c, err := d.Dial("tcp", ln.Addr().String())
		if err != nil {
			return false // reset by the limiter before the dial even returned
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		reply, _ := io.ReadAll(c)
		return len(reply) > 0
	}
	for i := range 3 {
		if !get("127.0.0.1") {
			t.Fatalf("connection %d within the budget got no answer", i)
		}
	}
	if get("127.0.0.1") {
		t.Error("a connection past the budget was served")
	}
	if !get("127.0.0.2") {
		t.Error("another address was refused")
	}

	trusted := newAcceptLimiter(ln, 0.001, 1, []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, nil)
	for range 5 {
		if !trusted.allow(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}) {
			t.Fatal("a trusted proxy was limited")
		}
	}
	if n := closedEarly.Load(); n != 1 {
		t.Errorf("%d connections counted as closed early, want 1", n)
	}
}
