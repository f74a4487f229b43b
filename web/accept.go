package web

import (
	"net"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// acceptLimiter closes, the moment they are accepted, the connections of an
// address that opens them faster than its budget. Every limit behind it
// (429 for a socket, busy for a run) is an HTTP answer, and an answer on a
// new connection costs the server a handshake, a request and a response —
// about 0.2 ms of CPU each. A client that connects, runs and disconnects in
// a loop pays nothing for those answers and costs the server a core; closed
// at accept, it costs a few microseconds. The budget is generous (a page
// makes a handful of connections), and trusted proxies, which carry every
// learner's connections, are exempt.
type acceptLimiter struct {
	net.Listener
	rate    rate.Limit
	burst   int
	trusted []netip.Prefix

	mu    sync.Mutex
	addrs map[netip.Addr]*rate.Limiter
	swept int
	// refused counts connections closed here (metrics).
	refused func()
}

func newAcceptLimiter(ln net.Listener, perSecond float64, burst int, trusted []netip.Prefix, refused func()) *acceptLimiter {
	return &acceptLimiter{Listener: ln, rate: rate.Limit(perSecond), burst: burst, trusted: trusted,
		addrs: map[netip.Addr]*rate.Limiter{}, refused: refused}
}

// Accept returns the next connection within its address's budget.
func (l *acceptLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.allow(c.RemoteAddr()) {
			return c, nil
		}
		// Close without a word: no TLS, no HTTP, nothing to parse.
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		c.Close()
		if l.refused != nil {
			l.refused()
		}
	}
}

func (l *acceptLimiter) allow(addr net.Addr) bool {
	ap, err := netip.ParseAddrPort(addr.String())
	if err != nil {
		return true
	}
	ip := ap.Addr().Unmap()
	for _, p := range l.trusted {
		if p.Contains(ip) {
			return true
		}
	}
	if ip.Is6() {
		p, _ := ip.Prefix(64) // one client, one /64, as the socket counts them
		ip = p.Addr()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	lim := l.addrs[ip]
	if lim == nil {
		lim = rate.NewLimiter(l.rate, l.burst)
		l.addrs[ip] = lim
		l.sweep()
	}
	return lim.Allow()
}

// sweep forgets addresses whose budget is full again, when the table has
// doubled since the last sweep.
func (l *acceptLimiter) sweep() {
	if len(l.addrs) < 2*max(l.swept, 64) {
		return
	}
	now := time.Now()
	for ip, lim := range l.addrs {
		if lim.TokensAt(now) >= float64(lim.Burst()) {
			delete(l.addrs, ip)
		}
	}
	l.swept = len(l.addrs)
}
