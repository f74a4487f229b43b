package web

import (
	"net"
	"net/http"
	"strings"
	"testing"
)

// A page served under another name (DNS rebinding: evil.example pointed at
// 127.0.0.1) gets 403 on every route, the websocket included even when its
// Origin matches its Host; the names of the listener itself are served.
func TestForeignHostIsRefusedOnEveryRoute(t *testing.T) {
	srv, _ := startCourse(t)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	upgrade := []string{"Connection", "Upgrade", "Upgrade", "websocket",
		"Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}
	for _, host := range []string{"evil.example:" + port, "evil.example", "127.0.0.2:" + port, "localhost:1"} {
		for _, path := range []string{"/", "/lessons/spinner", "/api/demos", "/static/course.css", "/healthz", "/nope", "/ws"} {
			req, _ := http.NewRequest("GET", srv.URL+path, nil)
			req.Host = host
			if path == "/ws" {
				for i := 0; i < len(upgrade); i += 2 {
					req.Header.Set(upgrade[i], upgrade[i+1])
				}
				req.Header.Set("Origin", "http://"+host)
			}
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("Host %s, GET %s: %d, want 403", host, path, resp.StatusCode)
			}
		}
	}
	for _, host := range []string{"127.0.0.1:" + port, "localhost:" + port, "LOCALHOST:" + port, "[::1]:" + port} {
		req, _ := http.NewRequest("GET", srv.URL+"/healthz", nil)
		req.Host = host
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("Host %s: %d, want 200", host, resp.StatusCode)
		}
	}
}

func TestHostGuardNames(t *testing.T) {
	g, err := newHostGuard("https://Course.Example", []string{"mirror.example:8443", "10.0.0.5:80"})
	if err != nil {
		t.Fatal(err)
	}
	g.addListener(&net.TCPAddr{IP: net.IPv4(192, 0, 2, 10), Port: 8080})
	for host, want := range map[string]bool{
		"course.example":      true,
		"course.example:443":  true,
		"course.example:8080": false,
		"mirror.example:8443": true,
		"mirror.example":      false,
		"10.0.0.5":            true,
		"10.0.0.5:80":         true,
		"192.0.2.10:8080":     true,
		"localhost:8080":      false, // not a loopback listener
		"":                    false,
	} {
		if got := g.allows(host); got != want {
			t.Errorf("%q: %v, want %v", host, got, want)
		}
	}
	for _, bad := range []string{"ftp://x", "course.example", "http://"} {
		if _, err := newHostGuard(bad, nil); err == nil {
			t.Errorf("public URL %q accepted", bad)
		}
	}
	if _, err := newHostGuard("", []string{"a/b"}); err == nil {
		t.Error("an allowed host with a path was accepted")
	}
}
