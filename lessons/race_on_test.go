//go:build race

package lessons

// raceBuild: this test binary runs under the race detector.
const raceBuild = true
