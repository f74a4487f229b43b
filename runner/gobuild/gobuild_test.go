package gobuild_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons"
	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/gobuild"
	"github.com/bingfa-manyou/walkthrough/runner/sandbox"
)

func TestMain(m *testing.M) {
	sandbox.Main(map[string]sandbox.ServeFunc{gobuild.FlagsService: flagserver.Serve})
	os.Exit(m.Run())
}

func TestSpike(t *testing.T) {
	ctx := context.Background()
	cat, err := lessons.Load()
	if err != nil {
		t.Fatal(err)
	}
	sb := sandbox.New(ctx)
	defer sb.Close()
	b := gobuild.New(ctx, gobuild.Config{Sandbox: sb})
	if ok, why := b.Status(); !ok {
		t.Fatal(why, sb.Status().Detail)
	}
	t0 := time.Now()
	if err := b.WarmUp(ctx, cat.Registry().All(), cat.Files); err != nil {
		var ce *gobuild.CompileError
		if errors.As(err, &ce) {
			for _, d := range ce.Diagnostics {
				t.Log(d)
			}
		}
		t.Fatal(err)
	}
	t.Log("warm", time.Since(t0))
	for _, id := range []string{"flags-semaphore", "spinner-goroutine"} {
		d, _ := cat.Registry().Lookup(id)
		src, _ := readFile(cat, id, d.Source)
		run, err := b.Program(d, cat.Files(id), src, gobuild.Options{})
		if err != nil {
			t.Fatal(err)
		}
		v, _ := d.Parse(nil)
		var out bytes.Buffer
		t0 := time.Now()
		res := runner.Execute(ctx, runner.Env{FlagsURL: "http://unused"}, d, v, &out, nil)
		_ = run
		t.Log(id, time.Since(t0), res.Err)
		d2 := *d
		d2.Run = run
		out.Reset()
		t0 = time.Now()
		res = runner.Execute(ctx, runner.Env{FlagsURL: "http://unused"}, &d2, v, &out, nil)
		t.Logf("%s edited: %v startup %v err %v\n%s", id, time.Since(t0), res.Startup, res.Err, out.String())
	}
	d, _ := cat.Registry().Lookup("flags-semaphore")
	_, err = b.Program(d, cat.Files("flags-semaphore"), []byte("package semaphore\nimport \"C\"\n"), gobuild.Options{})
	var ce *gobuild.CompileError
	if !errors.As(err, &ce) {
		t.Fatal(err)
	}
	t.Log(ce)
	run, err := b.Program(d, cat.Files("flags-semaphore"), []byte("package semaphore\nfunc x() { y }\n"), gobuild.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := d.Parse(nil)
	d2 := *d
	d2.Run = run
	res := runner.Execute(ctx, runner.Env{}, &d2, v, &bytes.Buffer{}, nil)
	t.Log(res.Err, strings.Contains(res.Err.Error(), "第"))
}

func readFile(cat *lessons.Catalog, id, name string) ([]byte, error) {
	f := cat.Files(id)
	b := new(bytes.Buffer)
	h, err := f.Open(name)
	if err != nil {
		return nil, err
	}
	defer h.Close()
	b.ReadFrom(h)
	return b.Bytes(), nil
}
