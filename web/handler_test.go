package web

import (
	"compress/gzip"
	"encoding/json"
	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/runner/gobuild"
	"github.com/bingfa-manyou/walkthrough/runner/sandbox"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	sandbox.Main(map[string]sandbox.ServeFunc{gobuild.FlagsService: flagserver.Serve}) // sandboxes start this test binary as their shim
	goleak.VerifyTestMain(m)
}

func get(t *testing.T, url string, header ...string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultTransport.RoundTrip(req) // no automatic gzip: tests see what is sent
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func page(t *testing.T, url string, wantStatus int) *goquery.Document {
	t.Helper()
	resp := get(t, url)
	if resp.StatusCode != wantStatus {
		t.Fatalf("GET %s: %d, want %d", url, resp.StatusCode, wantStatus)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("GET %s: content type %q", url, ct)
	}
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestIndexListsLessonsInOrder(t *testing.T) {
	srv, catalog := startCourse(t)
	doc := page(t, srv.URL+"/", http.StatusOK)
	cards := doc.Find(".lesson-list .lesson-card")
	if cards.Length() != len(catalog.Lessons()) {
		t.Fatalf("%d cards for %d lessons", cards.Length(), len(catalog.Lessons()))
	}
	cards.Each(func(i int, s *goquery.Selection) {
		l := catalog.Lessons()[i]
		href, _ := s.Find("a").Attr("href")
		if href != "/lessons/"+l.Slug || !strings.Contains(s.Text(), l.Title) || !strings.Contains(s.Text(), l.Summary) {
			t.Errorf("card %d = %q -> %s, want lesson %s", i, s.Text(), href, l.Slug)
		}
	})
	if doc.Find(`.lesson-card a[href="/lessons/spinner"]`).Length() != 1 {
		t.Error("the index does not link the spinner lesson")
	}
}

func TestLessonPageHasRunControlsAndSource(t *testing.T) {
	srv, _ := startCourse(t)
	doc := page(t, srv.URL+"/lessons/spinner", http.StatusOK)
	if doc.Find(`nav.toc a[aria-current="page"][href="/lessons/spinner"]`).Length() != 1 {
		t.Error("the lesson list does not mark the current lesson")
	}
	for _, id := range []string{"spinner-thread", "spinner-goroutine"} {
		panel := doc.Find(`section.demo[data-demo="` + id + `"]`)
		if panel.Length() != 1 {
			t.Fatalf("no panel for %s", id)
		}
		if panel.Find("button.run").Length() != 1 || panel.Find("button.stop").Length() != 1 || panel.Find("pre.console").Length() != 1 {
			t.Errorf("%s: Run, Stop or console missing", id)
		}
		src := panel.Find(`.source[data-pane="go"] .chroma`)
		if src.Length() == 0 || src.Find("span").Length() < 50 {
			t.Errorf("%s: Go source not highlighted", id)
		}
		if !strings.Contains(src.Text(), "func spin") || !strings.Contains(src.Text(), "package spinner") {
			t.Errorf("%s: shown source is not the demo file", id)
		}
		if panel.Find(`.source[data-pane="py"] .chroma`).Length() == 0 {
			t.Errorf("%s: no Python tab", id)
		}
		slow := panel.Find(`input[name="slow"]`)
		if v, _ := slow.Attr("value"); v != "3s" {
			t.Errorf("%s: slow default %q", id, v)
		}
		if lo, _ := slow.Attr("data-min"); lo != "100ms" {
			t.Errorf("%s: slow min %q", id, lo)
		}
		if hi, _ := panel.Find(`input[name="frame"]`).Attr("data-max"); hi != "80ms" {
			t.Errorf("%s: frame max %q", id, hi)
		}
		forID, _ := slow.Attr("id")
		if panel.Find(`label[for="`+forID+`"]`).Length() != 1 {
			t.Errorf("%s: slow field has no label", id)
		}
	}
	// The panel sits inside the prose, not after it.
	if doc.Find("article.lesson > .prose").Length() < 2 {
		t.Error("demo panels are not placed between runs of prose")
	}
	// Headings keep their Chinese ids, for deep links.
	if doc.Find(`h2[id="小结"]`).Length() != 1 {
		t.Error("no 小结 heading with a Chinese id")
	}
	if doc.Find(`.prose pre.chroma, .prose .chroma`).Length() == 0 {
		t.Error("prose code blocks are not highlighted")
	}
}

func TestUnknownPagesAre404(t *testing.T) {
	srv, _ := startCourse(t)
	for _, path := range []string{"/lessons/no-such-lesson", "/nope", "/lessons/"} {
		doc := page(t, srv.URL+path, http.StatusNotFound)
		if !strings.Contains(doc.Find("h1").Text(), "找不到") {
			t.Errorf("%s: not the 404 page", path)
		}
	}
	if resp := get(t, srv.URL+"/static/missing.css"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("missing asset: %d", resp.StatusCode)
	}
}

// A lesson's address with a trailing slash is the same page: one redirect
// to the address without it, query kept.
func TestTrailingSlashRedirects(t *testing.T) {
	srv, _ := startCourse(t)
	resp := get(t, srv.URL+"/lessons/spinner/?spinner-goroutine.slow=1s")
	if resp.StatusCode != http.StatusMovedPermanently {
		t.Fatalf("status %d, want 301", resp.StatusCode)
	}
	if loc := resp.Header.Get("Location"); loc != "/lessons/spinner?spinner-goroutine.slow=1s" {
		t.Errorf("Location %q", loc)
	}
}

// Every route answers GET and HEAD only; anything else gets 405 with Allow,
// before the route is looked at and without the body being read.
func TestOtherMethodsGet405(t *testing.T) {
	srv, _ := startCourse(t)
	for _, method := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS"} {
		for _, path := range []string{"/", "/lessons/spinner", "/api/demos", "/ws", "/static/course.css", "/nope"} {
			req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader("x=1"))
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("%s %s: %d, Allow %q; want 405 with GET, HEAD", method, path, resp.StatusCode, resp.Header.Get("Allow"))
			}
		}
	}
	req, _ := http.NewRequest("HEAD", srv.URL+"/lessons/spinner", nil)
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("HEAD a lesson: %d", resp.StatusCode)
	}
}

func TestDemoListIsJSON(t *testing.T) {
	srv, catalog := startCourse(t)
	resp := get(t, srv.URL+"/api/demos")
	if resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("content type %q", resp.Header.Get("Content-Type"))
	}
	var demos []struct {
		ID     string `json:"id"`
		Lesson string `json:"lesson"`
		Title  string `json:"title"`
		Params []struct {
			Name    string `json:"name"`
			Type    string `json:"type"`
			Default string `json:"default"`
			Min     string `json:"min"`
			Max     string `json:"max"`
		} `json:"params"`
	}
	body, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(body, &demos); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if len(demos) != len(catalog.Registry().All()) {
		t.Fatalf("%d demos listed", len(demos))
	}
	for _, d := range demos {
		if d.ID == "spinner-goroutine" {
			if d.Lesson != "spinner" || len(d.Params) != 2 || d.Params[0].Name != "slow" || d.Params[0].Type != "duration" || d.Params[0].Max != "10s" {
				t.Errorf("spinner-goroutine = %+v", d)
			}
			return
		}
	}
	t.Error("spinner-goroutine not listed")
}

func TestHealthAndHeaders(t *testing.T) {
	srv, _ := startCourse(t)
	resp := get(t, srv.URL+"/healthz")
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != "ok" {
		t.Errorf("healthz: %d %q", resp.StatusCode, body)
	}
	resp = get(t, srv.URL+"/lessons/spinner")
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Error("CSP allows inline code")
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Referrer-Policy") == "" {
		t.Error("nosniff or referrer policy missing")
	}
}

// Pages use no inline script or style, so the strict CSP costs nothing.
func TestNoInlineScriptOrStyle(t *testing.T) {
	srv, catalog := startCourse(t)
	urls := []string{"/"}
	for _, l := range catalog.Lessons() {
		urls = append(urls, "/lessons/"+l.Slug)
	}
	for _, u := range urls {
		doc := page(t, srv.URL+u, http.StatusOK)
		doc.Find("script").Each(func(_ int, s *goquery.Selection) {
			if _, ok := s.Attr("src"); !ok {
				t.Errorf("%s: inline script", u)
			}
		})
		if n := doc.Find("style, [style]").Length(); n > 0 {
			t.Errorf("%s: %d inline styles", u, n)
		}
	}
}

func TestStaticAssetsAreCachedAndCompressed(t *testing.T) {
	srv, _ := startCourse(t)
	doc := page(t, srv.URL+"/lessons/spinner", http.StatusOK)
	var hrefs []string
	doc.Find(`link[rel="stylesheet"]`).Each(func(_ int, s *goquery.Selection) { hrefs = append(hrefs, s.AttrOr("href", "")) })
	doc.Find(`script[src]`).Each(func(_ int, s *goquery.Selection) { hrefs = append(hrefs, s.AttrOr("src", "")) })
	if len(hrefs) != len(pageStyles)+len(pageScripts)+1 {
		t.Fatalf("assets = %v", hrefs)
	}
	for _, h := range hrefs {
		resp := get(t, srv.URL+h, "Accept-Encoding", "gzip")
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("%s: %d %q", h, resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
		if resp.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.ReadAll(zr); err != nil {
				t.Errorf("%s: bad gzip: %v", h, err)
			}
		} else if strings.HasSuffix(strings.Split(h, "?")[0], ".css") {
			t.Errorf("%s: stylesheet not compressed", h)
		}
		etag := resp.Header.Get("ETag")
		if again := get(t, srv.URL+h, "If-None-Match", etag); etag == "" || again.StatusCode != http.StatusNotModified {
			t.Errorf("%s: revalidation with %q gave %d", h, etag, again.StatusCode)
		}
	}
}

// The download demos' panels have a gallery, and the images come from our
// own origin, without the flag server's per-request misbehaviour.
func TestFlagGallery(t *testing.T) {
	srv, catalog := startCourse(t)
	for _, d := range catalog.Registry().All() {
		doc := page(t, srv.URL+"/lessons/"+d.Lesson, http.StatusOK)
		has := doc.Find(`section.demo[data-demo="`+d.ID+`"] .gallery`).Length() == 1
		if has != d.ShowsFlags {
			t.Errorf("%s: gallery %v, ShowsFlags %v", d.ID, has, d.ShowsFlags)
		}
	}
	for _, q := range []string{"", "?error_rate=1", "?latency=10s"} {
		start := time.Now()
		resp := get(t, srv.URL+"/flags/cn/cn.gif"+q)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/gif" || time.Since(start) > 2*time.Second {
			t.Errorf("/flags/cn/cn.gif%s: %d %s after %v", q, resp.StatusCode, resp.Header.Get("Content-Type"), time.Since(start))
		}
	}
	if resp := get(t, srv.URL+"/flags/xx/xx.gif"); resp.StatusCode != 404 {
		t.Errorf("unknown flag: %d", resp.StatusCode)
	}
}

// A lesson page lists its sections, linking to their Chinese ids.
func TestLessonContentsLinksHeadings(t *testing.T) {
	srv, _ := startCourse(t)
	doc := page(t, srv.URL+"/lessons/spinner", http.StatusOK)
	links := doc.Find(`nav.on-this-page a`)
	if links.Length() < 3 {
		t.Fatalf("%d contents links", links.Length())
	}
	links.Each(func(_ int, a *goquery.Selection) {
		href, _ := a.Attr("href")
		id := strings.TrimPrefix(href, "#")
		if doc.Find(`h2[id="`+id+`"]`).Length() != 1 || a.Text() == "" {
			t.Errorf("contents link %q (%s) has no heading", a.Text(), href)
		}
	})
	if doc.Find(`nav.on-this-page a[href="#小结"]`).Length() != 1 {
		t.Error("contents do not link 小结")
	}
}
