// Package static serves the course's CSS and JavaScript, and any other bytes
// the server keeps in memory, with content-hash ETags and gzip.
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
	"slices"
	"strings"
)

//go:embed *.css *.js
var files embed.FS

// Body is a response kept in memory: its bytes, a gzip copy and an ETag
// made from the content, so a repeat visit costs a 304.
type Body struct {
	contentType string
	plain, gz   []byte
	etag        string
	hash        string // first hex digits of the content hash, for URLs
}

// NewBody prepares data for serving. Small bodies are not compressed: gzip
// would only add bytes.
func NewBody(contentType string, data []byte) (*Body, error) {
	sum := sha256.Sum256(data)
	b := &Body{contentType: contentType, plain: data, hash: hex.EncodeToString(sum[:])[:12]}
	b.etag = `"` + b.hash + `"`
	if len(data) > 512 {
		var buf bytes.Buffer
		zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if err != nil {
			return nil, fmt.Errorf("static: %w", err)
		}
		if _, err := zw.Write(data); err != nil {
			return nil, fmt.Errorf("static: %w", err)
		}
		if err := zw.Close(); err != nil {
			return nil, fmt.Errorf("static: %w", err)
		}
		if buf.Len() < len(data) {
			b.gz = buf.Bytes()
		}
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
	if b.gz != nil && acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		data = b.gz
	}
	h.Set("Content-Length", fmt.Sprint(len(data)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(data)
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
}

// New loads the embedded files plus extra generated ones (such as the
// highlighting CSS), keyed by file name.
func New(extra map[string][]byte) (*Assets, error) {
	a := &Assets{bodies: map[string]*Body{}}
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
	for _, name := range slices.Sorted(maps.Keys(all)) {
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		b, err := NewBody(ct, all[name])
		if err != nil {
			return nil, err
		}
		a.bodies[name] = b
	}
	return a, nil
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

// ServeHTTP serves /static/NAME. A request that carries the current hash is
// cached for good; any other must revalidate.
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
