// Package perf holds the course's performance benchmarks: click to first
// output over a real websocket (and the compile-then-run alternative), page
// throughput against a plain file server, page weight, start-up time and the
// flag downloads against their ideal. Run them all with
//
//	go test -run '^$' -bench . -benchtime 20x ./perf/
//
// The figures are written in README.md; nothing here asserts a time.
package perf
