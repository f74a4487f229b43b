package flagserver

import "embed"

// Sources are the files of this package: a learner's edit is built with
// them, and the sandbox it runs in serves the flag site from them.
//
//go:embed flagserver.go gif.go sources.go
var Sources embed.FS
