package web

import (
	"net/http"
	"strings"
	"testing"
)

// Every response carries the security headers: pages, assets, JSON, the
// health check, flag images, 404s, 405s and a refused websocket handshake.
func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	srv, _ := startCourse(t)
	host := strings.TrimPrefix(srv.URL, "http://")
	doc := page(t, srv.URL+"/lessons/spinner", http.StatusOK)
	asset, _ := doc.Find(`script[src]`).First().Attr("src")
	style, _ := doc.Find(`link[rel="stylesheet"]`).First().Attr("href")
	if asset == "" || style == "" {
		t.Fatal("the lesson page links no assets")
	}

	for _, tc := range []struct {
		method, path string
		header       []string
		status       int
	}{
		{"GET", "/", nil, 200},
		{"GET", "/lessons/spinner", nil, 200},
		{"GET", asset, nil, 200},
		{"GET", style, []string{"Accept-Encoding", "gzip"}, 200},
		{"GET", "/static/no-such.js", nil, 404},
		{"GET", "/api/demos", nil, 200},
		{"GET", "/healthz", nil, 200},
		{"GET", "/flags/cn/cn.gif", nil, 200},
		{"GET", "/lessons/no-such-lesson", nil, 404},
		{"GET", "/no/such/page", nil, 404},
		{"POST", "/healthz", nil, 405},
		{"GET", "/ws", []string{"Origin", "https://evil.example", "Connection", "Upgrade", "Upgrade", "websocket",
			"Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}, 403},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		for i := 0; i+1 < len(tc.header); i += 2 {
			req.Header.Set(tc.header[i], tc.header[i+1])
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		name := tc.method + " " + tc.path
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", name, resp.StatusCode, tc.status)
		}
		checkSecurityHeaders(t, name, resp.Header, host)
	}
}

func checkSecurityHeaders(t *testing.T, name string, h http.Header, host string) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	directives := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		fields := strings.Fields(d)
		if len(fields) > 0 {
			directives[fields[0]] = strings.Join(fields[1:], " ")
		}
	}
	for dir, want := range map[string]string{
		"default-src":     "'none'",
		"script-src":      "'self'",
		"style-src":       "'self'",
		"connect-src":     "'self' ws://" + host + " wss://" + host,
		"frame-ancestors": "'none'",
		"base-uri":        "'none'",
	} {
		if got := directives[dir]; got != want {
			t.Errorf("%s: CSP %s is %q, want %q (CSP %q)", name, dir, got, want, csp)
		}
	}
	if strings.Contains(csp, "unsafe-") {
		t.Errorf("%s: CSP %q allows inline or eval", name, csp)
	}
	for header, want := range map[string]string{
		"X-Content-Type-Options":       "nosniff",
		"Referrer-Policy":              "same-origin",
		"X-Frame-Options":              "DENY",
		"Cross-Origin-Opener-Policy":   "same-origin",
		"Cross-Origin-Resource-Policy": "same-origin",
	} {
		if got := h.Get(header); got != want {
			t.Errorf("%s: %s is %q, want %q", name, header, got, want)
		}
	}
}

// A Host header is copied into connect-src only when it is a plain host
// and port: anything else could smuggle directives into the policy.
func TestHostHeaderCannotWriteTheCSP(t *testing.T) {
	srv, _ := startCourse(t)
	for host, want := range map[string]string{
		"course.example:8080":               "connect-src 'self' ws://course.example:8080 wss://course.example:8080;",
		"a;script-src":                      "connect-src 'self';",
		"a,b":                               "connect-src 'self';",
		"a'unsafe-inline'":                  "connect-src 'self';",
		"x.example;frame-ancestors":         "connect-src 'self';",
		strings.Repeat("a", 300) + ".local": "connect-src 'self';",
	} {
		req, _ := http.NewRequest("GET", srv.URL+"/healthz", nil)
		req.Host = host
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatalf("host %q: %v", host, err)
		}
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, want) {
			t.Errorf("host %q: CSP %q lacks %q", host, csp, want)
		}
		if strings.Count(csp, "script-src") != 1 || strings.Count(csp, "frame-ancestors") != 1 || strings.Contains(csp, "unsafe") {
			t.Errorf("host %q changed the policy: %q", host, csp)
		}
	}
}
