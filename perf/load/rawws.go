package load

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// rawConn is a websocket spoken by hand (RFC 6455), for the one attack the
// protocol's client cannot make: pings sent as fast as the connection
// takes them, without waiting for each pong (websocket.Conn.Ping waits).
// It only writes small control frames and reads whatever the server sends.
type rawConn struct {
	nc   net.Conn
	br   *bufio.Reader
	mask [4]byte
}

// rawRefusal is an upgrade the server answered with an HTTP status.
type rawRefusal struct{ status int }

func (e *rawRefusal) Error() string {
	return fmt.Sprintf("load: upgrade refused with HTTP %d", e.status)
}

// dialRaw opens a websocket to the course at base from ip.
func dialRaw(ctx context.Context, base string, ip net.IP) (*rawConn, error) {
	host, err := serverHost(base)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}}
	nc, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, fmt.Errorf("load: dial: %w", err)
	}
	deadline, _ := ctx.Deadline()
	nc.SetDeadline(deadline)
	var key [16]byte
	rand.Read(key[:])
	req := "GET /ws HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + base64.StdEncoding.EncodeToString(key[:]) + "\r\n\r\n"
	br := bufio.NewReaderSize(nc, 16<<10)
	if _, err := io.WriteString(nc, req); err != nil {
		nc.Close()
		return nil, fmt.Errorf("load: upgrade: %w", err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("load: upgrade: %w", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		resp.Body.Close()
		nc.Close()
		return nil, &rawRefusal{resp.StatusCode}
	}
	nc.SetDeadline(time.Time{})
	c := &rawConn{nc: nc, br: br}
	rand.Read(c.mask[:])
	return c, nil
}

// WebSocket opcodes.
const (
	opText  = 0x1
	opClose = 0x8
	opPing  = 0x9
	opPong  = 0xA
)

// appendFrame appends one final, masked client frame with a payload of at
// most 125 bytes (all a control frame may carry).
func (c *rawConn) appendFrame(b []byte, op byte, payload []byte) []byte {
	b = append(b, 0x80|op, 0x80|byte(len(payload)))
	b = append(b, c.mask[:]...)
	for i, p := range payload {
		b = append(b, p^c.mask[i%4])
	}
	return b
}

// write sends bytes already framed by appendFrame.
func (c *rawConn) write(b []byte) error {
	_, err := c.nc.Write(b)
	return err
}

// maxRawFrame bounds what readFrame accepts from a server.
const maxRawFrame = 8 << 20

// readFrame reads the next frame from the server (unmasked, as servers
// send them), skipping nothing: its opcode and payload.
func (c *rawConn) readFrame() (byte, []byte, error) {
	var h [2]byte
	if _, err := io.ReadFull(c.br, h[:]); err != nil {
		return 0, nil, err
	}
	op := h[0] & 0x0F
	n := uint64(h[1] & 0x7F)
	switch n {
	case 126:
		var ext [2]byte
		if _, err := io.ReadFull(c.br, ext[:]); err != nil {
			return 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(ext[:]))
	case 127:
		var ext [8]byte
		if _, err := io.ReadFull(c.br, ext[:]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(ext[:])
	}
	if h[1]&0x80 != 0 || n > maxRawFrame {
		return 0, nil, errors.New("load: a masked or oversized frame from the server")
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(c.br, payload); err != nil {
		return 0, nil, err
	}
	return op, payload, nil
}

// closeCode is the status of a close frame's payload, 1005 (none) if it
// carries none.
func closeCode(payload []byte) int {
	if len(payload) < 2 {
		return 1005
	}
	return int(binary.BigEndian.Uint16(payload))
}

func (c *rawConn) Close() error { return c.nc.Close() }
