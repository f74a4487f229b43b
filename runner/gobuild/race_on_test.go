//go:build race

package gobuild_test

// raceDetector is whether this test binary was built with -race.
const raceDetector = true
