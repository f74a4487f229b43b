package spinner

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
	"github.com/bingfa-manyou/walkthrough/runner/testenv"
)

// spinner-flag races on purpose. Built without the race detector (as the
// server runs it), it stops like the thread version: racy_test.go pins
// that, in builds without -race only. Under -race the same run must be
// reported, which would fail any test binary it ran in; so the race is
// exercised here in a child test binary built with -race, and this test
// passes only if that child is reported: the data race the lesson talks
// about is real, and the report points at the two lines the lesson names.
// The thread version, with its atomic.Bool, runs clean in the same kind of
// child.

// childEnv names the child test to run in a child binary; set only there.
const childEnv = "SPINNER_RACE_CHILD"

// TestRaceChild is the child's body: one run of the demo named by
// $SPINNER_RACE_CHILD. In the parent it does nothing.
func TestRaceChild(t *testing.T) {
	id := os.Getenv(childEnv)
	if id == "" {
		t.Skip("runs only as the child of TestRaceDetector")
	}
	res := lessontest.MustRun(t, t.Context(), Demos(), id, "slow=200ms", "frame=80ms")
	if res.Err != nil || lessontest.Screen(res.Output) != "Answer: 42\n" {
		t.Fatalf("err %v, screen %q", res.Err, lessontest.Screen(res.Output))
	}
}

// raceChild runs TestRaceChild for demo id in a test binary built with
// -race: its combined output, and whether it failed.
func raceChild(t *testing.T, id string) (string, bool) {
	t.Helper()
	goTool := testenv.GoTool(t)
	cmd := exec.CommandContext(t.Context(), goTool, "test", "-race", "-count=1", "-run", "^TestRaceChild$", ".")
	cmd.Env = append(os.Environ(), childEnv+"="+id)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("go test -race: %v\n%s", err, out.String())
	}
	return out.String(), err != nil
}

// lineOf returns the 1-based number of the one line of src that contains
// code.
func lineOf(t *testing.T, src, code string) int {
	t.Helper()
	var found []int
	for i, l := range strings.Split(src, "\n") {
		if strings.Contains(l, code) {
			found = append(found, i+1)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%q is on lines %v of spinner_flag.go, want exactly one", code, found)
	}
	return found[0]
}

func TestRaceDetector(t *testing.T) {
	src, err := Files.ReadFile("spinner_flag.go")
	if err != nil {
		t.Fatal(err)
	}
	lesson, err := Files.ReadFile("lesson.md")
	if err != nil {
		t.Fatal(err)
	}
	// The two accesses, as the lesson names them.
	const write, read = "stop = true", "for i := 0; !*stop; i++"
	for _, code := range []string{write, read} {
		if !strings.Contains(string(lesson), "`"+code+"`") {
			t.Errorf("the lesson does not name `%s`", code)
		}
	}
	writeLine, readLine := lineOf(t, string(src), write), lineOf(t, string(src), read)

	t.Run("plain bool", func(t *testing.T) {
		out, failed := raceChild(t, "spinner-flag")
		if !failed || !strings.Contains(out, "WARNING: DATA RACE") {
			t.Fatalf("the child was not reported (failed %v):\n%s", failed, out)
		}
		// The lesson's reading of the report: two sections, the later
		// access first, the earlier one marked Previous; one is the
		// spinner's read, one the main flow's write, each at its line.
		report := regexp.MustCompile(`(?s)WARNING: DATA RACE\n((?:Write|Read) at .*?)\n\n(Previous (?:write|read) at .*?)\n\n`).FindStringSubmatch(out)
		if report == nil {
			t.Fatalf("no report of two accesses in\n%s", out)
		}
		var readAt, writeAt string
		for _, section := range report[1:] {
			switch {
			case strings.HasPrefix(section, "Read") || strings.HasPrefix(section, "Previous read"):
				readAt = section
			default:
				writeAt = section
			}
		}
		if !strings.Contains(readAt, "drawUntilPlainFlag()") || !strings.Contains(readAt, "spinner_flag.go:"+strconv.Itoa(readLine)+" ") {
			t.Errorf("the read is not the spinner's `%s` (line %d):\n%s", read, readLine, report[0])
		}
		if !strings.Contains(writeAt, "spinPlainFlag()") || !strings.Contains(writeAt, "spinner_flag.go:"+strconv.Itoa(writeLine)+" ") {
			t.Errorf("the write is not the main flow's `%s` (line %d):\n%s", write, writeLine, report[0])
		}
		t.Logf("the report, as a learner sees it:\n%s", report[0])
	})
	t.Run("atomic.Bool", func(t *testing.T) {
		if out, failed := raceChild(t, "spinner-thread"); failed || strings.Contains(out, "DATA RACE") {
			t.Errorf("the atomic version failed under -race:\n%s", out)
		}
	})
}
