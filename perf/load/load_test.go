package load

import (
	"bytes"
	"context"
	"errors"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bingfa-manyou/walkthrough/lessons"
	"github.com/bingfa-manyou/walkthrough/web"
	"github.com/bingfa-manyou/walkthrough/web/socket"
)

func TestMain(m *testing.M) {
	if os.Getenv(serveChildEnv) != "" {
		os.Exit(serveChild())
	}
	if os.Getenv(holdChildEnv) != "" {
		holdStill()
		return
	}
	goleak.VerifyTestMain(m)
}

// holdChildEnv makes this test binary a child that says "ready" on its
// output and then holds still, opening nothing, until its input closes.
const holdChildEnv = "WALKTHROUGH_LOAD_TEST_HOLD"

func holdStill() {
	os.Stdout.WriteString("ready\n")
	io.Copy(io.Discard, os.Stdin)
}

// The catalog is pure content; the tests share one, as loading it takes a
// while under the race detector.
var sharedCatalog = sync.OnceValues(lessons.Load)

func catalog(t *testing.T) *lessons.Catalog {
	t.Helper()
	c, err := sharedCatalog()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// count reads "name   N" from the printed report.
func count(t *testing.T, report, name string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\s+(\d+)`).FindStringSubmatch(report)
	if m == nil {
		t.Fatalf("no %q line in\n%s", name, report)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func runAndPrint(t *testing.T, cfg Config) string {
	t.Helper()
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep.Print(&out)
	return out.String()
}

// Twenty clients, five places on the server, runs of one second: the first
// five run, the others wait in the queue and, after its short wait, are
// told busy, and everything is back to where it was afterwards.
func TestLoadInProcess(t *testing.T) {
	lim := socket.DefaultLimits()
	lim.Global, lim.QueueWait = 5, 100*time.Millisecond
	report := runAndPrint(t, Config{
		Clients: 20, Demo: "spinner-goroutine", Params: map[string]string{"slow": "1s", "frame": "50ms"},
		Course:      web.CourseConfig{Catalog: catalog(t), Socket: lim},
		ServerFlags: []string{"-runs-global=5", "-queue-wait=100ms"},
	})
	t.Log("\n" + report)
	ok, busy := count(t, report, "exit ok"), count(t, report, "busy")
	if count(t, report, "connected") != 20 || ok+busy != 20 || ok < 5 || busy < 1 {
		t.Errorf("want 20 connected, each with exit ok or busy, at least 5 ok:\n%s", report)
	}
	if queued := count(t, report, "queued first"); queued < busy {
		t.Errorf("%d busy, but only %d waited in the queue first:\n%s", busy, queued, report)
	}
	if n := count(t, report, "exit failed") + count(t, report, "other error") + count(t, report, "no answer"); n != 0 {
		t.Errorf("%d clients failed:\n%s", n, report)
	}
	for _, want := range []string{"20 clients (each from its own loopback address", "server in this process -runs-global=5", "run → first output", "peak RSS", ": back to baseline"} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
}

// serveCourse serves the course on a free loopback port until the test
// ends, and returns its base URL.
func serveCourse(t *testing.T) string {
	t.Helper()
	c, err := web.NewCourse(web.CourseConfig{Catalog: catalog(t)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		c.Shutdown(context.Background())
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- c.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := c.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Error(err)
		}
	})
	return "http://" + ln.Addr().String()
}

// Target measures a server that is already running, on loopback only.
func TestLoadAgainstRunningServer(t *testing.T) {
	base := serveCourse(t)
	report := runAndPrint(t, Config{
		Clients: 5, Demo: "spinner-thread", Params: map[string]string{"slow": "100ms", "frame": "20ms"},
		Target: base, Course: web.CourseConfig{Catalog: catalog(t)},
	})
	if count(t, report, "exit ok") != 5 || !strings.Contains(report, "server at "+base) {
		t.Errorf("report:\n%s", report)
	}
}

// StopAfter stops every run and times stop → exit.
func TestLoadStopAfter(t *testing.T) {
	report := runAndPrint(t, Config{
		Clients: 4, Demo: "spinner-goroutine", Params: map[string]string{"slow": "10s"}, StopAfter: 100 * time.Millisecond,
		Course: web.CourseConfig{Catalog: catalog(t)},
	})
	if count(t, report, "exit stopped") != 4 || !strings.Contains(report, "stop → exit") || !strings.Contains(report, "(4 clients)") {
		t.Errorf("report:\n%s", report)
	}
}

// A Config that cannot run is refused, naming its field, before anything
// starts: no course, no listener, no client.
func TestConfigErrors(t *testing.T) {
	good := Config{Clients: 1, Demo: "spinner-thread", Course: web.CourseConfig{Catalog: catalog(t)},
		Listen: func(string, string) (net.Listener, error) {
			t.Error("a listener was opened for a load that cannot run")
			return nil, errors.New("no")
		}}
	for _, tc := range []struct {
		change func(*Config)
		field  string
		says   string
	}{
		{func(c *Config) { c.Target = "http://example.com" }, "Target", "not on loopback"},
		{func(c *Config) { c.Target = "http://10.0.0.1:8080" }, "Target", "not on loopback"},
		{func(c *Config) { c.Target = "ftp://127.0.0.1" }, "Target", "is not a URL"},
		{func(c *Config) { c.Clients = 0 }, "Clients", "between 1 and"},
		{func(c *Config) { c.Clients = 100000 }, "Clients", "between 1 and"},
		{func(c *Config) { c.Demo = "spinner-threads" }, "Demo", `unknown demo "spinner-threads"`},
		{func(c *Config) { c.Params = map[string]string{"sloww": "1s"} }, "Params", `unknown parameter "sloww"`},
		{func(c *Config) { c.Params = map[string]string{"slow": "fast"} }, "Params", `parameter "slow"`},
		{func(c *Config) { c.StopAfter = -time.Second }, "StopAfter", "negative"},
		{func(c *Config) { c.Addresses = 2 }, "Addresses", "between 0 and the 1 clients"},
		{func(c *Config) { c.Target = "http://[::1]:8080" }, "Target", "IPv4 loopback"},
	} {
		cfg := good
		tc.change(&cfg)
		rep, err := Run(context.Background(), cfg)
		ce, ok := errors.AsType[*ConfigError](err)
		if !ok || ce.Field != tc.field || !strings.Contains(err.Error(), tc.says) || rep != nil {
			t.Errorf("%+v: %v; want a ConfigError about %s saying %q", cfg, err, tc.field, tc.says)
		}
	}
	if err := good.Validate(catalog(t)); err != nil {
		t.Errorf("a good config: %v", err)
	}
}

func TestParseParamList(t *testing.T) {
	got, err := ParseParams("limit=5, missing=CD,IR,latency=200ms,sleeps=1s,2s")
	want := map[string]string{"limit": "5", "missing": "CD,IR", "latency": "200ms", "sleeps": "1s,2s"}
	if err != nil || !maps.Equal(got, want) {
		t.Errorf("got %v, %v; want %v", got, err, want)
	}
	for in, says := range map[string]string{
		"oops":               "name=value",
		"slow=1s,slow=2s":    `parameter "slow" is given twice`,
		"slow=1s, slow =2s,": `parameter "slow" is given twice`,
	} {
		if _, err := ParseParams(in); err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("%q: %v, want an error saying %q", in, err, says)
		}
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 100; i >= 1; i-- {
		d = append(d, time.Duration(i))
	}
	if p50, p99, p100 := percentile(d, 50), percentile(d, 99), percentile(d, 100); p50 != 50 || p99 != 99 || p100 != 100 {
		t.Errorf("p50 %v p99 %v p100 %v", p50, p99, p100)
	}
	if percentile(nil, 50) != 0 {
		t.Error("empty")
	}
}
