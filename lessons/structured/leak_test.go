package structured

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/testenv"
)

// Exercise 4 is done in the editor: the learner makes first_reply.go's
// channel unbuffered and runs it. This test makes that very edit to the
// shown file and builds the package with it, with the real Go toolchain
// (go test -overlay puts the edited text in the file's place), in a
// child test binary. The child runs the edited demo in a synctest bubble
// until every goroutine of the bubble is blocked for good, then reports
// what it printed and where each goroutine is stuck, and exits: a leaked
// goroutine never returns, so a child that waited for the run would wait
// forever. The parent checks the key against that report.

// leakEnv is set only in the child.
const leakEnv = "STRUCTURED_LEAK_CHILD"

// leakExit is the child's exit status once it has reported.
const leakExit = 7

// The edit the exercise asks for.
const buffered, unbuffered = "make(chan reply, len(delays))", "make(chan reply)"

// TestLeakChild is the child's body; in the parent it does nothing.
func TestLeakChild(t *testing.T) {
	if os.Getenv(leakEnv) == "" {
		t.Skip("runs only as the child of TestKey4Leak")
	}
	d := Demos()[2]
	v, err := d.Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var out bytes.Buffer
		write := writerFunc(func(p []byte) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			return out.Write(p)
		})
		go runner.Execute(context.Background(), runner.Env{Limits: runner.DefaultLimits()}, &d, v, write, nil)
		// Fake time: a second passes at once, long past every mirror's
		// delay and short of the run's time limit; then every goroutine
		// of the run is blocked for good.
		time.Sleep(time.Second)
		synctest.Wait()
		mu.Lock()
		fmt.Printf("OUTPUT %q\n", out.String())
		mu.Unlock()
		pprof.Lookup("goroutine").WriteTo(os.Stdout, 2)
		os.Exit(leakExit) // the run will never return: nothing to wait for
	})
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// Not parallel: building the child keeps the cores busy, and the other
// key tests read times on the real clock.
func TestKey4Leak(t *testing.T) {
	goTool := testenv.GoTool(t)
	lesson, err := Files.ReadFile("lesson.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := Files.ReadFile("first_reply.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{buffered, unbuffered} {
		if !strings.Contains(string(lesson), "`"+code+"`") {
			t.Fatalf("the exercise does not say `%s`", code)
		}
	}
	if n := strings.Count(string(src), buffered); n != 1 {
		t.Fatalf("first_reply.go has %q %d times; the exercise's edit needs it once", buffered, n)
	}
	edited := strings.Replace(string(src), buffered, unbuffered, 1)

	dir := t.TempDir()
	shown, err := filepath.Abs("first_reply.go")
	if err != nil {
		t.Fatal(err)
	}
	editedPath := filepath.Join(dir, "first_reply.go")
	overlay, _ := json.Marshal(map[string]map[string]string{"Replace": {shown: editedPath}})
	overlayPath := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(editedPath, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(overlayPath, overlay, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), goTool, "test", "-overlay="+overlayPath, "-count=1", "-run", "^TestLeakChild$", ".")
	cmd.Env = append(os.Environ(), leakEnv+"=1")
	var report bytes.Buffer
	cmd.Stdout, cmd.Stderr = &report, &report
	err = cmd.Run()
	if exit, ok := errors.AsType[*exec.ExitError](err); !ok || !strings.Contains(report.String(), "OUTPUT ") {
		t.Fatalf("the child did not report (%v, exit %v):\n%s", err, exit, report.String())
	}

	key := lessontest.MustAnswerKey(t, Files, 4)
	m := regexp.MustCompile(`OUTPUT ("(?:[^"\\]|\\.)*")`).FindStringSubmatch(report.String())
	printed, err := strconv.Unquote(m[1])
	if err != nil {
		t.Fatal(err)
	}
	first := lessontest.MustClaim(t, key, "照常打印")
	if !strings.Contains(printed, "] "+first+"\n") || strings.Count(printed, "\n") != 1 {
		t.Errorf("the edited run printed %q; the key says only %q", printed, first)
	}
	if never := lessontest.MustClaim(t, key, "之后就不再有输出，"); strings.Contains(printed, never) {
		t.Errorf("the edited run printed %q, which the key says never comes", never)
	}

	// Where the goroutines are: the senders stuck on the send, the demo
	// in wg.Wait.
	sendLine := 0
	for i, l := range strings.Split(edited, "\n") {
		if strings.Contains(l, "replies <- reply{") {
			sendLine = i + 1
		}
	}
	var senders, waiting int
	for _, g := range strings.Split(report.String(), "\n\n") {
		switch {
		case strings.Contains(g, "[chan send") && strings.Contains(g, "structured.fastest.func1") &&
			strings.Contains(g, "first_reply.go:"+strconv.Itoa(sendLine)+" "):
			senders++
		case strings.Contains(g, "sync.(*WaitGroup).Wait") && strings.Contains(g, "structured.firstReply("):
			waiting++
		}
	}
	want, _ := strconv.Atoi(lessontest.MustClaim(t, key, "没有人再接收，于是"))
	if senders != want || waiting != 1 {
		t.Errorf("%d goroutines stuck sending on line %d (the key says %d), %d demos in wg.Wait (want 1):\n%s",
			senders, sendLine, want, waiting, report.String())
	}
}
