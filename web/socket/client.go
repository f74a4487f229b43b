package socket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/coder/websocket"
)

// Client speaks the protocol from Go: the one client the tests, the
// benchmarks and the load tester (perf/load, `walkthrough-load`) all use,
// so there is one place that knows how a page talks to the server.
type Client struct {
	conn *websocket.Conn
}

// DialOptions change how Dial connects. The zero value sends no Origin,
// as a command-line client does.
type DialOptions struct {
	Header http.Header // extra request headers, e.g. Origin or Host
	// HTTPClient carries the upgrade request; nil uses a fresh one, so no
	// connection pool outlives the client.
	HTTPClient *http.Client
}

// readLimit is the largest frame a Client reads. One output frame holds
// at most what a single write of the demo wrote, so up to the run's output
// cap (1 MiB by default), JSON-escaped: the websocket library's 32 KiB
// default would cut a chatty run's connection with 1009.
const readLimit = 8 << 20

// SocketURL turns the course's base URL ("http://127.0.0.1:8080") into
// the address of its websocket ("ws://127.0.0.1:8080/ws"). A ws:// or
// wss:// URL is taken as it is.
func SocketURL(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("socket: course URL: %w", err)
	}
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	case "ws", "wss":
		return u.String(), nil
	default:
		return "", fmt.Errorf("socket: course URL %q is not http, https, ws or wss", base)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/ws"
	return u.String(), nil
}

// Dial opens a connection to the course at base (see SocketURL).
func Dial(ctx context.Context, base string, opts *DialOptions) (*Client, error) {
	target, err := SocketURL(base)
	if err != nil {
		return nil, err
	}
	var wo websocket.DialOptions
	if opts != nil {
		wo.HTTPHeader = opts.Header
		wo.HTTPClient = opts.HTTPClient
		if h := opts.Header.Get("Host"); h != "" {
			wo.Host = h
		}
	}
	if wo.HTTPClient == nil {
		// A refused upgrade leaves its connection in the pool of the
		// client that carried it; a fresh transport, emptied once the
		// upgrade is answered, leaves nothing behind.
		tr := &http.Transport{}
		defer tr.CloseIdleConnections()
		wo.HTTPClient = &http.Client{Transport: tr}
	}
	c, resp, err := websocket.Dial(ctx, target, &wo)
	if err != nil {
		if resp != nil {
			return nil, &DialError{Status: resp.StatusCode, Header: resp.Header, err: err}
		}
		return nil, fmt.Errorf("socket: dial %s: %w", target, err)
	}
	c.SetReadLimit(readLimit)
	return &Client{conn: c}, nil
}

// DialError is an upgrade the server refused with an HTTP status.
type DialError struct {
	Status int
	Header http.Header
	err    error
}

func (e *DialError) Error() string {
	return fmt.Sprintf("socket: refused with HTTP %d: %v", e.Status, e.err)
}

func (e *DialError) Unwrap() error { return e.err }

// Conn is the underlying websocket, for tests that must misbehave in ways
// the protocol does not offer (binary frames, not reading, pings).
func (c *Client) Conn() *websocket.Conn { return c.conn }

// Run asks for a run of demo with params under the client's id.
func (c *Client) Run(ctx context.Context, id, demo string, params map[string]string) error {
	return c.Send(ctx, map[string]any{"type": "run", "id": id, "demo": demo, "params": params})
}

// Stop asks the server to stop run id.
func (c *Client) Stop(ctx context.Context, id string) error {
	return c.Send(ctx, map[string]any{"type": "stop", "id": id})
}

// Send writes v as one JSON text frame, whatever it holds: tests send
// frames a page never would.
func (c *Client) Send(ctx context.Context, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("socket: encode frame: %w", err)
	}
	return c.SendText(ctx, data)
}

// SendText writes data as one text frame, as it is.
func (c *Client) SendText(ctx context.Context, data []byte) error {
	if err := c.conn.Write(ctx, websocket.MessageText, data); err != nil {
		return fmt.Errorf("socket: write: %w", err)
	}
	return nil
}

// ReadRaw returns the next frame as the server wrote it.
func (c *Client) ReadRaw(ctx context.Context) ([]byte, error) {
	_, data, err := c.conn.Read(ctx)
	if err != nil {
		return nil, fmt.Errorf("socket: read: %w", err)
	}
	return data, nil
}

// Next returns the next frame, decoded.
func (c *Client) Next(ctx context.Context) (Message, error) {
	data, err := c.ReadRaw(ctx)
	if err != nil {
		return Message{}, err
	}
	var m Message
	if err := json.Unmarshal(data, &m); err != nil {
		return Message{}, fmt.Errorf("socket: frame %s: %w", data, err)
	}
	return m, nil
}

// ErrEndedEarly is returned by Until when run id ended (exit or error)
// before a frame of the wanted type came.
var ErrEndedEarly = errors.New("socket: the run ended before the frame wanted")

// Until reads frames up to and including the first of type typ for run id,
// and returns every frame read, other runs' included.
func (c *Client) Until(ctx context.Context, typ, id string) ([]Message, error) {
	var got []Message
	for {
		m, err := c.Next(ctx)
		if err != nil {
			return got, err
		}
		got = append(got, m)
		if m.Type == typ && m.ID == id {
			return got, nil
		}
		if m.ID == id && (m.Type == "exit" || m.Type == "error") {
			return got, fmt.Errorf("%w: wanted %s for %s, got %s %q", ErrEndedEarly, typ, id, m.Type, m.Error)
		}
	}
}

// Follow reads frames until run id ends, with its exit or with the error
// that refused it, and returns that last frame. each, unless nil, sees
// every frame of the run as it arrives, the last one included (to time
// them, or keep them); other runs' frames are skipped.
func (c *Client) Follow(ctx context.Context, id string, each func(Message)) (Message, error) {
	for {
		m, err := c.Next(ctx)
		if err != nil {
			return Message{}, err
		}
		if m.ID != id {
			continue
		}
		if each != nil {
			each(m)
		}
		if m.Type == "exit" || m.Type == "error" {
			return m, nil
		}
	}
}

// Close says goodbye with a normal closure.
func (c *Client) Close() error { return c.conn.Close(websocket.StatusNormalClosure, "") }

// CloseNow drops the connection without a close handshake.
func (c *Client) CloseNow() error { return c.conn.CloseNow() }

// Output joins the output frames of run id among frames.
func Output(frames []Message, id string) string {
	var b strings.Builder
	for _, m := range frames {
		if m.Type == "output" && m.ID == id {
			b.WriteString(m.Data)
		}
	}
	return b.String()
}
