// Package guard is linked into every program built from a learner's edit.
// Its init runs before any code of the lesson package the learner edited
// (that package imports it), and takes execve and execveat away from the
// whole process for good: the sandbox let its shim start this program,
// and nothing the program does may start another.
//
// It imports the standard library only, so the edit's build needs
// nothing else. The guard itself (guard_linux.go) is compiled only with
// the build tag walkthrough_guard, which edits are built with: the server
// links this package for its source alone, and must keep its execve.
package guard

import (
	_ "embed"
)

// Source is this package's code, for the module an edit is built in.
//
//go:embed guard_linux.go
var Source []byte

// DocSource is the package clause and doc of this package, for the same.
//
//go:embed guard.go
var DocSource []byte
