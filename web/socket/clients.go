package socket

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Who a request is from, for the per-client caps. A client is an address:
// the peer's, or — when the peer is a proxy the operator trusts — the
// address that proxy says it forwarded for. Headers from anyone else are
// ignored, since any client can write them.
//
// IPv6 addresses are taken by their /64: one household or one server is
// handed a whole /64, so counting single addresses would let it be a
// million clients.

// ParsePrefixes reads a comma-separated list of CIDR prefixes or single
// addresses ("10.0.0.0/8, 127.0.0.1"), as given to -trusted-proxies.
func ParsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if strings.Contains(part, "/") {
			p, err := netip.ParsePrefix(part)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: %w", part, err)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: %w", part, err)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// clientKey names the client r comes from.
func clientKey(r *http.Request, trusted []netip.Prefix) string {
	peer, ok := remoteAddr(r)
	if !ok {
		return "unknown"
	}
	if isTrusted(peer, trusted) {
		if a, ok := forwardedFor(r, trusted); ok {
			peer = a
		}
	}
	return keyOf(peer)
}

func remoteAddr(r *http.Request) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedFor walks the chain a trusted proxy reports from the nearest hop
// back and returns the first address that is not itself a trusted proxy:
// the client as far as anyone trustworthy saw it. Forwarded (RFC 7239) is
// read when present, else X-Forwarded-For.
func forwardedFor(r *http.Request, trusted []netip.Prefix) (netip.Addr, bool) {
	var chain []string
	if fwd := r.Header.Values("Forwarded"); len(fwd) > 0 {
		for _, line := range fwd {
			for _, elem := range strings.Split(line, ",") {
				for _, pair := range strings.Split(elem, ";") {
					k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
					if ok && strings.EqualFold(k, "for") {
						chain = append(chain, strings.Trim(v, `"`))
					}
				}
			}
		}
	} else {
		for _, line := range r.Header.Values("X-Forwarded-For") {
			for _, hop := range strings.Split(line, ",") {
				chain = append(chain, strings.TrimSpace(hop))
			}
		}
	}
	for i := len(chain) - 1; i >= 0; i-- {
		a, ok := parseHop(chain[i])
		if !ok {
			return netip.Addr{}, false // a garbled chain: trust none of it
		}
		if !isTrusted(a, trusted) {
			return a, true
		}
	}
	return netip.Addr{}, false
}

// parseHop reads one hop: "203.0.113.9", "203.0.113.9:4711",
// "[2001:db8::1]:4711" or "2001:db8::1".
func parseHop(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

func keyOf(a netip.Addr) string {
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// clientTable keeps what the socket knows of each client: its open sockets
// and the budgets (token buckets) its frames, pings, connections and runs
// draw on. A budget has to outlive the client's sockets — otherwise
// connecting anew would refill it — so an entry stays while any of its
// buckets is not full again, and is swept after.
type clientTable struct {
	lim     Limits
	mu      sync.Mutex
	clients map[string]*clientState
	sockets int // open sockets, all clients
	swept   int // size of the table after the last sweep
}

type clientState struct {
	key      string
	sockets  int
	connects *rate.Limiter // new sockets
	starts   *rate.Limiter // runs started
	frames   *rate.Limiter // frames of all this client's sockets together
}

func newClientTable(lim Limits) *clientTable {
	return &clientTable{lim: lim, clients: map[string]*clientState{}}
}

// Why a socket was refused before the upgrade.
var (
	errTooManySockets       = errors.New("too many open sockets on the server")
	errTooManyClientSockets = errors.New("too many open sockets from this address")
	errConnectingTooFast    = errors.New("connecting too often from this address")
)

// admit counts a new socket of client key in, or says why not.
func (t *clientTable) admit(key string) (*clientState, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.clients[key]
	if c == nil {
		c = &clientState{
			key:      key,
			connects: rate.NewLimiter(rate.Limit(t.lim.ConnectRate), t.lim.ConnectBurst),
			starts:   rate.NewLimiter(rate.Limit(t.lim.StartRate), t.lim.StartBurst),
			frames:   rate.NewLimiter(rate.Limit(t.lim.ClientFrameRate), t.lim.ClientFrameBurst),
		}
	}
	switch {
	case t.sockets >= t.lim.Sockets:
		return nil, errTooManySockets
	case c.sockets >= t.lim.SocketsPerClient:
		return nil, errTooManyClientSockets
	case !c.connects.Allow():
		t.clients[key] = c // the spent token must be remembered
		return nil, errConnectingTooFast
	}
	t.clients[key] = c
	c.sockets++
	t.sockets++
	t.sweep()
	return c, nil
}

// leave counts a socket of c out.
func (t *clientTable) leave(c *clientState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c.sockets--
	t.sockets--
}

// sweep drops clients with no socket whose buckets are full again: a new
// entry would be the same. It runs when the table has doubled since the
// last sweep, so its cost is spread over the admissions that grew it.
func (t *clientTable) sweep() {
	if len(t.clients) < 2*max(t.swept, 64) {
		return
	}
	now := time.Now()
	for key, c := range t.clients {
		if c.sockets == 0 && full(c.connects, now) && full(c.starts, now) && full(c.frames, now) {
			delete(t.clients, key)
		}
	}
	t.swept = len(t.clients)
}

func full(l *rate.Limiter, now time.Time) bool {
	return l.TokensAt(now) >= float64(l.Burst())
}

// open reports the sockets open, all clients.
func (t *clientTable) open() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sockets
}

// forwardedProto is the scheme a proxy says the client used: proto= in
// Forwarded, else X-Forwarded-Proto; "" when it says nothing usable.
func forwardedProto(r *http.Request) string {
	var proto string
	if fwd := r.Header.Get("Forwarded"); fwd != "" {
		first, _, _ := strings.Cut(fwd, ",") // the hop nearest the client
		for _, pair := range strings.Split(first, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
			if ok && strings.EqualFold(k, "proto") {
				proto = strings.Trim(v, `"`)
			}
		}
	} else {
		first, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
		proto = strings.TrimSpace(first)
	}
	switch proto = strings.ToLower(proto); proto {
	case "http", "https":
		return proto
	}
	return ""
}
