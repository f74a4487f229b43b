package core

import "embed"

// Sources are this package's files: every lesson's demos.go imports it, so
// a learner's edit is built with it.
//
//go:embed core.go sources.go
var Sources embed.FS
