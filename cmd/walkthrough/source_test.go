package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bingfa-manyou/walkthrough/lessons"
	"github.com/bingfa-manyou/walkthrough/runner/gobuild"
	"github.com/bingfa-manyou/walkthrough/runner/sandbox"
)

// run -source FILE DEMO runs a learner's edit of the demo's Go source, as
// the server would: built by the Go toolchain, run in a sandbox.
func TestRunEditedSource(t *testing.T) {
	catalog, err := lessons.Load()
	if err != nil {
		t.Fatal(err)
	}
	warmEdits(t, catalog)
	src, err := fs.ReadFile(catalog.Files("spinner-goroutine"), "spinner_goroutine.go")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	edited := filepath.Join(dir, "edit.go")
	os.WriteFile(edited, bytes.Replace(src, []byte(`"Answer: %d\n", answer`), []byte(`"Answer: %d (edited)\n", answer*2`), 1), 0o644)
	var out, errs bytes.Buffer
	c := &command{stdout: &out, stderr: &errs, listen: catchListener(make(chan string, 1))}
	if err := c.run(context.Background(), []string{"run", "-source", edited, "spinner-goroutine", "slow=100ms", "frame=20ms"}); err != nil {
		t.Fatalf("%v\n%s", err, errs.String())
	}
	if !strings.Contains(out.String(), "Answer: 84 (edited)") {
		t.Errorf("output %q", out.String())
	}

	bad := filepath.Join(dir, "bad.go")
	os.WriteFile(bad, []byte("package spinner\n\nimport \"C\"\n"), 0o644)
	err = c.run(context.Background(), []string{"run", "-source", bad, "spinner-goroutine"})
	if exitCode(err) != 1 || !strings.Contains(err.Error(), `第 3 行：不能用 cgo`) {
		t.Errorf("cgo: %v (exit %d)", err, exitCode(err))
	}
	if err := c.run(context.Background(), []string{"run", "-source", filepath.Join(dir, "missing.go"), "spinner-goroutine"}); exitCode(err) != 2 {
		t.Errorf("a missing file: %v, want exit 2", err)
	}
}

// run -trace -procs 1 DEMO prints the scheduler per P after the demo's
// output: blocking-go's one P moved between threads while main was in
// read(2). -procs without -trace, or not 1/2/4/8, is a usage error.
func TestRunTraced(t *testing.T) {
	catalog, err := lessons.Load()
	if err != nil {
		t.Fatal(err)
	}
	warmEdits(t, catalog)
	var out, errs bytes.Buffer
	c := &command{stdout: &out, stderr: &errs, listen: catchListener(make(chan string, 1))}
	if err := c.run(context.Background(), []string{"run", "-trace", "-procs", "1", "blocking-go", "block=300ms"}); err != nil {
		t.Fatalf("%v\n%s", err, errs.String())
	}
	text := out.String()
	for _, want := range []string{"longest pause between frames", "scheduler trace: GOMAXPROCS=1", "\nP0: ran goroutines", "main.main tasks read(2)"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "\nP1:") || strings.Contains(text, "(moved 0 times)") {
		t.Errorf("want one P that moved between threads:\n%s", text)
	}
	for _, bad := range [][]string{{"run", "-procs", "2", "blocking-go"}, {"run", "-trace", "-procs", "3", "blocking-go"}} {
		if err := c.run(context.Background(), bad); exitCode(err) != 2 {
			t.Errorf("%v: %v, want exit 2", bad, err)
		}
	}
}

// warmEdits warms the machine's edit build cache the way the server does,
// so a test's edited run builds in seconds, not minutes.
func warmEdits(t *testing.T, catalog *lessons.Catalog) {
	t.Helper()
	sb := sandbox.New(context.Background())
	defer sb.Close()
	if !sb.Status().Available {
		return
	}
	warm := gobuild.New(context.Background(), gobuild.Config{Sandbox: sb})
	if err := warm.WarmUp(context.Background(), catalog.Registry().All(), catalog.Files); err != nil {
		t.Fatal(err)
	}
}
