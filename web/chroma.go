package web

// The highlighting rules are generated at build time into
// static/chroma.css (the course binary does not link chroma); CI checks
// the file is current.
//
//go:generate go run ./internal/chromacss ../static/chroma.css
