// Package flagserver is the course's built-in flag site: the same URL layout
// as the public site the notes download from (GET /{cc}/{cc}.gif and
// GET /{cc}/metadata.json), served from memory on a loopback port, with
// latency, 404s and server errors that a demo can ask for per request.
//
// Every misbehaviour is deterministic: whether a request fails is decided by
// a hash of the seed and the request path, so the same run repeats exactly.
package flagserver

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Country is one of the countries the server knows.
type Country struct {
	Code string // upper-case ISO code, "CN"
	Name string // English name, "China"
}

// countryTable returns a fresh copy of the 20 most populous countries of the
// notes, in their order; a function rather than a package-level slice, so no
// caller can change what the next one sees.
func countryTable() []Country {
	return []Country{
		{"CN", "China"},
		{"IN", "India"},
		{"US", "United States"},
		{"ID", "Indonesia"},
		{"BR", "Brazil"},
		{"PK", "Pakistan"},
		{"NG", "Nigeria"},
		{"BD", "Bangladesh"},
		{"RU", "Russia"},
		{"JP", "Japan"},
		{"MX", "Mexico"},
		{"PH", "Philippines"},
		{"VN", "Vietnam"},
		{"ET", "Ethiopia"},
		{"EG", "Egypt"},
		{"DE", "Germany"},
		{"IR", "Iran"},
		{"TR", "Turkey"},
		{"CD", "Democratic Republic of the Congo"},
		{"FR", "France"},
	}
}

// Countries returns the countries the server knows, the notes' 20 first:
// CN IN US ID BR PK NG BD RU JP MX PH VN ET EG DE IR TR CD FR.
func Countries() []Country { return countryTable() }

// lookup finds a known country by upper-case code.
func lookup(code string) (Country, bool) {
	table := countryTable()
	i := slices.IndexFunc(table, func(c Country) bool { return c.Code == code })
	if i < 0 {
		return Country{}, false
	}
	return table[i], true
}

// maxLatency caps any latency, configured or requested.
const maxLatency = 10 * time.Second

// maxNotFound bounds the codes one request may list in notfound.
const maxNotFound = 64

// Config is how the server misbehaves, the same for every request unless a
// request overrides it with query parameters (see Query).
type Config struct {
	Latency   time.Duration // added before every answer; a cancelled request returns at once
	NotFound  []string      // codes answered with 404 even though known
	ErrorRate float64       // 0..1: share of requests answered 500
	Seed      int64         // with the request path, decides which requests fail
}

// Query returns the query string (without '?') that asks the server for
// this configuration on one request. Only the fields that are set appear:
// latency=200ms&notfound=CD,IR&error_rate=0.2&seed=7.
func (c Config) Query() string {
	var parts []string
	if c.Latency != 0 {
		parts = append(parts, "latency="+url.QueryEscape(c.Latency.String()))
	}
	if len(c.NotFound) > 0 {
		codes := make([]string, len(c.NotFound))
		for i, code := range c.NotFound {
			codes[i] = url.QueryEscape(code)
		}
		parts = append(parts, "notfound="+strings.Join(codes, ","))
	}
	if c.ErrorRate != 0 {
		parts = append(parts, "error_rate="+strconv.FormatFloat(c.ErrorRate, 'g', -1, 64))
	}
	if c.Seed != 0 {
		parts = append(parts, "seed="+strconv.FormatInt(c.Seed, 10))
	}
	return strings.Join(parts, "&")
}

// normalize checks c and returns it with codes upper-cased and the latency
// capped at maxLatency.
func (c Config) normalize() (Config, error) {
	if c.Latency < 0 {
		return c, fmt.Errorf("latency %v is negative", c.Latency)
	}
	c.Latency = min(c.Latency, maxLatency)
	if math.IsNaN(c.ErrorRate) || c.ErrorRate < 0 || c.ErrorRate > 1 {
		return c, fmt.Errorf("error rate %v is not between 0 and 1", c.ErrorRate)
	}
	if len(c.NotFound) > maxNotFound {
		return c, fmt.Errorf("at most %d not-found codes, got %d", maxNotFound, len(c.NotFound))
	}
	codes := make([]string, 0, len(c.NotFound))
	for _, code := range c.NotFound {
		code = strings.ToUpper(strings.TrimSpace(code))
		if code == "" {
			continue
		}
		if !validCode(code) {
			return c, fmt.Errorf("%q is not a country code", code)
		}
		codes = append(codes, code)
	}
	c.NotFound = codes
	return c, nil
}

// validCode accepts 2 or 3 ASCII letters, the shape of a country code.
func validCode(code string) bool {
	if len(code) < 2 || len(code) > 3 {
		return false
	}
	for _, r := range code {
		if (r < 'A' || r > 'Z') && (r < 'a' || r > 'z') {
			return false
		}
	}
	return true
}

// Server serves the flags. It is an http.Handler and safe for concurrent use.
type Server struct {
	cfg    Config
	images map[string][]byte // GIF by upper-case code; filled by New, only read after, so no lock
}

// New returns a server that behaves as cfg says unless a request overrides it.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, fmt.Errorf("flagserver: %w", err)
	}
	images, err := render()
	if err != nil {
		return nil, fmt.Errorf("flagserver: %w", err)
	}
	return &Server{cfg: cfg, images: images}, nil
}

// override returns the server's configuration with the request's query
// parameters applied; an error is the learner-readable reason for a 400.
func (s *Server) override(q url.Values) (Config, error) {
	cfg := s.cfg
	cfg.NotFound = slices.Clone(cfg.NotFound)
	if v, ok := q["latency"]; ok {
		d, err := time.ParseDuration(strings.TrimSpace(v[0]))
		if err != nil || d < 0 {
			return cfg, fmt.Errorf("latency %q is not a duration such as 200ms", v[0])
		}
		cfg.Latency = d // capped by normalize
	}
	if v, ok := q["notfound"]; ok {
		cfg.NotFound = strings.Split(v[0], ",")
	}
	if v, ok := q["error_rate"]; ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(v[0]), 64)
		if err != nil {
			return cfg, fmt.Errorf("error_rate %q is not a number between 0 and 1", v[0])
		}
		cfg.ErrorRate = f
	}
	if v, ok := q["seed"]; ok {
		n, err := strconv.ParseInt(strings.TrimSpace(v[0]), 10, 64)
		if err != nil {
			return cfg, fmt.Errorf("seed %q is not a whole number", v[0])
		}
		cfg.Seed = n
	}
	return cfg.normalize()
}

// ServeHTTP answers GET /{cc}/{cc}.gif and GET /{cc}/metadata.json.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		http.Error(w, "bad query string", http.StatusBadRequest)
		return
	}
	cfg, err := s.override(q)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}

	// The latency comes first, before any answer, like a slow network. A
	// timer rather than time.Sleep, so that a client that gives up (or a
	// server that shuts down) frees this goroutine at once.
	if cfg.Latency > 0 {
		t := time.NewTimer(cfg.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			http.Error(w, "request cancelled", http.StatusServiceUnavailable)
			return
		}
	}

	country, kind, ok := route(r.URL.Path)
	switch {
	case !ok:
		http.NotFound(w, r)
		return
	case slices.Contains(cfg.NotFound, country.Code):
		http.Error(w, "404 page not found ("+country.Code+" is configured as missing)", http.StatusNotFound)
		return
	case fails(cfg.Seed, r.URL.Path, cfg.ErrorRate):
		http.Error(w, "500 internal server error (injected)", http.StatusInternalServerError)
		return
	}

	w.Header().Set("Cache-Control", "no-store")
	switch kind {
	case "gif":
		img := s.images[country.Code]
		w.Header().Set("Content-Type", "image/gif")
		w.Header().Set("Content-Length", strconv.Itoa(len(img)))
		if r.Method == http.MethodGet {
			_, _ = w.Write(img)
		}
	case "metadata":
		body, _ := json.Marshal(metadata{
			Country: country.Name,
			Code:    country.Code,
			Flag:    "/" + strings.ToLower(country.Code) + "/" + strings.ToLower(country.Code) + ".gif",
		})
		body = append(body, '\n')
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		if r.Method == http.MethodGet {
			_, _ = w.Write(body)
		}
	}
}

// metadata is the body of /{cc}/metadata.json.
type metadata struct {
	Country string `json:"country"`
	Code    string `json:"code"`
	Flag    string `json:"flag"`
}

// route splits /{cc}/{cc}.gif and /{cc}/metadata.json; the code must be a
// known country written in lower case, as on the public site.
func route(path string) (c Country, kind string, ok bool) {
	dir, file, found := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if !found || dir != strings.ToLower(dir) {
		return Country{}, "", false
	}
	c, ok = lookup(strings.ToUpper(dir))
	if !ok {
		return Country{}, "", false
	}
	switch file {
	case dir + ".gif":
		return c, "gif", true
	case "metadata.json":
		return c, "metadata", true
	}
	return Country{}, "", false
}

// fails decides whether a request fails: an FNV-1a hash of the seed and
// the path, read as a number in [0, 1), compared with the error rate. The
// same seed and path always give the same answer.
func fails(seed int64, path string, rate float64) bool {
	if rate <= 0 {
		return false
	}
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(seed))
	_, _ = h.Write(b[:])
	_, _ = h.Write([]byte(path))
	x := float64(h.Sum64()>>11) / (1 << 53)
	return x < rate
}

// Running is a flag server listening on a loopback port.
type Running struct {
	URL string // base URL, "http://127.0.0.1:PORT", no trailing slash

	srv    *http.Server
	stop   context.CancelFunc // cancels every request's context
	served chan error
	once   sync.Once
	err    error
}

// Start serves on a loopback listener at addr ("127.0.0.1:0" picks a free
// port; "" means the same) until Close.
func Start(addr string, cfg Config) (*Running, error) {
	h, err := New(cfg)
	if err != nil {
		return nil, err
	}
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("flagserver: %w", err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("flagserver: %q is not a loopback address", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("flagserver: %w", err)
	}
	base, stop := context.WithCancel(context.Background())
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       60 * time.Second,
		// Every request's context descends from base, so Close can end the
		// latency waits at once instead of waiting up to maxLatency.
		BaseContext: func(net.Listener) context.Context { return base },
	}
	run := &Running{URL: "http://" + ln.Addr().String(), srv: srv, stop: stop, served: make(chan error, 1)}
	go func() { run.served <- srv.Serve(ln) }()
	return run, nil
}

// Close stops the server: pending latency waits end, open connections are
// closed once idle, and it returns when the server has stopped (or when ctx
// is done, after closing every connection outright).
func (r *Running) Close(ctx context.Context) error {
	r.once.Do(func() {
		r.stop()
		err := r.srv.Shutdown(ctx)
		if err != nil {
			err = errors.Join(err, r.srv.Close())
		}
		if serr := <-r.served; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
		r.err = err
	})
	return r.err
}

// Serve serves the flag site with the configuration config (a Config as
// JSON; empty for the zero Config) on l until l is closed. A sandbox
// serves a program its own flag site this way, on the sandbox's loopback.
func Serve(l net.Listener, config json.RawMessage) error {
	var cfg Config
	if len(config) > 0 {
		if err := json.Unmarshal(config, &cfg); err != nil {
			return fmt.Errorf("flagserver: %w", err)
		}
	}
	h, err := New(cfg)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 60 * time.Second}
	return srv.Serve(l)
}
