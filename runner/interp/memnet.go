package interp

import (
	"context"
	"fmt"
	"net"
	"sync"
)

// memNet is an edited program's own network: listeners that exist only
// inside the child, joined to the program's dialers by in-memory pipes
// (net.Pipe). The raw-connection lesson starts tiny hosts on loopback
// ports and talks to them over TCP; edited, the same code listens and
// dials here, and no socket is opened, so nothing outside the child can
// reach what the learner serves.
type memNet struct {
	mu        sync.Mutex
	next      int
	listeners map[string]*memListener
}

// firstPort numbers the in-memory listeners as a kernel would number
// ephemeral ports, so that the program prints addresses of the usual
// shape.
const firstPort = 40000

// listen opens a listener on an address of the form the demos use: port
// 0 of the loopback host ("127.0.0.1:0", "localhost:0", ":0").
func (m *memNet) listen(network, address string) (net.Listener, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil || port != "0" || (network != "tcp" && network != "tcp4") ||
		(host != "" && host != "127.0.0.1" && host != "localhost") {
		return nil, &net.OpError{Op: "listen", Net: network,
			Err: fmt.Errorf("编辑后的代码只能在本机的 0 号端口上监听（比如 \"127.0.0.1:0\"），不能用 %q", address)}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: firstPort + m.next}
	m.next++
	l := &memListener{net: m, addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
	if m.listeners == nil {
		m.listeners = map[string]*memListener{}
	}
	m.listeners[addr.String()] = l
	return l, nil
}

// dial connects to a listener of this network, if addr is one.
func (m *memNet) dial(ctx context.Context, addr string) (net.Conn, bool, error) {
	m.mu.Lock()
	l, ok := m.listeners[addr]
	port := firstPort + 20000 + m.next
	m.next++
	m.mu.Unlock()
	if !ok {
		return nil, false, nil
	}
	client, server := net.Pipe()
	local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}
	select {
	case l.conns <- &memConn{Conn: server, local: l.addr, remote: local}:
		return &memConn{Conn: client, local: local, remote: l.addr}, true, nil
	case <-l.done:
		client.Close()
		server.Close()
		return nil, true, &net.OpError{Op: "dial", Net: "tcp", Addr: l.addr, Err: fmt.Errorf("connection refused")}
	case <-ctx.Done():
		client.Close()
		server.Close()
		return nil, true, &net.OpError{Op: "dial", Net: "tcp", Addr: l.addr, Err: ctx.Err()}
	}
}

type memListener struct {
	net   *memNet
	addr  *net.TCPAddr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: l.addr, Err: net.ErrClosed}
	}
}

func (l *memListener) Close() error {
	l.once.Do(func() {
		close(l.done)
		l.net.mu.Lock()
		delete(l.net.listeners, l.addr.String())
		l.net.mu.Unlock()
	})
	return nil
}

func (l *memListener) Addr() net.Addr { return l.addr }

// memConn is one end of a pipe with the addresses of a TCP connection.
type memConn struct {
	net.Conn
	local, remote net.Addr
}

func (c *memConn) LocalAddr() net.Addr  { return c.local }
func (c *memConn) RemoteAddr() net.Addr { return c.remote }

// Listen stands in for net.Listen in edited code: see memNet.
func Listen(network, address string) (net.Listener, error) {
	return currentGate().mem.listen(network, address)
}
