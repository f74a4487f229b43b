package interp

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// shortParams keep each demo's run short; the edited and the compiled run
// get the same.
var shortParams = map[string]map[string]string{
	"hello-tasks":             {"durations": "10ms,30ms,20ms"},
	"spinner-thread":          {"slow": "100ms", "frame": "20ms"},
	"spinner-goroutine":       {"slow": "100ms", "frame": "20ms"},
	"spinner-flag":            {"slow": "100ms", "frame": "20ms"},
	"three-stages-callbacks":  {"latency": "10ms", "fail": "2"},
	"three-stages-sequential": {"latency": "10ms", "fail": "2"},
	"blocking-loop":           {"block": "100ms"},
	"flags-sequential":        {"count": "5", "latency": "0s"},
	"flags-concurrent":        {"count": "5", "latency": "10ms"},
	"flags-semaphore":         {"latency": "10ms"},
	"generators":              {"items": "3"},
	"client-reuse":            {"count": "10", "parallel": "2", "handshake": "0s"},
	"wget-headers":            {"delays": "30ms,10ms,20ms"},
}

// notRunnable are the demos that cannot run edited, with a word of why
// that the reason must contain.
var notRunnable = map[string]string{
	"blocking-go":      `"os"`,          // real pipes and files: read(2), fsync
	"flags-metadata":   `不能用包`,          // saves files (os), parses JSON (encoding/json)
	"future-semantics": `yaegi v0.16.1`, // a type that refers to itself through a function
}

var (
	ports     = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	marks     = regexp.MustCompile(`[+.x]{2,}`)
	numbers   = regexp.MustCompile(`\d+(\.\d+)?x?`)
	wordsSort = func(s string) string {
		lines := strings.Split(s, "\n")
		for i, l := range lines {
			f := strings.Fields(l)
			slices.Sort(f)
			lines[i] = strings.Join(f, " ")
		}
		return strings.Join(lines, "\n")
	}
	linesSort = func(s string) string {
		lines := strings.Split(s, "\n")
		slices.Sort(lines)
		return strings.Join(lines, "\n")
	}
)

// comparable is what both runs of a demo must agree on: the screen with
// times masked, and where goroutines race to print, without the order.
func comparable(id, out string) string {
	s := lessontest.Screen(lessontest.MaskTimes(out))
	switch id {
	case "hello-tasks", "flags-semaphore":
		return linesSort(s)
	case "wget-headers":
		// The hosts answer at once, each at its own pace, on ports of
		// their own: loopback ports compiled, in-memory ones edited.
		return linesSort(ports.ReplaceAllString(s, "127.0.0.1:<port>"))
	case "flags-concurrent":
		return wordsSort(s)
	case "generators":
		// The channel pipeline's stages print as they run, in any order.
		pull, chans, _ := strings.Cut(s, "== 2.")
		return pull + linesSort(chans)
	case "client-reuse":
		// How many connections the shared client opens depends on timing.
		return numbers.ReplaceAllString(marks.ReplaceAllString(s, "<marks>"), "<n>")
	case "blocking-loop":
		// How many frames fit around the blocking call depends on timing.
		var keep []string
		for _, l := range strings.Split(s, "\n") {
			if !strings.Contains(l, "spinner") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	return s
}

// tasks is the set of task names and phases on a timeline.
func tasks(events []runner.Event) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.Task+" "+e.Phase)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Every demo's own shown source, run through the child, prints what the
// compiled demo prints and reports the same tasks; the demos that cannot
// run edited say why, and the test shows that they indeed cannot.
func TestEveryDemoRunsInterpreted(t *testing.T) {
	url := lessontest.FlagServer(t, flagserver.Config{})
	env := envWith(url, 20*time.Second)
	r := &Runner{}
	for _, c := range course() {
		d := c.demo
		t.Run(d.ID, func(t *testing.T) {
			t.Parallel()
			if d.ID == "spinner-flag" && raceBuild {
				// A data race on purpose: compiled into this binary, under
				// -race its run would be reported and fail the binary
				// (lessons/spinner/race_test.go runs it in a child).
				t.Skip("spinner-flag races on purpose; not in a race build")
			}
			src := source(t, c)
			ok, why := Editable(d, c.files)
			if word, no := notRunnable[d.ID]; no {
				if ok || !strings.Contains(why, word) {
					t.Fatalf("Editable = %v, %q; want false, with %q", ok, why, word)
				}
				_, err := r.Program(d, c.files, []byte(src))
				if !errors.Is(err, ErrNotEditable) || !strings.Contains(err.Error(), word) {
					t.Fatalf("Program: %v, want ErrNotEditable with %q", err, word)
				}
				if _, listed := notEditable[d.ID]; listed {
					// Listed by hand: it type-checks, so show that it
					// still fails in the interpreter.
					run, err := r.program(d, c.files, []byte(src))
					if err != nil {
						t.Fatal(err)
					}
					got := execute(t, t.Context(), env, d, run, shortParamsOf(d))
					if got.res.Err == nil {
						t.Fatalf("%s runs edited now; take it off notEditable\n%s", d.ID, got.out)
					}
					t.Logf("still fails: %v", got.res.Err)
				}
				return
			}
			if !ok {
				t.Fatalf("not editable: %s", why)
			}
			params, listed := shortParams[d.ID]
			if !listed {
				t.Fatalf("no short parameters for %s: add them to shortParams", d.ID)
			}
			run, err := r.Program(d, c.files, []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			compiled := execute(t, t.Context(), env, d, d.Run, params)
			edited := execute(t, t.Context(), env, d, run, params)
			if fmt.Sprint(edited.res.Err) != fmt.Sprint(compiled.res.Err) {
				t.Fatalf("edited run ended with %v, compiled with %v\n%s", edited.res.Err, compiled.res.Err, edited.out)
			}
			if got, want := comparable(d.ID, edited.out), comparable(d.ID, compiled.out); got != want {
				t.Errorf("edited run printed\n%s\n\ncompiled run printed\n%s", got, want)
			}
			if got, want := tasks(edited.events), tasks(compiled.events); !slices.Equal(got, want) {
				t.Errorf("edited timeline %v, compiled %v", got, want)
			}
		})
	}
}

func shortParamsOf(d *runner.Demo) map[string]string {
	if p, ok := shortParams[d.ID]; ok {
		return p
	}
	switch d.ID {
	case "future-semantics":
		return map[string]string{"task": "50ms", "timeout": "10ms"}
	}
	return nil
}
