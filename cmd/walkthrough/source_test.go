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
)

// run -source FILE DEMO runs a learner's edit of the demo's Go source, as
// the server would: interpreted, in a child process of this binary.
func TestRunEditedSource(t *testing.T) {
	catalog, err := lessons.Load()
	if err != nil {
		t.Fatal(err)
	}
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
	os.WriteFile(bad, []byte("package spinner\n\nimport \"os\"\n"), 0o644)
	err = c.run(context.Background(), []string{"run", "-source", bad, "spinner-goroutine"})
	if exitCode(err) != 1 || !strings.Contains(err.Error(), `第 3 行：这里不能用包 "os"`) {
		t.Errorf("a forbidden import: %v (exit %d)", err, exitCode(err))
	}
	if err := c.run(context.Background(), []string{"run", "-source", filepath.Join(dir, "missing.go"), "spinner-goroutine"}); exitCode(err) != 2 {
		t.Errorf("a missing file: %v, want exit 2", err)
	}
}
