package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons"
	"github.com/bingfa-manyou/walkthrough/web"
	"github.com/bingfa-manyou/walkthrough/web/socket"
)

// The scenarios of `walkthrough-load -scenario`. clicks is Run; the others
// are what one hostile client can do to the others (issue 11), measured
// by RunHog and RunFlood.
const (
	ScenarioClicks    = "clicks"     // N pages click Run at the same moment
	ScenarioHog       = "hog"        // one client holds runs and sockets while learners click
	ScenarioBadFrames = "bad-frames" // one socket sends bad frames as fast as it can
	ScenarioPingFlood = "ping-flood" // one socket sends pings as fast as it can
	ScenarioStorm     = "storm"      // connect → run → disconnect, as fast as it can
)

// Scenarios lists every scenario, the default first.
func Scenarios() []string {
	return []string{ScenarioClicks, ScenarioHog, ScenarioBadFrames, ScenarioPingFlood, ScenarioStorm}
}

// Server says which course a scenario measures, and whose CPU, memory and
// files count as the server's.
type Server struct {
	// Target is the base URL of a course already running on loopback
	// ("http://127.0.0.1:8080"). Empty starts the course in this process
	// with web.NewCourse(Course), on a free loopback port: then server and
	// clients share one process, and its figures are both together.
	Target string
	// PID is the process serving Target, when that is another process
	// (`walkthrough serve`): the server's CPU, memory and files are read
	// from /proc/PID, this process's are reported as the attacker's. Zero
	// measures this process.
	PID    int
	Course web.CourseConfig
	// Listen opens the in-process course's listener; nil is net.Listen.
	Listen func(network, addr string) (net.Listener, error)
	// Flags tell the report how Course was set on the command line,
	// e.g. "-runs-global=5".
	Flags []string
}

// validate checks the server's part of a scenario's configuration.
func (s Server) validate() error {
	if s.Target != "" {
		if err := checkLoopbackURL(s.Target); err != nil {
			return &ConfigError{"Target", err}
		}
	}
	if s.PID < 0 || (s.PID > 0 && s.Target == "") {
		return &ConfigError{"PID", errors.New("names the process of a server given as Target, so needs one")}
	}
	if s.PID > 0 {
		if err := pidProc(s.PID).check(); err != nil {
			return &ConfigError{"PID", err}
		}
	}
	return nil
}

// describe says where the server is, for a report's first line.
func (s Server) describe() string {
	where := "server in this process (its figures include the clients')"
	if s.Target != "" {
		where = "server at " + s.Target
		if s.PID > 0 {
			where += fmt.Sprintf(" (process %d)", s.PID)
		} else {
			where += " (figures of this process: the clients only, unless the server runs in it)"
		}
	}
	if len(s.Flags) > 0 {
		where += " " + strings.Join(s.Flags, " ")
	}
	return where
}

// course is a running server under measurement.
type course struct {
	base      string
	inProcess bool
	server    proc // the server's process
	self      proc // this process: the clients (and the server, in process)
	separate  bool // server and clients are different processes
	stop      func() error
}

// open starts the course in this process (or checks the one at Target)
// and waits until it answers.
func (s Server) open(ctx context.Context) (*course, error) {
	c := &course{base: strings.TrimSuffix(s.Target, "/"), server: selfProc(), self: selfProc(), stop: func() error { return nil }}
	if s.Target == "" {
		base, stop, err := startCourse(Config{Course: s.Course, Listen: s.Listen})
		if err != nil {
			return nil, err
		}
		c.base, c.stop, c.inProcess = base, stop, true
	} else if s.PID > 0 && s.PID != os.Getpid() {
		c.server, c.separate = pidProc(s.PID), true
	}
	if err := waitReady(ctx, c.base); err != nil {
		return nil, errors.Join(err, c.stop())
	}
	return c, nil
}

// catalogOf loads the catalog unless the course configuration has one.
func catalogOf(cfg *web.CourseConfig) (*lessons.Catalog, error) {
	if cfg.Catalog == nil {
		catalog, err := lessons.Load()
		if err != nil {
			return nil, fmt.Errorf("load: %w", err)
		}
		cfg.Catalog = catalog // loaded once, for the checks and the course
	}
	return cfg.Catalog, nil
}

// checkDemo checks a demo and its parameters against the catalog; its
// errors name demoField or paramsField.
func checkDemo(catalog *lessons.Catalog, demoField, paramsField, demo string, params map[string]string) error {
	d, ok := catalog.Registry().Lookup(demo)
	if !ok {
		return &ConfigError{demoField, fmt.Errorf("unknown demo %q", demo)}
	}
	if _, err := d.Parse(params); err != nil {
		return &ConfigError{paramsField, err}
	}
	return nil
}

// checkIPv4Target refuses a target that clients sending from 127.x.y.z
// cannot reach: the server must listen on IPv4 loopback.
func checkIPv4Target(target string) error {
	u, err := url.Parse(target)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || ip.To4() == nil) {
		return fmt.Errorf("%q: clients send from loopback addresses 127.x.y.z, so the server must be on IPv4 loopback (127.0.0.1)", target)
	}
	return nil
}

// clickerIP is the address of the i-th address of the clicks scenario:
// 127.1.0.1 on, 250 to a block.
func clickerIP(i int) net.IP { return net.IPv4(127, 1, byte(i/250), byte(i%250+1)) }

// loopbackIP is 127.0.0.n: an address of this machine's loopback that a
// client can send from, so that the server counts it as a client of its
// own (Linux answers to the whole of 127.0.0.0/8 on lo).
func loopbackIP(n int) net.IP { return net.IPv4(127, 0, 0, byte(n)) }

// transportFrom is an HTTP transport whose connections leave from ip.
// keepAlive false opens a new connection for every request, as a script
// that connects anew each time does.
func transportFrom(ip net.IP, keepAlive bool) *http.Transport {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 10 * time.Second}
	return &http.Transport{
		DialContext:         d.DialContext,
		DisableKeepAlives:   !keepAlive,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     30 * time.Second,
	}
}

// dialFrom opens a websocket to the course from ip. Its error tells a
// refusal (*socket.DialError, see refusal) from a failure.
func dialFrom(ctx context.Context, base string, tr *http.Transport) (*socket.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return socket.Dial(ctx, base, &socket.DialOptions{
		HTTPClient: &http.Client{Transport: tr},
		Header:     http.Header{"Origin": {base}}, // what a page of the course sends
	})
}

// refusal is the HTTP status a dial was refused with, or 0 when it failed
// otherwise.
func refusal(err error) int {
	var de *socket.DialError
	if errors.As(err, &de) {
		return de.Status
	}
	var re *rawRefusal
	if errors.As(err, &re) {
		return re.status
	}
	return 0
}

// getPage reads a page of the course to its end and says how long that
// took.
func getPage(ctx context.Context, client *http.Client, pageURL string) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, pageURL, nil)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s: %s", pageURL, resp.Status)
	}
	return time.Since(start), nil
}

// pause waits d, or less if ctx ends first; it reports whether ctx is
// still going.
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// settleGoroutines waits (a little) for this process's goroutines to come
// back to baseline once every client has gone: the server's side of each
// connection winds down on its own, and there is no event for "every
// connection's goroutines have returned".
func settleGoroutines(ctx context.Context, baseline int) int {
	n := runtime.NumGoroutine()
	for deadline := time.Now().Add(10 * time.Second); n > baseline && time.Now().Before(deadline) && ctx.Err() == nil; {
		time.Sleep(20 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

// serverHost is the host:port of base, for a hand-made request.
func serverHost(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("load: %w", err)
	}
	return u.Host, nil
}
