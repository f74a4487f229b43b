package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestListPrintsEveryDemo(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"list"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	found := false
	for _, l := range lines {
		f := strings.Split(l, "\t")
		if len(f) != 3 || f[0] == "" || f[1] == "" || f[2] == "" {
			t.Errorf("line %q is not id<TAB>lesson<TAB>title", l)
		}
		if f[0] == "spinner-goroutine" && f[1] == "spinner" {
			found = true
		}
	}
	if !found {
		t.Errorf("spinner-goroutine not listed:\n%s", out.String())
	}
}

func TestRunDemoInTerminal(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"run", "spinner-goroutine", "slow=100ms", "frame=20ms"}, &out, &errOut)
	if err != nil || exitCode(err) != 0 {
		t.Fatalf("err = %v, stderr %s", err, errOut.String())
	}
	if !strings.HasPrefix(out.String(), "| thinking...\b") || !strings.HasSuffix(out.String(), "Answer: 42\n") {
		t.Errorf("output %q", out.String())
	}
}

func TestRunExitCodes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"run", "no-such-demo"}, 2, `unknown demo "no-such-demo"`},
		{[]string{"run", "spinner-thread", "slow=fast"}, 2, `parameter "slow"`},
		{[]string{"run", "spinner-thread", "sloww=1s"}, 2, `unknown parameter "sloww"`},
		{[]string{"run", "spinner-thread", "slow"}, 2, "name=value"},
		{[]string{"run"}, 2, "usage"},
		{[]string{"dance"}, 2, `unknown command "dance"`},
		{[]string{"run", "-run-time", "50ms", "spinner-thread", "slow=10s", "frame=20ms"}, 1, "timeout"},
	} {
		err := run(context.Background(), tc.args, io.Discard, io.Discard)
		if exitCode(err) != tc.code || err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%v: exit %d, err %v; want %d saying %q", tc.args, exitCode(err), err, tc.code, tc.says)
		}
	}
}

// syncBuffer is written by the server goroutine and read by the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Serve, use, then stop as SIGTERM would: a run in progress is stopped, its
// socket closed with 1001, and serve returns well within 5 s.
func TestServeAndShutdown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, &out, io.Discard) }()

	addr := regexp.MustCompile(`serving at (http://[0-9.:]+)/`)
	var base string
	for deadline := time.Now().Add(10 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := addr.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		t.Fatalf("no address printed: %q", out.String())
	}
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	resp, err := client.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "ok" {
		t.Fatalf("healthz = %q", body)
	}

	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	c, _, err := websocket.Dial(wctx, "ws"+strings.TrimPrefix(base, "http")+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	msg, _ := json.Marshal(map[string]any{"type": "run", "id": "r1", "demo": "spinner-goroutine", "params": map[string]string{"slow": "10s"}})
	c.Write(wctx, websocket.MessageText, msg)
	if _, data, err := c.Read(wctx); err != nil || !strings.Contains(string(data), `"started"`) {
		t.Fatalf("first frame %s, %v", data, err)
	}

	stopAt := time.Now()
	cancel() // what SIGTERM does through signal.NotifyContext
	var sawExit bool
	for {
		_, data, err := c.Read(wctx)
		if err != nil {
			if code := websocket.CloseStatus(err); code != websocket.StatusGoingAway {
				t.Errorf("socket closed with %v (%v), want 1001", code, err)
			}
			break
		}
		if strings.Contains(string(data), `"exit"`) {
			sawExit = strings.Contains(string(data), `"stopped"`)
		}
	}
	if !sawExit {
		t.Error("the run in progress did not get an exit saying stopped")
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v", err)
		}
		if d := time.Since(stopAt); d > 5*time.Second {
			t.Errorf("shutdown took %v", d)
		}
	case <-time.After(6 * time.Second):
		t.Fatal("serve did not return within 5 s of the signal")
	}
}
