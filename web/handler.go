// Package web is the course's HTTP side: pages rendered once from the
// catalog at start-up and served from memory, the demo list as JSON, the
// static assets and the websocket (package web/socket), all wired by
// NewCourse, the one constructor of the whole server that the command,
// the tests and the benchmarks share.
package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/a-h/templ"

	"github.com/bingfa-manyou/walkthrough/lessons"
	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/static"
)

// handlerConfig is what the routes serve.
type handlerConfig struct {
	Catalog *lessons.Catalog
	Socket  http.Handler // the websocket endpoint, mounted at /ws
	// Flags serves flag images at /flags/{cc}/{cc}.gif, for the gallery of
	// the download demos. Optional.
	Flags http.Handler
	Log   *slog.Logger
	// Hosts, when set, refuses requests for host names the course does
	// not serve (see hostGuard).
	Hosts *hostGuard
	// Ready reports whether the course takes new learners: false while it
	// drains before a shutdown. Nil means always.
	Ready func() bool
	// Python says whether a demo's asyncio program can run here, and why
	// not; nil means nowhere.
	Python func(demoID string) (bool, string)
	// Editable says whether a demo's Go source can be edited and run here.
	Editable func(demoID string) (bool, string)
	// Race says whether an edit can be built with the race detector.
	Race func(demoID string) (bool, string)
	// Trace says whether a demo's runs can be traced (调度视图).
	Trace func(demoID string) (bool, string)
	// EditNote says how edits run here when it is not in a sandbox.
	EditNote func() string
}

// newHandler renders the pages that say nothing of the runtimes (the
// index, 404) and returns the course's routes, with render: the function
// that renders the rest — the lessons, whose panels say what runs here,
// and the demo list — once the runtimes are probed. Until render has run,
// those routes wait for it.
func newHandler(cfg handlerConfig) (_ http.Handler, render func() error, _ error) {
	if cfg.Catalog == nil || cfg.Socket == nil || cfg.Log == nil {
		return nil, nil, errors.New("web: catalog, socket and logger are required")
	}
	searchIndex, err := searchIndexJSON(cfg.Catalog)
	if err != nil {
		return nil, nil, err
	}
	assets, err := static.New(map[string][]byte{searchIndexName: searchIndex})
	if err != nil {
		return nil, nil, fmt.Errorf("web: %w", err)
	}
	site, err := newSite(cfg.Catalog, assets, cfg.Python, cfg.Editable)
	if err != nil {
		return nil, nil, fmt.Errorf("web: %w", err)
	}

	mux := http.NewServeMux()
	index, err := site.page(indexPage(site.indexView()))
	if err != nil {
		return nil, nil, err
	}
	mux.Handle("GET /{$}", index)
	notFound, err := site.page(notFoundPage(site.pageView("找不到这一页", "", "")))
	if err != nil {
		return nil, nil, err
	}

	late := &latePages{done: make(chan struct{}), log: cfg.Log}
	render = func() error {
		return late.render(func() (map[string]*static.Body, *static.Body, error) {
			pages := map[string]*static.Body{}
			for _, l := range append(cfg.Catalog.Lessons(), cfg.Catalog.Appendices()...) {
				page, err := site.page(lessonPage(site.lessonView(l)))
				if err != nil {
					return nil, nil, err
				}
				pages[l.Slug] = page
			}
			note := ""
			if cfg.EditNote != nil {
				note = cfg.EditNote()
			}
			demos, err := demoList(cfg.Catalog.Demos(), cfg.Python, cfg.Editable, cfg.Race, cfg.Trace, note)
			return pages, demos, err
		})
	}
	// A lesson's address has no trailing slash; the one with a slash is the
	// same page, so send the browser there rather than to a 404.
	mux.HandleFunc("GET /lessons/{slug}/{$}", func(w http.ResponseWriter, r *http.Request) {
		target := "/lessons/" + url.PathEscape(r.PathValue("slug"))
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, target, http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /lessons/{slug}", func(w http.ResponseWriter, r *http.Request) {
		if !late.wait(w, r) {
			return
		}
		page, ok := late.lessons[r.PathValue("slug")]
		if !ok {
			serveNotFound(w, r, notFound)
			return
		}
		page.ServeHTTP(w, r)
	})
	mux.HandleFunc("GET /api/demos", func(w http.ResponseWriter, r *http.Request) {
		if late.wait(w, r) {
			late.demos.ServeHTTP(w, r)
		}
	})
	mux.Handle("GET /ws", cfg.Socket)
	mux.Handle("GET /static/", assets)
	if cfg.Flags != nil {
		mux.Handle("GET /flags/", http.StripPrefix("/flags", plainFlags(cfg.Flags)))
	}
	// healthz: the process is alive (until it exits). readyz: it takes new
	// learners — 503 from the moment a shutdown begins, so a load balancer
	// stops sending pages here while the ones already here finish.
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if cfg.Ready != nil && !cfg.Ready() {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("draining"))
			return
		}
		w.Write([]byte("ready"))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { serveNotFound(w, r, notFound) })
	var routes http.Handler = readOnly(mux)
	if cfg.Hosts != nil {
		routes = cfg.Hosts.wrap(routes)
	}
	return securityHeaders(routes), render, nil
}

// latePages are the pages rendered once the runtimes are probed.
type latePages struct {
	done    chan struct{} // closed once rendered (or failed)
	lessons map[string]*static.Body
	demos   *static.Body
	err     error
	log     *slog.Logger
}

func (p *latePages) render(pages func() (map[string]*static.Body, *static.Body, error)) error {
	p.lessons, p.demos, p.err = pages()
	close(p.done)
	return p.err
}

// wait waits for the pages, and reports whether they can be served; if
// not, it has answered the request.
func (p *latePages) wait(w http.ResponseWriter, r *http.Request) bool {
	select {
	case <-p.done:
	case <-r.Context().Done():
		return false
	}
	if p.err != nil {
		p.log.Error("pages not rendered", "err", p.err)
		http.Error(w, "课程页面生成失败（服务器内部错误）", http.StatusInternalServerError)
		return false
	}
	return true
}

// readOnly answers every method but GET and HEAD with 405 and the Allow
// header, before any route and without reading a body: the course has
// nothing to post to, so no request needs one.
func readOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			// The body is left unread, so the connection cannot be reused.
			w.Header().Set("Connection", "close")
			http.Error(w, "method not allowed: the course only answers GET and HEAD", http.StatusMethodNotAllowed)
			return
		}
		if r.ContentLength != 0 {
			// A GET with a body (or one of unknown length): nothing here
			// reads it, and a slow one would hold the connection.
			w.Header().Set("Connection", "close")
			http.Error(w, "a request to the course has no body", http.StatusRequestEntityTooLarge)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// plainFlags drops the query: the flag server's per-request latency and
// failure knobs are for demos on loopback, not for anyone who loads a page.
func plainFlags(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2 := r.Clone(r.Context())
		r2.URL.RawQuery = ""
		w.Header().Set("Cache-Control", "public, max-age=86400")
		h.ServeHTTP(w, r2)
	})
}

func serveNotFound(w http.ResponseWriter, r *http.Request, page *static.Body) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusNotFound)
	w.Write(page.Bytes())
}

// securityHeaders sets the headers every response carries, pages, assets,
// JSON, errors and 404s alike. The CSP allows no inline script or style at
// all (every page is built for it), and names the websocket explicitly in
// connect-src: 'self' covers ws: only in browsers that follow CSP level 3.
func securityHeaders(next http.Handler) http.Handler {
	const (
		before = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'"
		after  = "; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		csp := before + after
		if plainHost(r.Host) {
			csp = before + " ws://" + r.Host + " wss://" + r.Host + after
		}
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// plainHost accepts a Host header made only of what a host name, an IP
// address and a port are written with. Anything else (net/http lets ';' and
// other sub-delimiters through) must not reach the CSP, where it could add
// directives; such a request gets connect-src 'self' alone.
func plainHost(host string) bool {
	if host == "" || len(host) > 255 {
		return false
	}
	for _, c := range host {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.', c == '-', c == ':', c == '[', c == ']':
		default:
			return false
		}
	}
	return true
}

// demoJSON is one entry of /api/demos.
type demoJSON struct {
	ID       string         `json:"id"`
	Lesson   string         `json:"lesson"`
	Title    string         `json:"title"`
	Params   []runner.Param `json:"params"`
	Python   pythonJSON     `json:"python"`
	Editable bool           `json:"editable"`
	// EditReason says why not, when a demo is not editable.
	EditReason string `json:"edit_reason,omitempty"`
	// Race says whether an edit can be built with the race detector.
	Race availability `json:"race"`
	// Trace says whether a run can be traced (the scheduler view).
	Trace availability `json:"trace"`
	// EditNote warns that edits run without a sandbox (a learner's own
	// machine).
	EditNote string `json:"edit_note,omitempty"`
}

// availability says whether an option works here, and why not.
type availability = pythonJSON

// pythonJSON says whether the demo's asyncio program runs here.
type pythonJSON struct {
	Available bool   `json:"available"`
	Reason    string `json:"reason,omitempty"`
}

func demoList(demos []*runner.Demo, python, editable, race, traced func(string) (bool, string), note string) (*static.Body, error) {
	list := []demoJSON{}
	for _, d := range demos {
		params := d.Params
		if params == nil {
			params = []runner.Param{}
		}
		py := pythonJSON{Reason: noPythonHere}
		if python != nil {
			py.Available, py.Reason = python(d.ID)
		}
		entry := demoJSON{ID: d.ID, Lesson: d.Lesson, Title: d.Title, Params: params, Python: py}
		entry.Race.Reason = "这台服务器不运行修改后的代码"
		if editable != nil {
			entry.Editable, entry.EditReason = editable(d.ID)
		}
		entry.Trace.Reason = entry.Race.Reason
		if race != nil {
			entry.Race.Available, entry.Race.Reason = race(d.ID)
		}
		if traced != nil {
			entry.Trace.Available, entry.Trace.Reason = traced(d.ID)
		}
		if entry.Editable {
			entry.EditNote = note
		}
		list = append(list, entry)
	}
	data, err := json.Marshal(list)
	if err != nil {
		return nil, fmt.Errorf("web: demo list: %w", err)
	}
	return static.NewBody("application/json", data)
}

// page renders a component once into a servable body.
func (s *site) page(c templ.Component) (*static.Body, error) {
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		return nil, fmt.Errorf("web: render: %w", err)
	}
	return static.NewBody("text/html; charset=utf-8", buf.Bytes())
}

// inputMode picks the phone keyboard that suits a parameter kind.
func inputMode(k runner.Kind) string {
	switch k {
	case runner.KindInt:
		return "numeric"
	case runner.KindFloat:
		return "decimal"
	}
	return "text"
}

// limitsText says a parameter's range the way a learner reads it.
func limitsText(p runner.Param) string {
	switch {
	case p.Kind == runner.KindChoice:
		return ""
	case p.Min != "" && p.Max != "":
		return p.Min + " – " + p.Max
	case p.Min != "":
		return "≥ " + p.Min
	case p.Max != "":
		return "≤ " + p.Max
	}
	return ""
}

// lessonNumber is the number a learner sees, as in the plan (0–10).
func lessonNumber(order int) string { return fmt.Sprint(order) }
