package interp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// The first line of hello-tasks' run function, after which the bad
// programs below put their code.
const helloFirst = `durations := p.Durations("durations")`

// editedHello is hello-tasks with code inserted at the top of its run
// function.
func editedHello(t *testing.T, r *Runner, code string) (courseDemo, string, runner.RunFunc) {
	t.Helper()
	c := find(t, "hello-tasks")
	src := change(t, source(t, c), helloFirst, helloFirst+"\n"+code)
	run, err := r.Program(c.demo, c.files, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return c, src, run
}

// for {} is stopped at the run's time limit like any demo, with the
// timeout, while the other runs of the server go on unhindered.
func TestEndlessLoopStopsAtTheTimeLimit(t *testing.T) {
	r := &Runner{}
	c, _, spin := editedHello(t, r, "for {\n}")
	plain, err := r.Program(c.demo, c.files, []byte(source(t, c)))
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]string{"durations": "100ms,200ms"}
	var wg sync.WaitGroup
	var looped, compiled, edited ran
	wg.Go(func() { looped = execute(t, t.Context(), envWith("", 3*time.Second), c.demo, spin, params) })
	wg.Go(func() { compiled = execute(t, t.Context(), envWith("", 10*time.Second), c.demo, c.demo.Run, params) })
	wg.Go(func() { edited = execute(t, t.Context(), envWith("", 10*time.Second), c.demo, plain, params) })
	wg.Wait()
	if !errors.Is(looped.res.Err, runner.ErrTimeout) {
		t.Errorf("for {}: %v, want the timeout", looped.res.Err)
	}
	if looped.res.Elapsed > 3500*time.Millisecond {
		t.Errorf("for {} ended after %v, the limit is 3s", looped.res.Elapsed)
	}
	for name, other := range map[string]ran{"compiled": compiled, "edited": edited} {
		if other.res.Err != nil || !strings.Contains(other.out, "task 2 slept 200ms") {
			t.Errorf("%s run beside for {}: %v\n%s", name, other.res.Err, other.out)
		}
		// Done long before the loop's limit: nothing waited for it.
		if other.res.Elapsed > 1500*time.Millisecond {
			t.Errorf("%s run beside for {} took %v for tasks of 200ms", name, other.res.Elapsed)
		}
	}
}

// A program that allocates without end is killed at the memory limit,
// and says so.
func TestEndlessAllocationHitsTheMemoryLimit(t *testing.T) {
	lim := DefaultLimits()
	lim.Memory = 256 << 20
	r := &Runner{Limits: lim}
	c, _, run := editedHello(t, r, `var hoard [][]byte
for {
	hoard = append(hoard, make([]byte, 1<<20))
}`)
	got := execute(t, t.Context(), envWith("", 30*time.Second), c.demo, run, nil)
	if !errors.Is(got.res.Err, ErrMemoryLimit) {
		t.Fatalf("%v, want the memory limit\n%s", got.res.Err, got.out)
	}
	if !strings.Contains(got.res.Err.Error(), "内存") {
		t.Errorf("message %q does not say memory", got.res.Err)
	}
	t.Logf("killed after %v", got.res.Elapsed)
}

// A program that uses more CPU time than it may is killed, and says so.
func TestBusyProgramHitsTheCPULimit(t *testing.T) {
	lim := DefaultLimits()
	lim.CPUSeconds = 1
	r := &Runner{Limits: lim}
	c, _, run := editedHello(t, r, "for {\n}")
	got := execute(t, t.Context(), envWith("", 20*time.Second), c.demo, run, nil)
	if !errors.Is(got.res.Err, ErrCPULimit) {
		t.Fatalf("%v, want the CPU limit", got.res.Err)
	}
	if got.res.Elapsed > 5*time.Second {
		t.Errorf("killed after %v for a limit of 1s of CPU", got.res.Elapsed)
	}
}

// Packages outside the symbol table are refused before anything runs,
// each on the learner's line, naming the package.
func TestForbiddenImportsAreRefusedOnTheirLine(t *testing.T) {
	r := &Runner{}
	c := find(t, "hello-tasks")
	for _, pkg := range []string{"os", "os/exec", "syscall", "unsafe", "reflect", "io/fs", "net/http/httptest", "encoding/json"} {
		t.Run(strings.ReplaceAll(pkg, "/", "_"), func(t *testing.T) {
			imp := fmt.Sprintf("\t%q\n", pkg)
			src := change(t, source(t, c), "import (\n", "import (\n"+imp)
			_, err := r.Program(c.demo, c.files, []byte(src))
			var ce *CompileError
			if !errors.As(err, &ce) {
				t.Fatalf("%v, want a compile error", err)
			}
			line := lineOf(t, src, imp)
			want := fmt.Sprintf("第 %d 行：这里不能用包 %q", line, pkg)
			if len(ce.Diagnostics) != 1 || ce.Diagnostics[0].Line != line || !strings.Contains(err.Error(), want) {
				t.Errorf("%v, want %s", err, want)
			}
		})
	}
}

// A syntax error comes back from Program, at once, with its line.
func TestSyntaxErrorNamesItsLine(t *testing.T) {
	r := &Runner{}
	c := find(t, "hello-tasks")
	src := change(t, source(t, c), "start := time.Now()", "start := time.Now())")
	start := time.Now()
	_, err := r.Program(c.demo, c.files, []byte(src))
	var ce *CompileError
	if !errors.As(err, &ce) {
		t.Fatalf("%v, want a compile error", err)
	}
	line := lineOf(t, src, "start := time.Now())")
	if d := ce.Diagnostics[0]; d.File != "hello_tasks.go" || d.Line != line || d.Msg == "" {
		t.Errorf("%+v, want hello_tasks.go line %d", d, line)
	}
	if took := time.Since(start); took > 100*time.Millisecond {
		t.Errorf("a syntax error took %v to report", took)
	}
}

// A type error is found in the child, before the program runs, and comes
// back as the run's error on the learner's line.
func TestTypeErrorNamesItsLine(t *testing.T) {
	r := &Runner{}
	c := find(t, "hello-tasks")
	src := change(t, source(t, c), `"%s %s done\n", stamp(), name)`, `"%s %s done\n", stamp(), nam)`)
	run, err := r.Program(c.demo, c.files, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := execute(t, t.Context(), envWith("", 10*time.Second), c.demo, run, nil)
	var ce *CompileError
	if !errors.As(got.res.Err, &ce) {
		t.Fatalf("%v, want a compile error", got.res.Err)
	}
	line := lineOf(t, src, "stamp(), nam)")
	if d := ce.Diagnostics[0]; d.Line != line || d.Msg != "undefined: nam" {
		t.Errorf("%+v, want line %d: undefined: nam", d, line)
	}
	if got.out != "" || len(got.events) != 0 {
		t.Errorf("a program that does not type-check ran: %q, %v", got.out, got.events)
	}
}

// The entry function is the demo's contract: removing it, or changing its
// signature, is an error that says so.
func TestEntryFunctionMustStay(t *testing.T) {
	r := &Runner{}
	c := find(t, "hello-tasks")
	src := change(t, source(t, c), "func helloTasks(ctx context.Context,", "func hello(ctx context.Context,")
	run, err := r.Program(c.demo, c.files, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := execute(t, t.Context(), envWith("", 10*time.Second), c.demo, run, nil)
	if got.res.Err == nil || !strings.Contains(got.res.Err.Error(), "helloTasks") {
		t.Errorf("%v, want the entry helloTasks named", got.res.Err)
	}
}

// 10,000 goroutines are more than a child may have: it is stopped, and
// says so; a thousand are fine.
func TestGoroutinesAreBounded(t *testing.T) {
	r := &Runner{}
	start := `var many sync.WaitGroup
for range %d {
	many.Go(func() { <-ctx.Done() })
}
fmt.Fprintln(out, "started")
`
	c, _, many := editedHello(t, r, fmt.Sprintf(start, 10_000)+"many.Wait()")
	got := execute(t, t.Context(), envWith("", 20*time.Second), c.demo, many, nil)
	if raceBuild && errors.Is(got.res.Err, ErrMemoryLimit) {
		// Under the race detector each goroutine costs far more memory:
		// the memory limit bounds them first.
	} else if !errors.Is(got.res.Err, ErrGoroutineLimit) {
		t.Fatalf("%v, want the goroutine limit\n%s", got.res.Err, got.out)
	}

	_, _, some := editedHello(t, r, `var some sync.WaitGroup
for range 1000 {
	some.Go(func() { time.Sleep(10 * time.Millisecond) })
}
some.Wait()
fmt.Fprintln(out, "1000 done")
return nil`)
	got = execute(t, t.Context(), envWith("", 20*time.Second), c.demo, some, nil)
	switch {
	case raceBuild && errors.Is(got.res.Err, ErrMemoryLimit):
		// The race detector's shadow memory per goroutine: see above.
	case got.res.Err != nil || got.out != "1000 done\n":
		t.Errorf("1000 goroutines: %v\n%s", got.res.Err, got.out)
	}
}

// Edited code reaches the flag site and nothing else: not another port
// on the same host (which is listening), not through http.Get, a
// Transport of its own, a Dialer or a Transport whose DialContext tries;
// and it listens only in memory, on port 0 of loopback.
func TestOnlyTheFlagSiteCanBeReached(t *testing.T) {
	url := lessontest.FlagServer(t, flagserver.Config{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var accepted atomic.Int64
	served := make(chan struct{})
	go func() {
		defer close(served)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			conn.Close()
		}
	}()
	other := ln.Addr().String()

	c := find(t, "flags-sequential")
	src := change(t, source(t, c), "import (\n", "import (\n\t\"net\"\n")
	src = change(t, src, "\tstart := time.Now()\n", fmt.Sprintf(`	other := %q
	if _, err := http.Get("http://" + other + "/"); err != nil {
		fmt.Fprintln(out, "get:", err)
	}
	if _, err := client.Get("http://" + other + "/"); err != nil {
		fmt.Fprintln(out, "client:", err)
	}
	var d net.Dialer
	if _, err := d.DialContext(ctx, "tcp", other); err != nil {
		fmt.Fprintln(out, "dial:", err)
	}
	if _, err := d.DialContext(ctx, "udp", strings.TrimPrefix(baseURL, "http://")); err != nil {
		fmt.Fprintln(out, "udp:", err)
	}
	sneaky := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return d.DialContext(ctx, network, other)
		},
	}}
	if _, err := sneaky.Get(baseURL + "/cn/cn.gif"); err != nil {
		fmt.Fprintln(out, "sneaky:", err)
	}
	if _, err := net.Listen("tcp", "0.0.0.0:8080"); err != nil {
		fmt.Fprintln(out, "listen:", err)
	}
	start := time.Now()
`, other))
	src = change(t, src, "\t\"time\"\n", "\t\"strings\"\n\t\"time\"\n")
	run, err := (&Runner{}).Program(c.demo, c.files, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := execute(t, t.Context(), envWith(url, 20*time.Second), c.demo, run, map[string]string{"count": "3", "latency": "0s"})
	ln.Close()
	<-served
	if got.res.Err != nil {
		t.Fatalf("%v\n%s", got.res.Err, got.out)
	}
	for _, way := range []string{"get:", "client:", "dial:", "udp:", "sneaky:", "listen:"} {
		i := slices.IndexFunc(strings.Split(got.out, "\n"), func(l string) bool {
			return strings.HasPrefix(l, way) && strings.Contains(l, "编辑后的代码只能")
		})
		if i < 0 {
			t.Errorf("%s not refused:\n%s", way, got.out)
		}
	}
	if !strings.Contains(got.out, "3 flags downloaded") {
		t.Errorf("the flag site itself was not reached:\n%s", got.out)
	}
	if n := accepted.Load(); n != 0 {
		t.Errorf("the other port accepted %d connections", n)
	}
}

// Stop ends an edited run within 100 ms, wherever it is, as for any demo.
func TestStopWithin100ms(t *testing.T) {
	c := find(t, "spinner-goroutine")
	run, err := (&Runner{}).Program(c.demo, c.files, []byte(source(t, c)))
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.demo.Parse(map[string]string{"slow": "10s"})
	if err != nil {
		t.Fatal(err)
	}
	d := *c.demo
	d.Run = run
	var late []time.Duration
	for range 3 {
		ctx, cancel := context.WithCancel(t.Context())
		out := &syncBuffer{first: make(chan struct{})}
		done := make(chan runner.Result, 1)
		go func() { done <- runner.Execute(ctx, envWith("", 20*time.Second), &d, v, out, nil) }()
		select {
		case <-out.first:
		case res := <-done:
			cancel()
			t.Fatalf("ended before its first output: %v", res.Err)
		}
		stopped := time.Now()
		cancel()
		res := <-done
		took := time.Since(stopped)
		if !errors.Is(res.Err, runner.ErrStopped) {
			t.Fatalf("%v, want stopped", res.Err)
		}
		late = append(late, took)
		if took <= 100*time.Millisecond {
			return
		}
	}
	t.Errorf("took %v to stop", late)
}

// A panic on a goroutine of the program ends the child; the run's error
// is the panic, and the function it happened in.
func TestPanicOnAGoroutineIsTheRunsError(t *testing.T) {
	r := &Runner{}
	c, _, run := editedHello(t, r, `var crash sync.WaitGroup
crash.Go(func() {
	var m map[string]int
	m["x"] = 1
})
crash.Wait()`)
	got := execute(t, t.Context(), envWith("", 10*time.Second), c.demo, run, nil)
	if got.res.Err == nil || !strings.Contains(got.res.Err.Error(), "panic: assignment to entry in nil map") {
		t.Fatalf("%v, want the panic", got.res.Err)
	}
	if !strings.Contains(got.res.Err.Error(), "hello_tasks.go") {
		t.Errorf("%v does not say where", got.res.Err)
	}
}

// Twenty tasks run the same select at once (hello-tasks' sleep): each
// waits on its own timer and ends on time. yaegi's own select shares one
// list of cases between goroutines, so lower.go replaces it.
func TestOneSelectManyGoroutines(t *testing.T) {
	c := find(t, "hello-tasks")
	run, err := (&Runner{}).Program(c.demo, c.files, []byte(source(t, c)))
	if err != nil {
		t.Fatal(err)
	}
	var ds []string
	for i := range 20 {
		ds = append(ds, fmt.Sprintf("%dms", 20+5*i))
	}
	for range 3 {
		got := execute(t, t.Context(), envWith("", 10*time.Second), c.demo, run, map[string]string{"durations": strings.Join(ds, ",")})
		if got.res.Err != nil {
			t.Fatalf("%v\n%s", got.res.Err, got.out)
		}
		for i, d := range ds {
			if want := fmt.Sprintf("task %d slept %s", i+1, d); !strings.Contains(got.out, want) {
				t.Errorf("no %q in\n%s", want, got.out)
			}
		}
	}
}
