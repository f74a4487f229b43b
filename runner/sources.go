package runner

import "embed"

// Sources are the files of this package, so that a learner's edit can be
// built with the very contract the server runs demos with.
//
//go:embed demo.go events.go execute.go params.go timeline.go sources.go
var Sources embed.FS
