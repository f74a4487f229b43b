package flagserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/gif"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// serve starts an httptest server for cfg and returns its client and URL.
func serve(t *testing.T, cfg Config) (*http.Client, string) {
	t.Helper()
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.Client(), srv.URL
}

func get(t *testing.T, c *http.Client, url string) (int, []byte, http.Header) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body, resp.Header
}

func TestCountries(t *testing.T) {
	want := "CN IN US ID BR PK NG BD RU JP MX PH VN ET EG DE IR TR CD FR"
	var got []string
	for _, c := range Countries()[:20] {
		got = append(got, c.Code)
	}
	if strings.Join(got, " ") != want {
		t.Fatalf("Countries() = %v, want %s", got, want)
	}
}

func TestEveryCountryServesGIFAndMetadata(t *testing.T) {
	c, base := serve(t, Config{})
	for _, country := range Countries() {
		cc := strings.ToLower(country.Code)
		t.Run(country.Code, func(t *testing.T) {
			status, body, hdr := get(t, c, base+"/"+cc+"/"+cc+".gif")
			if status != http.StatusOK || hdr.Get("Content-Type") != "image/gif" {
				t.Fatalf("gif: status %d, content type %q", status, hdr.Get("Content-Type"))
			}
			img, err := gif.Decode(bytes.NewReader(body))
			if err != nil {
				t.Fatalf("gif does not decode: %v", err)
			}
			if b := img.Bounds(); b.Dx() != flagW || b.Dy() != flagH {
				t.Fatalf("gif is %v, want %dx%d", b, flagW, flagH)
			}
			colours := map[uint32]bool{}
			for y := range flagH {
				for x := range flagW {
					r, g, b, _ := img.At(x, y).RGBA()
					colours[r>>8<<16|g>>8<<8|b>>8] = true
				}
			}
			// Every colour of the design appears, and no other.
			d, ok := designOf(country.Code)
			if !ok {
				t.Fatalf("no design for %s", country.Code)
			}
			for _, want := range d.palette {
				if !colours[want] {
					t.Errorf("colour %06x of the design is not drawn", want)
				}
				delete(colours, want)
			}
			if len(colours) > 0 {
				t.Errorf("colours outside the design: %v", colours)
			}
			if direct, ok := flagImage(country.Code); !ok || !bytes.Equal(direct, body) {
				t.Errorf("flagImage(%s) differs from what the server sends", country.Code)
			}

			status, body, hdr = get(t, c, base+"/"+cc+"/metadata.json")
			if status != http.StatusOK || hdr.Get("Content-Type") != "application/json" {
				t.Fatalf("metadata: status %d, content type %q", status, hdr.Get("Content-Type"))
			}
			var meta struct{ Country, Code string }
			if err := json.Unmarshal(body, &meta); err != nil {
				t.Fatal(err)
			}
			if meta.Country != country.Name || meta.Code != country.Code {
				t.Errorf("metadata = %+v, want %s %s", meta, country.Name, country.Code)
			}
		})
	}
}

func TestNotFound(t *testing.T) {
	c, base := serve(t, Config{NotFound: []string{"jp"}})
	for _, path := range []string{
		"/xx/xx.gif", "/xx/metadata.json", "/CN/CN.gif", "/cn/in.gif", "/cn/", "/", "/cn/cn.gif/x",
		"/jp/jp.gif", // configured as missing
		"/jp/metadata.json",
	} {
		if status, _, _ := get(t, c, base+path); status != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", path, status)
		}
	}
	// The request's own list replaces the configured one.
	if status, _, _ := get(t, c, base+"/jp/jp.gif?notfound=CD,IR"); status != http.StatusOK {
		t.Errorf("jp with notfound=CD,IR: status %d, want 200", status)
	}
	for _, path := range []string{"/cd/cd.gif?notfound=CD,IR", "/ir/metadata.json?notfound=cd,ir"} {
		if status, _, _ := get(t, c, base+path); status != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", path, status)
		}
	}
	if _, ok := flagImage("XX"); ok {
		t.Error("flagImage(XX) reports a flag")
	}
}

func TestErrorRateExtremes(t *testing.T) {
	c, base := serve(t, Config{})
	for _, country := range Countries() {
		cc := strings.ToLower(country.Code)
		if status, _, _ := get(t, c, base+"/"+cc+"/"+cc+".gif?error_rate=1"); status != http.StatusInternalServerError {
			t.Errorf("%s error_rate=1: status %d, want 500", cc, status)
		}
		if status, _, _ := get(t, c, base+"/"+cc+"/"+cc+".gif?error_rate=0"); status != http.StatusOK {
			t.Errorf("%s error_rate=0: status %d, want 200", cc, status)
		}
	}
}

// decisions returns which of the 20 flags fail at rate 0.5 with seed.
func decisions(t *testing.T, c *http.Client, base string, seed int64) string {
	t.Helper()
	var b strings.Builder
	for _, country := range Countries()[:20] {
		cc := strings.ToLower(country.Code)
		q := Config{ErrorRate: 0.5, Seed: seed}.Query()
		switch status, _, _ := get(t, c, base+"/"+cc+"/"+cc+".gif?"+q); status {
		case http.StatusOK:
			b.WriteByte('.')
		case http.StatusInternalServerError:
			b.WriteByte('X')
		default:
			t.Fatalf("%s: status %d", cc, status)
		}
	}
	return b.String()
}

func TestErrorsRepeatWithSeed(t *testing.T) {
	c, base := serve(t, Config{})
	a1, a2 := decisions(t, c, base, 7), decisions(t, c, base, 7)
	if a1 != a2 {
		t.Fatalf("seed 7 gave %s then %s", a1, a2)
	}
	if !strings.Contains(a1, "X") || !strings.Contains(a1, ".") {
		t.Fatalf("rate 0.5 over 20 paths gave %s", a1)
	}
	if b := decisions(t, c, base, 8); b == a1 {
		t.Fatalf("seeds 7 and 8 both gave %s", a1)
	}
	// The configured seed is used when the request names none.
	c2, base2 := serve(t, Config{Seed: 7})
	var b strings.Builder
	for _, country := range Countries()[:20] {
		cc := strings.ToLower(country.Code)
		status, _, _ := get(t, c2, base2+"/"+cc+"/"+cc+".gif?error_rate=0.5")
		b.WriteString(map[int]string{200: ".", 500: "X"}[status])
	}
	if b.String() != a1 {
		t.Fatalf("configured seed 7 gave %s, query seed 7 gave %s", b.String(), a1)
	}
}

func TestLatency(t *testing.T) {
	c, base := serve(t, Config{Latency: 50 * time.Millisecond})
	start := time.Now()
	if status, _, _ := get(t, c, base+"/fr/fr.gif"); status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("configured latency 50ms, answered in %v", d)
	}
	start = time.Now()
	get(t, c, base+"/fr/fr.gif?latency=150ms")
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("requested latency 150ms, answered in %v", d)
	}
	// A request's latency=0s overrides the configured one: against a
	// configured 5 s, an answer within 2 s can only mean no wait at all.
	c, base = serve(t, Config{Latency: 5 * time.Second})
	start = time.Now()
	if status, _, _ := get(t, c, base+"/fr/fr.gif?latency=0s"); status != http.StatusOK {
		t.Fatalf("latency=0s: status %d", status)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("requested latency 0 over a configured 5s, answered in %v", d)
	}
}

func TestCancelledRequestReturnsPromptly(t *testing.T) {
	// Call the handler directly, to see the handler itself return, inside
	// a synctest bubble: synctest.Wait says when the handler is parked in
	// its latency wait, and on the fake clock "promptly" means at the very
	// instant of the cancel, where waiting out the latency would take 5s.
	synctest.Test(t, func(t *testing.T) {
		h, err := New(Config{Latency: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/cn/cn.gif", nil)
		rec := httptest.NewRecorder()
		done := make(chan struct{})
		go func() { h.ServeHTTP(rec, req); close(done) }()
		synctest.Wait() // the handler waits for its latency or its request
		select {
		case <-done:
			t.Fatal("handler returned before its 5s latency or a cancel")
		default:
		}
		cancelled := time.Now()
		cancel()
		<-done
		if d := time.Since(cancelled); d != 0 {
			t.Errorf("handler returned %v after its request was cancelled, want at once (latency 5s)", d)
		}
		if rec.Code != http.StatusServiceUnavailable {
			t.Errorf("cancelled handler answered %d, want 503", rec.Code)
		}
	})

	// And over the network: the client gives up, the server lets go.
	c, base := serve(t, Config{Latency: 5 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/cn/cn.gif", nil)
	start := time.Now()
	if _, err := c.Do(req); err == nil {
		t.Fatal("request succeeded despite its deadline")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("request with a 50ms deadline took %v (latency 5s)", d)
	}
}

func TestLatencyClamped(t *testing.T) {
	s, err := New(Config{Latency: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if s.cfg.Latency != maxLatency {
		t.Errorf("configured latency 1h became %v, want %v", s.cfg.Latency, maxLatency)
	}
	q, _ := urlValues("latency=1h")
	cfg, err := s.override(q)
	if err != nil || cfg.Latency != maxLatency {
		t.Errorf("requested latency 1h became %v (%v), want %v", cfg.Latency, err, maxLatency)
	}
}

func TestBadOverrides(t *testing.T) {
	c, base := serve(t, Config{})
	for _, q := range []string{
		"latency=soon", "latency=-1s", "error_rate=2", "error_rate=-0.1", "error_rate=NaN", "error_rate=x",
		"seed=abc", "notfound=C1", "notfound=" + strings.Repeat("XX,", 100), "latency=%zz",
	} {
		status, body, hdr := get(t, c, base+"/cn/cn.gif?"+q)
		if status != http.StatusBadRequest {
			t.Errorf("?%s: status %d, want 400", q, status)
			continue
		}
		if !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") || len(body) == 0 {
			t.Errorf("?%s: want a plain message, got %q %q", q, hdr.Get("Content-Type"), body)
		}
	}
	for _, cfg := range []Config{{Latency: -1}, {ErrorRate: 1.5}, {NotFound: []string{"C D"}}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted a bad config", cfg)
		}
	}
}

func TestQuery(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, ""},
		{Config{Latency: 200 * time.Millisecond, NotFound: []string{"CD", "IR"}, ErrorRate: 0.2, Seed: 7},
			"latency=200ms&notfound=CD,IR&error_rate=0.2&seed=7"},
		{Config{Seed: -3}, "seed=-3"},
	} {
		if got := tc.cfg.Query(); got != tc.want {
			t.Errorf("%+v.Query() = %q, want %q", tc.cfg, got, tc.want)
		}
		// What Query writes, the server reads back.
		s, _ := New(Config{})
		q, err := urlValues(tc.cfg.Query())
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.override(q)
		if err != nil || fmt.Sprint(got) != fmt.Sprint(mustNormalize(t, tc.cfg)) {
			t.Errorf("round trip of %+v gave %+v (%v)", tc.cfg, got, err)
		}
	}
}

func TestMethodNotAllowed(t *testing.T) {
	c, base := serve(t, Config{})
	resp, err := c.Post(base+"/cn/cn.gif", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST: status %d", resp.StatusCode)
	}
}

func TestStartAndClose(t *testing.T) {
	if _, err := Start("0.0.0.0:0", Config{}); err == nil {
		t.Fatal("Start accepted a non-loopback address")
	}
	run, err := Start("127.0.0.1:0", Config{Latency: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(run.URL, "http://127.0.0.1:") || strings.HasSuffix(run.URL, "/") {
		t.Fatalf("URL %q", run.URL)
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}

	// A quick request works ...
	status, _, _ := get(t, c, run.URL+"/de/de.gif?latency=0s")
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	// ... and one stuck in a 5 s latency does not hold Close up.
	got := make(chan error, 1)
	go func() {
		resp, err := c.Get(run.URL + "/de/de.gif")
		if err == nil {
			resp.Body.Close()
		}
		got <- err
	}()
	waitForParkedHandler(t)
	// Close's deadline (4 s) is short of the latency (5 s), so a Close that
	// waited for the request would fail; 2 s leaves room for a loaded machine.
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	start := time.Now()
	if err := run.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Close took %v (latency 5s)", d)
	}
	<-got
	if err := run.Close(ctx); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := c.Get(run.URL + "/de/de.gif"); err == nil {
		t.Fatal("server still answers after Close")
	}
}

// waitForParkedHandler returns once a goroutine is parked in ServeHTTP's
// latency wait (the one select in ServeHTTP), so that Close has a request
// to cut short. A real listener is no place for synctest (network I/O is
// not durably blocking), and the server under test has no hook that says
// "request received", so this is the one place in the tests that polls: it
// reads the goroutine stacks, as goleak does, until the handler is there,
// with a deadline.
func waitForParkedHandler(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	buf := make([]byte, 1<<20)
	for {
		stacks := buf[:runtime.Stack(buf, true)]
		for _, g := range bytes.Split(stacks, []byte("\n\n")) {
			if bytes.Contains(g, []byte(" [select")) && bytes.Contains(g, []byte("flagserver.(*Server).ServeHTTP(")) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no handler parked in its latency wait after 5s; goroutines:\n%s", stacks)
		}
		<-tick.C
	}
}

func urlValues(q string) (url.Values, error) { return url.ParseQuery(q) }

func mustNormalize(t *testing.T, c Config) Config {
	t.Helper()
	n, err := c.normalize()
	if err != nil {
		t.Fatal(err)
	}
	return n
}
