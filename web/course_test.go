package web

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons"
)

// The catalog is pure content and immutable once loaded, so every test in
// the package shares one: loading it under the race detector takes seconds.
var sharedCatalog = sync.OnceValues(lessons.Load)

// served is a course serving on a loopback port for one test.
type served struct {
	URL    string // http://127.0.0.1:PORT
	Course *Course
}

// serveCourse starts the real course, as `walkthrough serve` does, on addr
// ("127.0.0.1:0" for any free port), and shuts it down when the test ends.
// cfg.Catalog defaults to the shared one.
func serveCourse(t testing.TB, addr string, cfg CourseConfig) *served {
	t.Helper()
	if cfg.Catalog == nil {
		catalog, err := sharedCatalog()
		if err != nil {
			t.Fatal(err)
		}
		cfg.Catalog = catalog
	}
	c, err := NewCourse(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		c.Shutdown(context.Background())
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Serve(ln) }()
	var once sync.Once
	s := &served{URL: "http://" + ln.Addr().String(), Course: c}
	stop := func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := c.Shutdown(ctx); err != nil {
				t.Errorf("shutdown: %v", err)
			}
			if err := <-done; !errors.Is(err, http.ErrServerClosed) {
				t.Errorf("serve: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	// The lessons wait for the runtimes' probes; a test starts from a
	// course that has them, as a learner's first lesson does.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// startCourse serves the course with its defaults: the built-in flag site,
// the default limits.
func startCourse(t *testing.T) (*served, *lessons.Catalog) {
	t.Helper()
	s := serveCourse(t, "127.0.0.1:0", CourseConfig{})
	return s, s.Course.Catalog()
}
