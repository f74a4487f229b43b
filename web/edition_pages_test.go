package web

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// oldCodeAnchors are the fixed ids of the old-code page's sections, which
// the lessons link to (the content contract of the second edition).
var oldCodeAnchors = []string{
	"coroutine-decorator", "yield-from", "asyncio-async", "ensure-future", "run-until-complete",
	"wait-coroutines", "with-yield-from-semaphore", "aiohttp-request", "session-per-request",
}

// pageURLs are every page of the course: the index, the lessons, the
// appendices.
func pageURLs(t *testing.T, srv *served) []string {
	t.Helper()
	c := srv.Course.Catalog()
	urls := []string{"/"}
	for _, l := range append(c.Lessons(), c.Appendices()...) {
		urls = append(urls, "/lessons/"+l.Slug)
	}
	return urls
}

func TestOldCodePageHasEveryAnchor(t *testing.T) {
	srv, _ := startCourse(t)
	doc := page(t, srv.URL+"/lessons/old-code", http.StatusOK)
	if got := doc.Find(".lesson-head h1").Text(); got != "读笔记里的旧代码" {
		t.Errorf("title %q", got)
	}
	if got := doc.Find(".lesson-head .kicker").Text(); got != "附录" {
		t.Errorf("kicker %q, want 附录 (an appendix is not numbered)", got)
	}
	var ids []string
	doc.Find(".prose h2[id]").Each(func(_ int, h *goquery.Selection) { ids = append(ids, h.AttrOr("id", "")) })
	if !slices.Equal(ids, oldCodeAnchors) {
		t.Errorf("section ids %v, want exactly %v", ids, oldCodeAnchors)
	}
	// Each section says what fails, with the error, the modern form, and
	// the lesson that covers it.
	doc.Find(".prose h2[id]").Each(func(_ int, h *goquery.Selection) {
		sec := h.NextUntil("h2")
		if n := sec.Filter("pre").Length() + sec.Find("pre").Length(); n < 3 {
			t.Errorf("#%s: %d code blocks, want the old form, what it gives now and the new form", h.AttrOr("id", ""), n)
		}
		if sec.Find(`a[href^="/lessons/"]`).Length() == 0 {
			t.Errorf("#%s links no lesson", h.AttrOr("id", ""))
		}
	})
	for _, want := range []string{
		"AttributeError: module 'asyncio' has no attribute 'coroutine'",
		"TypeError: Passing coroutines is forbidden, use tasks explicitly.",
		"SyntaxError: invalid syntax",
		"TypeError: 'Semaphore' object is not iterable",
	} {
		if !strings.Contains(doc.Find(".prose").Text(), want) {
			t.Errorf("the page does not quote %q", want)
		}
	}
	// An appendix keeps no progress and runs no demos.
	if doc.Find("article[data-slug], .lesson-progress, section.demo").Length() != 0 {
		t.Error("the appendix has progress or demo panels")
	}
}

// Every link from one page of the course to another lands: the page
// exists and so does the heading its # names.
func TestLinksBetweenPagesResolve(t *testing.T) {
	srv, _ := startCourse(t)
	pages := map[string]*goquery.Document{}
	for _, u := range pageURLs(t, srv) {
		pages[u] = page(t, srv.URL+u, http.StatusOK)
	}
	links := 0
	for from, doc := range pages {
		doc.Find(`main a[href^="/lessons/"]`).Each(func(_ int, a *goquery.Selection) {
			href := a.AttrOr("href", "")
			u, err := url.Parse(href)
			if err != nil {
				t.Errorf("%s: bad link %q", from, href)
				return
			}
			target, ok := pages[u.Path]
			if !ok {
				t.Errorf("%s links %s, which is no page of the course", from, href)
				return
			}
			links++
			if u.Fragment != "" && target.Find(`[id="`+u.Fragment+`"]`).Length() != 1 {
				t.Errorf("%s links %s: no #%s there", from, href, u.Fragment)
			}
		})
	}
	if links == 0 {
		t.Fatal("no links between pages")
	}
	// The old-code page links every lesson it names to a real page.
	if pages["/lessons/old-code"].Find(`main a[href^="/lessons/"]`).Length() < len(oldCodeAnchors) {
		t.Error("the old-code page links fewer lessons than it has sections")
	}
}

func TestAppendixListedAfterTheLessons(t *testing.T) {
	srv, catalog := startCourse(t)
	doc := page(t, srv.URL+"/", http.StatusOK)
	if n := doc.Find(".lesson-list .lesson-card").Length(); n != len(catalog.Lessons()) {
		t.Errorf("%d lesson cards for %d lessons: an appendix is not a numbered lesson", n, len(catalog.Lessons()))
	}
	if got := doc.Find(".lesson-list ~ .appendix-list a").AttrOr("href", ""); got != "/lessons/old-code" {
		t.Errorf("after the lessons, the index links %q", got)
	}
	for _, u := range pageURLs(t, srv) {
		doc := page(t, srv.URL+u, http.StatusOK)
		if got := doc.Find("nav.toc ol ~ .toc-appendix a").AttrOr("href", ""); got != "/lessons/old-code" {
			t.Errorf("%s: after the lessons, the contents link %q", u, got)
		}
		if doc.Find(`nav.toc ol a[href="/lessons/old-code"]`).Length() != 0 {
			t.Errorf("%s: the appendix is numbered among the lessons", u)
		}
	}
	// Reading order: the last lesson leads on to the appendix, and back.
	ls := catalog.Lessons()
	last := page(t, srv.URL+"/lessons/"+ls[len(ls)-1].Slug, http.StatusOK)
	if got := last.Find(`.pager a[rel="next"]`).AttrOr("href", ""); got != "/lessons/old-code" {
		t.Errorf("the last lesson's next link is %q", got)
	}
	old := page(t, srv.URL+"/lessons/old-code", http.StatusOK)
	if got := old.Find(`.pager a[rel="prev"]`).AttrOr("href", ""); got != "/lessons/"+ls[len(ls)-1].Slug {
		t.Errorf("the appendix's previous link is %q", got)
	}
}

// searchIndexOf fetches the index a page names, as search.js does.
func searchIndexOf(t *testing.T, srv *served, path string) ([]searchPage, *http.Response) {
	t.Helper()
	doc := page(t, srv.URL+path, http.StatusOK)
	src, ok := doc.Find("form.search").Attr("data-index")
	if !ok || !strings.HasPrefix(src, "/static/search-index.json?v=") {
		t.Fatalf("%s: search form names its index %q", path, src)
	}
	resp := get(t, srv.URL+src, "Accept-Encoding", "gzip")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("%s: %d %s", src, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var body io.Reader = resp.Body
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		body = zr
	}
	var index []searchPage
	if err := json.NewDecoder(body).Decode(&index); err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return index, resp
}

// matches is search.js's rule: every word of the query, ignoring case,
// in the section's heading or text, or (for a page's first section only)
// in the page's title.
func matches(index []searchPage, query string) (urls []string) {
	words := strings.Fields(strings.ToLower(query))
	for _, p := range index {
		for i, s := range p.Sections {
			hay := strings.ToLower(s.Heading + "\n" + s.Text)
			if i == 0 {
				hay += "\n" + strings.ToLower(p.Title)
			}
			if !slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(hay, w) }) {
				urls = append(urls, p.URL+"#"+s.ID)
			}
		}
	}
	return urls
}

func TestSearchIndexFindsTheRightLessons(t *testing.T) {
	srv, catalog := startCourse(t)
	index, resp := searchIndexOf(t, srv, "/lessons/spinner")
	if !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("the index is not cached for good: %q", resp.Header.Get("Cache-Control"))
	}
	if len(index) != len(catalog.Lessons())+len(catalog.Appendices()) {
		t.Errorf("the index has %d pages", len(index))
	}
	for _, c := range []struct {
		query string
		want  string // a page whose sections must be among the matches
	}{
		{"信号量", "/lessons/semaphore"},
		{"事件循环", "/lessons/event-loop"},
		{"run_in_executor", "/lessons/blocking"},
		{"Run_In_Executor", "/lessons/blocking"},
		{"ensure_future", "/lessons/old-code"},
	} {
		got := matches(index, c.query)
		if !slices.ContainsFunc(got, func(u string) bool { return strings.HasPrefix(u, c.want+"#") }) {
			t.Errorf("%s finds %v, not %s", c.query, got, c.want)
		}
	}
	// The heading ids in the index are the page's.
	for _, p := range index {
		doc := page(t, srv.URL+p.URL, http.StatusOK)
		for _, s := range p.Sections {
			if s.ID != "" && doc.Find(`[id="`+s.ID+`"]`).Length() != 1 {
				t.Errorf("%s: the index links #%s, which the page does not have", p.URL, s.ID)
			}
		}
	}
	// Chinese is searched as written, without spaces between words: a
	// line break in the Markdown between two characters is no gap.
	if !slices.ContainsFunc(matches(index, "事件循环"), func(u string) bool { return strings.HasPrefix(u, "/lessons/event-loop#") }) {
		t.Error("事件循环 is not found in its own lesson")
	}
	if got := matches(index, "这个词不在课程里"); len(got) != 0 {
		t.Errorf("a phrase the course does not contain finds %v", got)
	}
}

func TestSearchBoxNeedsItsScript(t *testing.T) {
	srv, _ := startCourse(t)
	for _, u := range pageURLs(t, srv) {
		doc := page(t, srv.URL+u, http.StatusOK)
		form := doc.Find("header form.search")
		if form.Length() != 1 {
			t.Fatalf("%s: no search form in the header", u)
		}
		if _, hidden := form.Attr("hidden"); !hidden {
			t.Errorf("%s: the search box shows before its script can make it work", u)
		}
		in := form.Find("input#search-input")
		if in.AttrOr("role", "") != "combobox" || in.AttrOr("aria-controls", "") != "search-results" || form.Find(`label[for="search-input"]`).Length() != 1 {
			t.Errorf("%s: the search field is not a labelled combobox", u)
		}
	}
}
