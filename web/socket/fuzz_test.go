package socket

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"unicode/utf8"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// FuzzHandle feeds arbitrary client frames through the real decoding and
// dispatch path of a connection (everything but the network) and checks the
// protocol's promise: exactly one error, or a started and exactly one exit,
// whatever the bytes. Seeds live in testdata/fuzz/FuzzHandle and below.
//
//	go test ./web/socket -run '^$' -fuzz FuzzHandle -fuzztime 60s
func FuzzHandle(f *testing.F) {
	for _, seed := range []string{
		`{"type":"run","id":"r1","demo":"knobs","params":{"limit":"5","latency":"200ms"}}`,
		`{"type":"run","id":"r1","demo":"chatty","params":{}}`,
		`{"type":"run","id":"r1","demo":"knobs","params":{"rate":"NaN","limit":-1}}`,
		`{"type":"run","id":"r1","demo":"knobs","params":{"sleeps":"1s, 2s,3s"}}`,
		`{"type":"run","id":"r1","demo":"knobs","params":{"limit":null}}`,
		`{"type":"stop","id":"r1"}`,
		`{"type":"run","demo":"knobs"}`,
		`{"type":"jump"}`,
		`{"type":"run",`,
		`[1,2,3]`,
		`null`,
		`{"TYPE":"run","ID":"x","DEMO":"chatty"}`,
	} {
		f.Add([]byte(seed))
	}
	reg, err := runner.NewRegistry(*knobs(), *demo("chatty", func(_ context.Context, _ runner.Values, out io.Writer, ev runner.Events) error {
		ev.Start("t")
		io.WriteString(out, "a")
		io.WriteString(out, "b")
		ev.End("t", "ok")
		return nil
	}))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := newSocket(reg, defaultLimits(), quiet())
		if err != nil {
			t.Fatal(err)
		}
		cn := newConn(s, nil, nil) // no network: frames stay in the queue
		defer cn.stopAll(errors.New("fuzz case over"))
		cn.handle(data)
		cn.wg.Wait() // the fuzz demos end by themselves, at once
		var frames []Message
		for len(cn.out) > 0 {
			frames = append(frames, <-cn.out)
		}
		if st := s.Stats(); st.Running != 0 || st.Queued != 0 {
			t.Fatalf("run places still taken: %+v", st)
		}
		checkOneAnswer(t, reg, data, frames)
	})
}

// checkOneAnswer holds a connection's reply to one frame to the protocol.
func checkOneAnswer(t *testing.T, reg *runner.Registry, in []byte, frames []Message) {
	t.Helper()
	if len(frames) == 0 {
		t.Fatalf("%q: no answer", in)
	}
	for _, m := range frames {
		if _, err := json.Marshal(m); err != nil {
			t.Fatalf("%q: frame %+v does not encode: %v", in, m, err)
		}
		if !utf8.ValidString(m.ID) || !utf8.ValidString(m.Error) {
			t.Fatalf("%q: frame %+v is not valid UTF-8", in, m)
		}
	}
	first, last := frames[0], frames[len(frames)-1]
	switch first.Type {
	case "error":
		if len(frames) != 1 || first.Error == "" {
			t.Fatalf("%q: an error and then %+v", in, frames)
		}
	case "started":
		if last.Type != "exit" || last.OK == nil || !*last.OK {
			t.Fatalf("%q: started, then %+v", in, frames)
		}
		for i, m := range frames {
			if m.ID != first.ID || m.ID == "" {
				t.Fatalf("%q: frames of several runs: %+v", in, frames)
			}
			if m.Type == "error" || (m.Type == "exit" && i != len(frames)-1) {
				t.Fatalf("%q: more than one end: %+v", in, frames)
			}
		}
		d, ok := reg.Lookup(first.Demo)
		if !ok {
			t.Fatalf("%q: started an unknown demo: %+v", in, first)
		}
		for _, p := range d.Params {
			if _, ok := first.Params[p.Name]; !ok {
				t.Fatalf("%q: started without a value for %s: %+v", in, p.Name, first)
			}
		}
	default:
		t.Fatalf("%q: first answer %+v", in, first)
	}
}
