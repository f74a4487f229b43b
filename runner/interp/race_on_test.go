//go:build race

package interp

// raceBuild: the test binary, and so each child, runs under the race
// detector, whose shadow memory counts against the child's memory limit.
const raceBuild = true
