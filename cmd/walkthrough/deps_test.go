package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/bingfa-manyou/walkthrough/runner/testenv"
)

// The course binary is the course: the load tester and its attacks (hog,
// floods, a raw websocket client) live in walkthrough-load, and code is
// highlighted by lessons' own scanner, so neither perf/load nor chroma is
// linked in. go list reads the real import graph, tests excluded.
func TestCourseBinaryLinksNoLoadTesterNorChroma(t *testing.T) {
	goCmd := testenv.GoTool(t)
	out, err := exec.CommandContext(t.Context(), goCmd, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) == 0 || deps[len(deps)-1] != "github.com/bingfa-manyou/walkthrough/cmd/walkthrough" {
		t.Fatalf("go list -deps . did not list the command itself last:\n%s", out)
	}
	for _, dep := range deps {
		for _, banned := range []string{"github.com/bingfa-manyou/walkthrough/perf/load", "github.com/alecthomas/chroma"} {
			if dep == banned || strings.HasPrefix(dep, banned+"/") {
				t.Errorf("the course binary links %s", dep)
			}
		}
	}
}
