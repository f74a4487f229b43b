package web

import (
	"context"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/web/socket"
)

// When the server is full, a click waits its turn and the panel says where
// it stands; Stop takes it out of the queue; a freed slot starts it.
func TestBrowserQueuedRun(t *testing.T) {
	execPath := requireChromium(t)
	lim := socket.DefaultLimits()
	lim.Global = 1
	srv := serveCourse(t, "127.0.0.1:0", CourseConfig{Socket: lim})

	// Someone else holds the only slot.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	other, err := socket.Dial(ctx, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer other.CloseNow()
	if err := other.Run(ctx, "hold", "spinner-goroutine", map[string]string{"slow": "10s"}); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Until(ctx, "started", "hold"); err != nil {
		t.Fatal(err)
	}

	b := startChrome(t, execPath)
	tb := b.newTab(t, 1280, 800)
	const id = "spinner-goroutine"
	status := `document.querySelector(` + js(demo(id)+" .status") + `).textContent`
	tb.open(srv.URL + "/lessons/spinner")
	waitReady(tb)
	tb.typeInto(demo(id)+` input[name="slow"]`, "200ms")
	tb.click(demo(id) + " button.run")
	tb.waitFor("the panel saying the run waits", status+` === "排队中 · 第 1 位"`, status)
	tb.click(demo(id) + " button.stop")
	tb.waitFor("Stop leaving the queue", consoleText(id)+`.includes("■ 已停止")`, consoleText(id)+" + ' / ' + "+status)

	// Once the slot is free, the next click runs at once.
	tb.click(demo(id) + " button.run")
	tb.waitFor("the run queued again", status+` === "排队中 · 第 1 位"`, status)
	if err := other.Stop(ctx, "hold"); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("the queued run starting and ending", consoleText(id)+`.includes("Answer: 42")`, consoleText(id)+" + ' / ' + "+status)

}

// A socket closed for being idle (4000) is not reopened by itself: the page
// comes back when the learner does — here, a key press — and runs again.
func TestBrowserIdleSocketReconnectsWhenTheLearnerIsBack(t *testing.T) {
	execPath := requireChromium(t)
	lim := socket.DefaultLimits()
	// Long enough that the page is seen with its socket open first, even
	// on a busy machine (at 300 ms a slow page load could miss it).
	lim.IdleTimeout = 2 * time.Second
	srv := serveCourse(t, "127.0.0.1:0", CourseConfig{Socket: lim})
	b := startChrome(t, execPath)
	tb := b.newTab(t, 1280, 800)
	const id = "spinner-goroutine"
	tb.open(srv.URL + "/lessons/spinner")
	// The socket opens and, idle, is closed with 4000; the page says so
	// (however fast that went on a busy machine).
	tb.waitFor("the idle socket closed", `document.documentElement.dataset.socket === "idle"`, `document.documentElement.dataset.socket`)
	sockets := func() int { return srv.Course.socket.Stats().Sockets }
	deadline := time.Now().Add(10 * time.Second)
	for sockets() != 0 { // the server's bookkeeping ends a moment after the close
		if time.Now().After(deadline) {
			t.Fatal("the page saw its socket closed; the server still holds it")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A page that reconnected by itself would be back within its first
	// retry delay (0.5 s); give it four times that.
	watch := time.After(2 * time.Second)
	for done := false; !done; {
		select {
		case <-watch:
			done = true
		case <-time.After(50 * time.Millisecond):
			if n := sockets(); n != 0 {
				t.Fatalf("the page reopened its idle socket by itself (%d open)", n)
			}
		}
	}
	tb.click("main h1") // the learner is back
	waitReady(tb)
	tb.typeInto(demo(id)+` input[name="slow"]`, "200ms")
	tb.click(demo(id) + " button.run")
	tb.waitFor("a run after coming back", consoleText(id)+`.includes("Answer: 42")`, consoleText(id))
}
