package web

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
)

// hostGuard answers 403 to a request for a host the course does not serve.
// Without it, a page on evil.example whose name an attacker points at
// 127.0.0.1 (DNS rebinding) would be same-origin with itself and could
// drive the course's socket — a learner's own `walkthrough` on
// 127.0.0.1:8080 included. So the allowed names are the ones the server
// is really reached by: those of each listener it serves on, plus the
// public URL and the extra names an operator gives.
type hostGuard struct {
	mu      sync.RWMutex
	allowed map[string]bool // lower-case host or host:port, as in a Host header
	// refused, when set, counts each request turned away (metrics).
	refused func()
}

func newHostGuard(publicURL string, extra []string) (*hostGuard, error) {
	g := &hostGuard{allowed: map[string]bool{}}
	if publicURL != "" {
		u, err := url.Parse(publicURL)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("public URL %q: want http(s)://host[:port]", publicURL)
		}
		g.add(u.Host, defaultPort(u.Scheme))
	}
	for _, h := range extra {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		if strings.ContainsAny(h, "/ ") {
			return nil, fmt.Errorf("allowed host %q: want host or host:port", h)
		}
		g.add(h, "")
	}
	return g, nil
}

func defaultPort(scheme string) string {
	if scheme == "https" {
		return "443"
	}
	return "80"
}

// add allows host (with or without a port); a host given with the
// scheme's default port is also allowed without it, as browsers send it.
func (g *hostGuard) add(host, dflt string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	host = strings.ToLower(host)
	g.allowed[host] = true
	if h, port, err := net.SplitHostPort(host); err == nil {
		if port == dflt || port == "80" || port == "443" {
			g.allowed[bracket(h)] = true
		}
	} else if dflt != "" {
		g.allowed[net.JoinHostPort(strings.Trim(host, "[]"), dflt)] = true
	}
}

func bracket(h string) string {
	if strings.Contains(h, ":") {
		return "[" + h + "]"
	}
	return h
}

// addListener allows the names a listener at addr is reached by: for a
// loopback address, localhost, 127.0.0.1 and [::1] with its port; for an
// unspecified one (0.0.0.0, [::]), every address of this machine's
// interfaces too; otherwise that address.
func (g *hostGuard) addListener(addr net.Addr) {
	ap, err := netip.ParseAddrPort(addr.String())
	if err != nil {
		return
	}
	port := fmt.Sprint(ap.Port())
	ip := ap.Addr().Unmap()
	var hosts []string
	switch {
	case ip.IsLoopback() || ip.IsUnspecified():
		hosts = append(hosts, "localhost", "127.0.0.1", "[::1]")
		if ip.IsUnspecified() {
			if addrs, err := net.InterfaceAddrs(); err == nil {
				for _, a := range addrs {
					if p, err := netip.ParsePrefix(a.String()); err == nil {
						hosts = append(hosts, bracket(p.Addr().Unmap().String()))
					}
				}
			}
		}
	default:
		hosts = append(hosts, bracket(ip.String()))
	}
	for _, h := range hosts {
		g.add(h+":"+port, "")
	}
}

func (g *hostGuard) allows(host string) bool {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.allowed[strings.ToLower(host)]
}

func (g *hostGuard) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.allows(r.Host) {
			if g.refused != nil {
				g.refused()
			}
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintln(w, "403: this server does not serve that host name (see -public-url and -allowed-hosts)")
			return
		}
		next.ServeHTTP(w, r)
	})
}
