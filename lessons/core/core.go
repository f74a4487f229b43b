// Package core declares which lines of a demo's shown files carry the idea
// of the demo. A lesson names them by the code itself, outside the shown
// text: the function they sit in and the first and last statement of the
// run. The catalog resolves each declaration against the file's syntax (Go
// with go/ast), refuses one that is ambiguous or cuts a block in two, and
// the page marks the lines it finds — the shown code carries no marker.
package core

// Range is one run of core lines in one shown file.
type Range struct {
	// File is the shown file, among the lesson's embedded files.
	File string
	// Func is the function the run sits in: "name" for a function, or
	// "Type.name" for a method (a Python method: "Class.name").
	Func string
	// First and Last are the first and the last statement of the run, each
	// written as the text its first line starts with in the file, leading
	// indentation left out. Both must be statements of one block (the same
	// braces in Go, the same suite in Python), and each must name exactly
	// one statement of Func. The run covers the comment lines right above
	// First and everything up to the end of Last, its body included. An
	// empty Last is First again (a run of one statement); empty First and
	// Last mark the whole function, its doc comment included.
	First, Last string
}
