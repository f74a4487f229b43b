package interp

import (
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// lowering is a program that uses every form lower.go rewrites.
func lowering(t *testing.T) *program {
	t.Helper()
	src, err := os.ReadFile("testdata/lowering.go.txt")
	if err != nil {
		t.Fatal(err)
	}
	return &program{Package: "example.com/lowering", Entry: "Run", Source: "lowering.go",
		Files: map[string]string{"lowering.go": string(src)}}
}

var keepMark = regexp.MustCompile(`// keep:\w+`)

// Every rewrite keeps each line of the learner's text on its line: a line
// marked "keep:…" is still on its line after lowering (the moved methods
// of a generic type come back, behind a //line comment, at the end).
func TestLoweringKeepsEveryLineOnItsLine(t *testing.T) {
	p := lowering(t)
	c, diags := p.check(symbols())
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	files := c.lower(p)
	orig := strings.Split(p.Files["lowering.go"], "\n")
	low := strings.Split(files["lowering.go"], "\n")
	moved := strings.Index(files["lowering.go"], "\n//line ")
	if moved < 0 {
		t.Fatal("the methods of box were not moved behind a //line comment")
	}
	tail := files["lowering.go"][moved:]
	for i, line := range orig {
		mark := keepMark.FindString(line)
		if mark == "" {
			continue
		}
		switch {
		case strings.Contains(low[i], mark):
		case strings.Contains(tail, mark):
			// A moved method: its //line comment names its line.
			if !strings.Contains(tail, fmt.Sprintf("//line lowering.go:%d:", i+1)) {
				t.Errorf("line %d (%s) moved without its line", i+1, mark)
			}
		default:
			t.Errorf("line %d (%s) is now %q", i+1, mark, low[i])
		}
	}
	for _, form := range []string{"min(", "max(", "range 5", "range n", "iter.Seq", "iter.Pull", "slices.Insert", "return <-ch", "select {"} {
		for i, line := range low {
			if strings.Contains(line, form) && !strings.HasPrefix(strings.TrimSpace(line), "//") {
				t.Errorf("line %d still has %s: %q", i+1, form, line)
			}
		}
	}
	if t.Failed() {
		t.Logf("lowered:\n%s\n%s", files["lowering.go"], files[loweredFile])
	}
}

func loweringDemo() *runner.Demo {
	return &runner.Demo{ID: "lowering", Lesson: "l", Title: "t", Source: "lowering.go",
		Params: []runner.Param{{Name: "crash", Kind: runner.KindInt, Default: "0", Min: "0", Max: "1"}}}
}

// The lowered program runs in the child and computes what Go computes; a
// panic in it names the learner's line.
func TestLoweredProgramRunsAndKeepsItsLines(t *testing.T) {
	p := lowering(t)
	r := &Runner{}
	d := loweringDemo()
	run := func(ctx context.Context, v runner.Values, out io.Writer, ev runner.Events) error {
		return r.run(ctx, d, p, v, out, ev)
	}
	got := execute(t, t.Context(), envWith("", 20*time.Second), d, run, nil)
	// yaegi v0.16.1 has, rarely and only on a loaded machine, panicked
	// with a nil dereference inside closures that compiled code (wg.Go)
	// runs on several goroutines at once — seen once in CI under -race,
	// never in hundreds of runs here. It fails that one run (in the child,
	// never the server); a second try shows the lowering itself is right.
	for try := 1; try < 3 && got.res.Err != nil && strings.Contains(got.res.Err.Error(), "nil pointer"); try++ {
		t.Logf("try %d: %v (a known yaegi flake; trying again)", try, got.res.Err)
		got = execute(t, t.Context(), envWith("", 20*time.Second), d, run, nil)
	}
	if got.res.Err != nil {
		t.Fatalf("%v\n%s", got.res.Err, got.out)
	}
	want := "1 2.5 a\n4 10\ntotal 10\npulled 0 1\n[0 1 4] [aa bb] [1 2 3] 2 42\n42 5\n[1 2 default boom true]\n"
	if got.out != want {
		t.Errorf("printed\n%s\nwant\n%s", got.out, want)
	}

	crashed := execute(t, t.Context(), envWith("", 20*time.Second), d, run, map[string]string{"crash": "1"})
	// yaegi knows the function a panic left, and the line its body
	// starts on, not the statement.
	line := lineOf(t, p.Files["lowering.go"], "keep:constmin")
	if err := crashed.res.Err; err == nil || !strings.Contains(err.Error(), "assignment to entry in nil map") ||
		!strings.Contains(err.Error(), fmt.Sprintf("在函数 Run 里，它的函数体从 lowering.go 第 %d 行开始", line)) {
		t.Errorf("crash: %v, want the nil map panic in Run, from lowering.go line %d", err, line)
	}
}

// A program's own generic code with a constraint from cmp runs: the child
// then loads yaegi's source of cmp (see withoutGenericSources).
func TestOwnGenericCodeWithCmpConstraint(t *testing.T) {
	p := &program{Package: "example.com/ordered", Entry: "Run", Source: "ordered.go", Files: map[string]string{"ordered.go": `package ordered

import (
	"cmp"
	"context"
	"fmt"
	"io"

	"github.com/bingfa-manyou/walkthrough/runner"
)

func biggest[T cmp.Ordered](first T, rest ...T) T {
	for _, x := range rest {
		if cmp.Less(first, x) {
			first = x
		}
	}
	return first
}

func Run(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	fmt.Fprintln(out, biggest(3, 9, 4), biggest("a", "c", "b"), cmp.Compare(1, 2))
	return nil
}
`}}
	r := &Runner{}
	d := &runner.Demo{ID: "ordered", Lesson: "l", Title: "t", Source: "ordered.go"}
	run := func(ctx context.Context, v runner.Values, out io.Writer, ev runner.Events) error {
		return r.run(ctx, d, p, v, out, ev)
	}
	got := execute(t, t.Context(), envWith("", 20*time.Second), d, run, nil)
	if got.res.Err != nil || got.out != "9 c -1\n" {
		t.Errorf("%v\n%q, want \"9 c -1\\n\"", got.res.Err, got.out)
	}
}
