package perf

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons"
	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/web"
)

const lessonPath = "/lessons/semaphore"

// BenchmarkLessonPage fetches one lesson page from the course server, and
// the same bytes from http.FileServer over an in-memory file system, with
// the same client and concurrency: the ratio of the two ns/op is the cost
// of our handler (routing, headers, ETag) against the plainest server.
func BenchmarkLessonPage(b *testing.B) {
	c := startCourse(b, web.CourseConfig{})
	page := fetch(b, client(b, 1), c.URL+lessonPath, "")
	b.Run("course", func(b *testing.B) { hammer(b, c.URL+lessonPath) })

	files := fstest.MapFS{"semaphore.html": {Data: page}}
	plain := httptest.NewServer(http.FileServer(http.FS(files)))
	defer plain.Close()
	b.Run("fileserver", func(b *testing.B) { hammer(b, plain.URL+"/semaphore.html") })
}

func hammer(b *testing.B, url string) {
	cl := client(b, 64)
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := cl.Get(url)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}

func fetch(tb testing.TB, cl *http.Client, url, encoding string) []byte {
	tb.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if encoding != "" {
		req.Header.Set("Accept-Encoding", encoding)
	}
	resp, err := cl.Transport.RoundTrip(req) // no automatic gzip: count what is sent
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		tb.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	return body
}

// TestPageWeight is a budget, not a timing: what a learner downloads for any
// lesson page (HTML, CSS and JS, compressed as served) stays under 80 KB.
func TestPageWeight(t *testing.T) {
	c := startCourse(t, web.CourseConfig{})
	cl := client(t, 4)
	index := string(fetch(t, cl, c.URL+"/", ""))
	lessons := regexp.MustCompile(`href="(/lessons/[a-z-]+)"`).FindAllStringSubmatch(index, -1)
	if len(lessons) == 0 {
		t.Fatal("no lesson links on the index")
	}
	seen := map[string]bool{}
	for _, m := range lessons {
		if seen[m[1]] {
			continue
		}
		seen[m[1]] = true
		html := fetch(t, cl, c.URL+m[1], "gzip")
		total := len(html)
		plain := string(gunzipIfNeeded(t, html))
		for _, a := range regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindAllStringSubmatch(plain, -1) {
			total += len(fetch(t, cl, c.URL+strings.ReplaceAll(a[1], "&amp;", "&"), "gzip"))
		}
		t.Logf("%-28s %6.1f KB", m[1], float64(total)/1024)
		if idx := regexp.MustCompile(`data-index="(/static/[^"]+)"`).FindStringSubmatch(plain); idx != nil && !seen["index"] {
			// Fetched on the first use of the search box only: logged,
			// not counted.
			seen["index"] = true
			u := c.URL + strings.ReplaceAll(idx[1], "&amp;", "&")
			t.Logf("%-28s %6.1f KB (%.1f KB gzip), on the first search", "search index", float64(len(fetch(t, cl, u, "")))/1024, float64(len(fetch(t, cl, u, "gzip")))/1024)
		}
		if total > 80*1024 {
			t.Errorf("%s weighs %d bytes with its assets, over the 80 KB budget", m[1], total)
		}
	}
}

func gunzipIfNeeded(t *testing.T, b []byte) []byte {
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return b
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// buildWalkthrough builds the command once for a benchmark.
func buildWalkthrough(b *testing.B) string {
	root, err := moduleRoot()
	if err != nil {
		b.Fatal(err)
	}
	bin := filepath.Join(b.TempDir(), "walkthrough")
	gobin, err := exec.LookPath("go")
	if err != nil {
		b.Fatal(err)
	}
	build := exec.Command(gobin, "build", "-o", bin, "./cmd/walkthrough")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// BenchmarkStartup builds walkthrough once, then times from exec to the
// first page served (the index: the runtimes are probed in the
// background meanwhile) and to the first lesson served (which waits for
// the probes, since its panels say what runs here).
func BenchmarkStartup(b *testing.B) {
	bin := buildWalkthrough(b)
	cl := client(b, 1)
	var first, lesson durations
	get := func(url string) bool {
		resp, err := cl.Get(url)
		if err != nil {
			return false
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode == 200
	}
	for b.Loop() {
		start := time.Now()
		// The address is chosen here, so nothing has to be read back from
		// the command's output: a port that was free a moment ago.
		addr := freeAddr(b)
		cmd := exec.Command(bin, "-addr", addr)
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		for !get("http://" + addr + "/") {
			time.Sleep(time.Millisecond)
		}
		first.add(time.Since(start))
		if !get("http://" + addr + lessonPath) {
			b.Fatal("the lesson page failed")
		}
		lesson.add(time.Since(start))
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		cl.CloseIdleConnections()
	}
	report(b, "first-page", first.d)
	report(b, "first-lesson", lesson.d)
}

// BenchmarkRunCommand times `walkthrough run` of a short Go demo against
// `walkthrough list` (both load the catalog) and the demo's own time: the
// overhead is what run adds beyond the two, the flag site and the runtimes
// it sets up.
func BenchmarkRunCommand(b *testing.B) {
	bin := buildWalkthrough(b)
	var list, run durations
	for b.Loop() {
		start := time.Now()
		if out, err := exec.Command(bin, "list").CombinedOutput(); err != nil {
			b.Fatalf("list: %v\n%s", err, out)
		}
		list.add(time.Since(start))
		start = time.Now()
		if out, err := exec.Command(bin, "run", "future-semantics").CombinedOutput(); err != nil {
			b.Fatalf("run: %v\n%s", err, out)
		}
		run.add(time.Since(start))
	}
	// The demo's own time, run in process as the command runs it.
	demo := demoTime(b, "future-semantics")
	report(b, "list", list.d)
	report(b, "run", run.d)
	b.ReportMetric(ms(demo), "demo-ms")
	slices.Sort(list.d)
	slices.Sort(run.d)
	b.ReportMetric(ms(percentile(run.d, 50)-percentile(list.d, 50)-demo), "overhead-p50-ms")
}

// freeAddr returns a loopback address whose port was free just now.
func freeAddr(tb testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// demoTime is how long demo id takes with its defaults, run in process.
func demoTime(b *testing.B, id string) time.Duration {
	cat, err := lessons.Load()
	if err != nil {
		b.Fatal(err)
	}
	d, _ := cat.Registry().Lookup(id)
	vals, err := d.Parse(nil)
	if err != nil {
		b.Fatal(err)
	}
	res := runner.Execute(context.Background(), runner.Env{Limits: runner.DefaultLimits()}, d, vals, io.Discard, nil)
	if res.Err != nil {
		b.Fatal(res.Err)
	}
	return res.Elapsed
}
