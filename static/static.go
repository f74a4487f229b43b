// Package static serves the course's CSS and JavaScript, and any other bytes
// the server keeps in memory, with content-hash ETags and gzip.
//
// The page's scripts are ES modules that import each other by relative
// URL ("./params.js"). Every asset is linked at a content-hashed URL
// (/static/course.js?v=1a2b3c4d5e6f) and cached for good, so a module's
// imports must be hashed too, or a cached importer could pair with a stale
// import after a release. New therefore rewrites each relative import
// specifier to the imported module's hashed URL ("./params.js?v=…") and
// hashes the importer after the rewrite: a change to any module changes
// the URL of every module that imports it, directly or not, up to the
// entry that the page links. The files themselves stay plain modules
// (no build step); only the served copy carries the hashes. The
// alternative, stable import URLs revalidated on every page view, would
// cost one round trip per module per page.
package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"maps"
	"mime"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
)

//go:embed *.css *.js
var files embed.FS

// Body is a response kept in memory: its bytes, a gzip copy and an ETag
// made from the content, so a repeat visit costs a 304.
type Body struct {
	contentType string
	plain       []byte
	// gzipped is the gzip copy (nil where it would not be smaller),
	// compressed on the first request that accepts it: compressing every
	// page at start-up took most of the time before the first page.
	gzipped func() []byte
	etag    string
	hash    string // first hex digits of the content hash, for URLs
}

// NewBody prepares data for serving. Small bodies are not compressed: gzip
// would only add bytes.
func NewBody(contentType string, data []byte) (*Body, error) {
	sum := sha256.Sum256(data)
	b := &Body{contentType: contentType, plain: data, hash: hex.EncodeToString(sum[:])[:12]}
	b.etag = `"` + b.hash + `"`
	b.gzipped = func() []byte { return nil }
	if len(data) > 512 {
		b.gzipped = sync.OnceValue(func() []byte { return gzipped(data) })
	}
	return b, nil
}

// Bytes returns the uncompressed content.
func (b *Body) Bytes() []byte { return b.plain }

// ServeHTTP answers with the body, compressed when the client accepts it,
// or 304 when the client already has this version.
func (b *Body) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", b.contentType)
	h.Set("ETag", b.etag)
	h.Add("Vary", "Accept-Encoding")
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, b.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	data := b.plain
	if acceptsGzip(r) {
		if gz := b.gzipped(); gz != nil {
			h.Set("Content-Encoding", "gzip")
			data = gz
		}
	}
	h.Set("Content-Length", fmt.Sprint(len(data)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(data)
}

// gzipped is data compressed as tightly as gzip can, or nil when that is
// no smaller.
func gzipped(data []byte) []byte {
	var buf bytes.Buffer
	// Neither can fail: the level is valid and a bytes.Buffer takes all.
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(data)
	zw.Close()
	if buf.Len() >= len(data) {
		return nil
	}
	return buf.Bytes()
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}

// Assets are the files under /static/.
type Assets struct {
	bodies map[string]*Body
	// imports lists, for each module, every module it imports, directly or
	// not, by name.
	imports map[string][]string
}

// New loads the embedded files plus extra generated ones (such as the
// highlighting CSS), keyed by file name. It fails when a module imports a
// file that is not there, or when modules import each other in a cycle
// (a hash cannot contain itself).
func New(extra map[string][]byte) (*Assets, error) {
	all := map[string][]byte{}
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(name) == ".go" {
			return err
		}
		data, err := fs.ReadFile(files, name)
		all[name] = data
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("static: %w", err)
	}
	maps.Copy(all, extra)
	return newAssets(all)
}

func newAssets(all map[string][]byte) (*Assets, error) {
	a := &Assets{bodies: map[string]*Body{}, imports: map[string][]string{}}
	l := linker{src: all, assets: a, state: map[string]linkState{}}
	for _, name := range slices.Sorted(maps.Keys(all)) {
		if err := l.add(name); err != nil {
			return nil, fmt.Errorf("static: %w", err)
		}
	}
	return a, nil
}

// importSpec finds the relative specifiers of static and dynamic imports
// and re-exports: from "./x.js", import "./x.js", import("./x.js"). The
// course's modules sit side by side in one directory, so "./" is the only
// relative form; anything else is left alone (and would not resolve).
var importSpec = regexp.MustCompile(`(\bfrom\s*|\bimport\s*\(?\s*)(["'])\./([^"'?#\s]+)(["'])`)

type linkState int

const (
	unseen linkState = iota
	linking
	linked
)

// linker adds assets in import order: a module after the modules it
// imports, so that their hashes are known when its specifiers are
// rewritten.
type linker struct {
	src    map[string][]byte
	assets *Assets
	state  map[string]linkState
}

func (l *linker) add(name string) error {
	switch l.state[name] {
	case linked:
		return nil
	case linking:
		return fmt.Errorf("import cycle through %s", name)
	}
	l.state[name] = linking
	data := l.src[name]
	var deps []string
	var failed error
	if path.Ext(name) == ".js" {
		data = importSpec.ReplaceAllFunc(data, func(m []byte) []byte {
			parts := importSpec.FindSubmatch(m)
			dep := string(parts[3])
			if _, ok := l.src[dep]; !ok || path.Ext(dep) != ".js" {
				failed = fmt.Errorf("%s imports ./%s: no such module", name, dep)
				return m
			}
			if err := l.add(dep); err != nil {
				failed = err
				return m
			}
			// A module loaded with import() comes when the page asks
			// for it: a page does not preload what it may never use.
			if !bytes.Contains(parts[1], []byte("(")) {
				deps = append(deps, dep)
				deps = append(deps, l.assets.imports[dep]...)
			}
			return fmt.Appendf(nil, "%s%s./%s?v=%s%s", parts[1], parts[2], dep, l.assets.bodies[dep].hash, parts[4])
		})
	}
	if failed != nil {
		return failed
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	b, err := NewBody(ct, data)
	if err != nil {
		return err
	}
	slices.Sort(deps)
	l.assets.bodies[name] = b
	l.assets.imports[name] = slices.Compact(deps)
	l.state[name] = linked
	return nil
}

// URL is the address of an asset with its content hash, so that it can be
// cached for a year and still change on the next release.
func (a *Assets) URL(name string) (string, error) {
	b, ok := a.bodies[name]
	if !ok {
		return "", fmt.Errorf("static: no asset %q", name)
	}
	return "/static/" + name + "?v=" + b.hash, nil
}

// Imports returns the URLs of every module that the module name imports,
// directly or not, sorted: the same URLs its import statements ask for,
// so that a page can list them for the browser to fetch at once
// (<link rel="modulepreload">) instead of one level of imports at a time.
func (a *Assets) Imports(name string) ([]string, error) {
	deps, ok := a.imports[name]
	if !ok {
		return nil, fmt.Errorf("static: no asset %q", name)
	}
	urls := make([]string, 0, len(deps))
	for _, dep := range deps {
		u, err := a.URL(dep)
		if err != nil {
			return nil, err
		}
		urls = append(urls, u)
	}
	return urls, nil
}

// ServeHTTP serves /static/NAME. A request that carries the current hash is
// cached for good; any other (a module imported by its plain name, or an
// old page asking for an old hash) must revalidate, so that it can never
// pin a stale copy.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	b, ok := a.bodies[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.URL.Query().Get("v") == b.hash {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	b.ServeHTTP(w, r)
}
